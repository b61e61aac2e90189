"""Members' own part of a member's data download and erasure, beside the profile and the
sign-in log that nearpeer.members.services handles itself."""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from .models import Invitation, RoleGrant, User, YearChangeRequest

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "members.RoleGrant.user": "deleted",
    "members.YearChangeRequest.member": "deleted",
    "members.YearChangeRequest.decided_by": "kept, pointing at the anonymous account",
    "members.Invitation.member": "deleted (its link stops working)",
    "members.AccessRequest.decided_by": "kept, pointing at the anonymous account",
    "admin.LogEntry.user": "kept (who did what in the admin), under the anonymous account",
    "admin.LogEntry.object_repr": "entries about the member renamed, their change text cleared",
    "axes.AccessAttempt.username": "deleted (with the address it came from)",
    "axes.AccessLog.username": "deleted (with the address it came from)",
    "axes.AccessFailureLog.username": "deleted (with the address it came from)",
}


def export_member_data(*, member) -> dict:
    """The member's requests to change their year. Side effects: none."""
    return {
        "year_requests": [
            {
                "year": r.year,
                "intercalating": r.intercalating,
                "reason": r.reason,
                "status": r.status,
                "asked_at": r.created_at.isoformat(),
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            }
            for r in YearChangeRequest.objects.filter(member=member)
        ]
    }


def erase_member_data(*, member) -> None:
    """Roles and year requests go (the committee's decisions on others stay, now by the
    anonymous account)."""
    RoleGrant.objects.filter(user=member).delete()
    YearChangeRequest.objects.filter(member=member).delete()
    Invitation.objects.filter(member=member).delete()
    # The admin's history names the person edited ("Ada Member", "Changed email").
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(member.pk)
    ).update(object_repr="Erased member", change_message="")
