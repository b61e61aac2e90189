"""The surveys panel on the member home page (see nearpeer.core.panels)."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from nearpeer.anonymity.store import answered_scopes
from nearpeer.core.cache import fragment
from nearpeer.core.panels import Panel

from .models import Survey
from .permissions import can_answer


def _not_closed() -> list[Survey]:
    now = timezone.now()
    return list(
        Survey.objects.filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)).order_by(
            F("closes_at").asc(nulls_last=True), "title"
        )
    )


def fragments(request) -> list[tuple]:
    """The surveys not yet closed, shared by everyone (see nearpeer.core.panels)."""
    return [("home:surveys", ("evaluation",), _not_closed)]


def panels(request) -> list[Panel]:
    """One query when warm: the surveys not yet closed are shared by everyone (cached under
    the `evaluation` version, bumped by survey writes), checked per request against the clock
    and the member's audience (the same rule as answering); then which of them the member
    answered (the store's keyed-hash markers, which SQL cannot compute). That second query is
    never cached: a cached "who answered what" per person would be the very link the markers
    avoid keeping. No panel when there is none."""
    user = request.user
    now = timezone.now()
    candidates = [
        survey
        for survey in fragment(*fragments(request)[0])
        if survey.is_open(now) and can_answer(user, survey)
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
