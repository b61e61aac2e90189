"""The live-questions panels on the home page: for those who run sessions, their decks; for
members, the decks running now in sessions for their year (see nearpeer.core.panels)."""

from django.urls import reverse

from nearpeer.core.cache import fragment
from nearpeer.core.panels import Panel
from nearpeer.members.permissions import is_committee, is_teacher

from .models import Deck, DeckStatus

MAX_LIVE_NOW = 20


def _live_now() -> list[dict]:
    """The decks running now, with their session's title and years: the same for everyone."""
    decks = (
        Deck.objects.filter(status=DeckStatus.LIVE)
        .order_by("-session__starts_at", "pk")
        .values("code", "title", "session__title", "session__target_years_mask")
    )
    return list(decks[:MAX_LIVE_NOW])


def _runs_sessions(user) -> bool:
    return is_teacher(user) or is_committee(user)


def fragments(request) -> list[tuple]:
    """Members' running decks, shared by everyone under the `live` version (bumped when a deck
    starts or ends, apps.py) and `teaching` (a session's title or years). Named for everyone:
    the home page reads these before it knows the member's roles."""
    return [("home:live-now", ("live", "teaching"), _live_now)]


def panels(request) -> list[Panel]:
    """Those who run sessions: at most one query, how many of their decks are live now.
    Members: no query when warm; a panel only while a deck of a session for their year runs."""
    user = request.user
    if not _runs_sessions(user):
        return _live_now_panel(request)
    decks = Deck.objects.filter(status=DeckStatus.LIVE)
    if not is_committee(user):
        decks = decks.filter(session__teachers=user)
    live = decks.count()
    text = (
        f"{live} deck{'s are' if live != 1 else ' is'} live now."
        if live
        else "Ask the audience questions during a session; they stay answerable afterwards."
    )
    return [
        Panel(
            "core/_home_panel.html",
            {
                "key": "live",
                "heading": "Live questions",
                "url": reverse("live:deck-list"),
                "text": text,
                "link_url": reverse("live:deck-create"),
                "link_text": "New deck",
            },
        )
    ]


def _live_now_panel(request) -> list[Panel]:
    year = request.user.year
    if year is None:
        return []
    mine = [
        deck
        for deck in fragment(*fragments(request)[0])
        if deck["session__target_years_mask"] & (1 << year)
    ]
    if not mine:
        return []
    return [Panel("live/_home_panel.html", {"decks": mine})]
