"""Teaching's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member)."""

from django.utils import timezone

from .models import Attendance, CalendarFeed, MaterialView, Registration, SessionTeacher
from .services import cancel

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "teaching.Registration.member": "upcoming places given back; past ones kept, anonymous",
    "teaching.Attendance.member": "kept under the anonymous account for the society's totals",
    "teaching.MaterialView.member": "kept under the anonymous account for the society's totals",
    "teaching.SessionTeacher.teacher": "kept under the anonymous account (who taught is public)",
    "teaching.Session.teachers": "through SessionTeacher",
    "teaching.CalendarFeed.member": "deleted",
    "teaching.Material.uploaded_by": "kept under the anonymous account",
    "teaching.SeriesCancellation.by": "kept under the anonymous account (a committee action)",
}


def _iso(value):
    return value.isoformat() if value else None


def export_member_data(*, member) -> dict:
    """The member's registrations, attendance, recordings and slides opened, and sessions
    taught. Side effects: none."""
    return {
        "registrations": [
            {
                "session": r.session.title,
                "starts_at": _iso(r.session.starts_at),
                "status": r.status,
                "registered_at": _iso(r.created_at),
            }
            for r in Registration.objects.filter(member=member).select_related("session")
        ],
        "attendance": [
            {
                "session": a.session.title,
                "starts_at": _iso(a.session.starts_at),
                "checked_in_at": _iso(a.checked_in_at),
                "method": a.method,
            }
            for a in Attendance.objects.filter(member=member).select_related("session")
        ],
        "materials_viewed": [
            {"material": v.material.title, "first_viewed_at": _iso(v.first_viewed_at)}
            for v in MaterialView.objects.filter(member=member).select_related("material")
        ],
        "sessions_taught": [
            {"session": t.session.title, "starts_at": _iso(t.session.starts_at), "role": t.role}
            for t in SessionTeacher.objects.filter(teacher=member).select_related("session")
        ],
        "calendar_feed": CalendarFeed.objects.filter(member=member).exists(),
    }


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
