"""The surveys panel on the member home page (see nearpeer.core.panels)."""

from django.db.models import F
from django.urls import reverse

from nearpeer.core.panels import Panel

from .models import Survey
from .permissions import can_answer


def panels(request) -> list[Panel]:
    """One query: open surveys the member has not answered, kept when the member is in the
    audience (the same rule as answering). No panel when there is none."""
    user = request.user
    unanswered = (
        Survey.objects.open()
        .exclude(respondents__user=user)
        .order_by(F("closes_at").asc(nulls_last=True), "title")
    )
    surveys = [survey for survey in unanswered if can_answer(user, survey)]
    if not surveys:
        return []
    return [
        Panel(
            "evaluation/_home_panel.html", {"url": reverse("evaluation:home"), "surveys": surveys}
        )
    ]
