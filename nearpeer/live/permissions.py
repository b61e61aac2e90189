"""Who may do what with live decks."""

import hmac

from nearpeer.members.permissions import is_committee
from nearpeer.teaching.permissions import can_run_session

from .models import Deck


def can_manage_deck(user, deck: Deck) -> bool:
    """Edit, present and export: the session's teachers and the committee."""
    return bool(user and user.is_authenticated) and can_run_session(user, deck.session)


def can_create_deck_for(user, session) -> bool:
    return bool(user and user.is_authenticated) and can_run_session(user, session)


def can_present(user, deck_id: int, token: str = "") -> bool:
    """The presenter socket: the deck's current presenter token, or a signed-in member who runs
    the session. Reads the database every time (called before every presenter message)."""
    deck = Deck.objects.select_related("session").filter(pk=deck_id).first()
    if deck is None:
        return False
    if token and hmac.compare_digest(token.encode(), deck.presenter_token.encode()):
        return True
    return bool(user and user.is_authenticated) and (
        is_committee(user) or can_run_session(user, deck.session)
    )


def can_answer(user, deck: Deck) -> bool:
    return deck.allow_anonymous or bool(user and user.is_authenticated)
