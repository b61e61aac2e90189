"""Live questions' part of a member's data download and erasure. Answers and audience questions
carry no user (a signed-in member's participant key is a keyed hash), so they are neither
exported nor erasable per member; only the decks a teacher made name them."""

from .models import Deck

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {"live.Deck.created_by": "kept under the anonymised account (the session's deck)"}


def export_member_data(*, member) -> dict:
    """The decks the member made. Side effects: none."""
    return {
        "decks_made": [
            {"title": d.title, "created_at": d.created_at.isoformat()}
            for d in Deck.objects.filter(created_by=member).order_by("created_at")
        ]
    }
