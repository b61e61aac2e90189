"""The review-queue panel on the member home page (see nearpeer.core.panels).

Neutral on purpose: a count and a way in, no streaks, no comparison with anyone else.
"""

from bisect import bisect_right

from django.urls import reverse
from django.utils import timezone

from nearpeer.core.cache import fragment, owner_topic
from nearpeer.core.panels import Panel

from .models import ReviewCard


def due_times(member_id: int) -> tuple:
    """The fragment (nearpeer.core.cache) of the member's review cards' due times, sorted:
    cached per member under a version every write to their cards bumps, so a count of those
    due moves on with the clock without a query."""
    return (
        f"home:due:{member_id}",
        (owner_topic("review", member_id),),
        lambda: list(
            ReviewCard.objects.filter(member_id=member_id)
            .order_by("due")
            .values_list("due", flat=True)
        ),
    )


def count_due(times: list) -> int:
    """How many of `due_times` are due now (as the queue page counts them)."""
    return bisect_right(times, timezone.now())


def due_now(member_id: int) -> int:
    """How many of the member's review cards are due."""
    return count_due(fragment(*due_times(member_id)))


def fragments(request) -> list[tuple]:
    """What the panel reads from the cache (see nearpeer.core.panels)."""
    return [due_times(request.user.pk)]


def panels(request) -> list[Panel]:
    """The member's due count (no query when warm); no panel when none is due."""
    due = due_now(request.user.pk)
    if not due:
        return []
    text = (
        "1 question is ready when you are."
        if due == 1
        else f"{due} questions are ready when you are."
    )
    return [
        Panel(
            "core/_home_panel.html",
            {
                "key": "questions",
                "heading": "Question review",
                "url": reverse("questions:queue-home"),
                "text": text,
                "link_url": reverse("questions:queue-next"),
                "link_text": "Start reviewing",
            },
        )
    ]
