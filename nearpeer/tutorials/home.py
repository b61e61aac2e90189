"""The tutorials panel on the member home page (see nearpeer.core.panels)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from nearpeer.core.panels import Panel

from .models import Programme, TutorialGroup

MAX_ITEMS = 5


def panels(request) -> list[Panel]:
    """Two queries: programmes for the member's year still open for sign-up that they have
    not joined, and their published groups whose weeks are not over. No panel when both are
    empty."""
    user = request.user
    now = timezone.now()
    open_programmes = list(
        Programme.objects.for_year(user.year)
        .filter(status=Programme.Status.OPEN, signup_deadline__gt=now)
        .exclude(signups__member=user)
        .order_by("signup_deadline")[:MAX_ITEMS]
    )
    today = timezone.localdate()
    groups = [
        group
        for group in TutorialGroup.objects.filter(
            members__member=user, programme__status=Programme.Status.PUBLISHED
        )
        .select_related("programme", "slot")
        .distinct()
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
