"""The live-questions panel on the home page, for members who run sessions."""

from django.urls import reverse

from nearpeer.core.panels import Panel
from nearpeer.members.permissions import is_committee, is_teacher

from .models import Deck, DeckStatus


def panels(request) -> list[Panel]:
    """At most one query: how many decks of sessions I run are live now."""
    user = request.user
    if not (is_teacher(user) or is_committee(user)):
        return []
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
