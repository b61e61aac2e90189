"""Teaching's part of a member's erasure (called by nearpeer.members.services.erase_member)."""

from django.utils import timezone

from .models import CalendarFeed, Registration
from .services import cancel


def erase_member_data(*, member) -> None:
    """Give back the places the member held in sessions still to come, through the same
    cancellation as a member's own, so the first in line is promoted and told; drop their
    calendar feed. Past registrations and attendance stay for the society's totals."""
    upcoming = Registration.objects.filter(
        member=member, session__starts_at__gt=timezone.now()
    ).exclude(status=Registration.Status.CANCELLED)
    for registration in upcoming:
        cancel(registration=registration, by=member)
    CalendarFeed.objects.filter(member=member).delete()
