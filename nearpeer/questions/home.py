"""The review-queue panel on the member home page (see nearpeer.core.panels).

Neutral on purpose: a count and a way in, no streaks, no comparison with anyone else.
"""

from django.urls import reverse
from django.utils import timezone

from nearpeer.core.panels import Panel

from .models import ReviewCard


def panels(request) -> list[Panel]:
    """One query: how many of the member's review cards are due (as the queue page counts them);
    no panel when none is."""
    due = ReviewCard.objects.filter(member=request.user, due__lte=timezone.now()).count()
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
