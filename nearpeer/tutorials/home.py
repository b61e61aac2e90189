"""The tutorials panel on the member home page (see nearpeer.core.panels)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from nearpeer.core.cache import fragment
from nearpeer.core.panels import Panel

from .models import Programme, TutorialGroup

MAX_ITEMS = 5


def _candidates(user) -> tuple[list, list]:
    """Two queries: programmes for the member's year open for sign-up that they have not
    joined, and their published groups."""
    open_programmes = list(
        Programme.objects.for_year(user.year)
        .filter(status=Programme.Status.OPEN, signup_deadline__gt=timezone.now())
        .exclude(signups__member=user)
        .order_by("signup_deadline")
    )
    groups = list(
        TutorialGroup.objects.filter(
            members__member=user, programme__status=Programme.Status.PUBLISHED
        )
        .select_related("programme", "slot")
        .distinct()
    )
    return open_programmes, groups


def fragments(request) -> list[tuple]:
    """The member's candidates, cached per member under the `tutorials` version (see
    nearpeer.core.panels)."""
    user = request.user
    return [(f"home:tutorials:{user.pk}:{user.year}", ("tutorials",), lambda: _candidates(user))]


def panels(request) -> list[Panel]:
    """Programmes still open for sign-up that the member has not joined, and their published
    groups whose weeks are not over. The candidates are cached per member under the
    `tutorials` version (bumped by every write to programmes, slots, sign-ups and groups, see
    apps.py), and the dates are checked against the clock on each request: no query when
    warm. No panel when both are empty."""
    candidates, all_groups = fragment(*fragments(request)[0])
    now = timezone.now()
    open_programmes = [p for p in candidates if p.signup_deadline > now][:MAX_ITEMS]
    today = timezone.localdate()
    groups = [
        group
        for group in all_groups
        if group.programme.first_week + timedelta(weeks=group.programme.weeks) > today
    ]
    if not (open_programmes or groups):
        return []
    return [
        Panel(
            "tutorials/_home_panel.html",
            {"url": reverse("tutorials:home"), "programmes": open_programmes, "groups": groups},
        )
    ]
