"""The surveys panel on the member home page (see nearpeer.core.panels)."""

from django.db.models import F
from django.urls import reverse

from nearpeer.anonymity.store import answered_scopes
from nearpeer.core.panels import Panel

from .models import Survey
from .permissions import can_answer


def panels(request) -> list[Panel]:
    """Two queries at most: open surveys in the member's audience (the same rule as
    answering), then which of them the member answered (the store's keyed-hash markers, which
    SQL cannot compute). No panel when there is none."""
    user = request.user
    candidates = [
        survey
        for survey in Survey.objects.open().order_by(F("closes_at").asc(nulls_last=True), "title")
        if can_answer(user, survey)
    ]
    answered = answered_scopes(scopes=[f"survey:{s.pk}" for s in candidates], user=user)
    surveys = [s for s in candidates if f"survey:{s.pk}" not in answered]
    if not surveys:
        return []
    return [
        Panel(
            "evaluation/_home_panel.html", {"url": reverse("evaluation:home"), "surveys": surveys}
        )
    ]
