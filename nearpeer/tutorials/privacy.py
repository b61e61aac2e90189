"""Tutorials' part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member)."""

from .models import MentoringEntry, MentoringScheme, Programme, SignUp

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "tutorials.Programme.created_by": "kept under the anonymous account",
    "tutorials.SignUp.member": "open programmes: deleted; published: kept, note and friends gone",
    "tutorials.AllocationRun.run_by": "kept under the anonymous account",
    "tutorials.MentoringScheme.created_by": "kept under the anonymous account",
    "tutorials.MentoringEntry.member": "open schemes: deleted; otherwise the note cleared",
}


def export_member_data(*, member) -> dict:
    """The member's tutorial sign-ups (role, availability, friends asked for, groups) and
    mentoring entries. Side effects: none."""
    signups = (
        SignUp.objects.filter(member=member)
        .select_related("programme")
        .prefetch_related("availability__slot", "friends__member", "groups__slot")
    )
    return {
        "tutorial_signups": [
            {
                "programme": s.programme.title,
                "role": s.role,
                "max_groups": s.max_groups,
                "wants_co_tutor": s.wants_co_tutor,
                "availability": {a.slot.label: a.answer for a in s.availability.all()},
                "friends": sorted(f.member.name for f in s.friends.all()),
                "groups": [g.slot.label for g in s.groups.all()],
                "signed_up_at": s.created_at.isoformat(),
            }
            for s in signups
        ],
        "mentoring": [
            {
                "scheme": e.scheme.title,
                "role": e.role,
                "capacity": e.capacity,
                "interests": e.interest_labels,
                "note": e.note,
            }
            for e in MentoringEntry.objects.filter(member=member).select_related("scheme")
        ],
    }


def erase_member_data(*, member) -> None:
    """Withdraw the member from programmes and schemes still open, so the solver and the
    matcher never place an erased account; in published ones, keep their place in the record
    (already anonymous) but drop their free-text note and the friends they named."""
    SignUp.objects.filter(member=member, programme__status=Programme.Status.OPEN).delete()
    MentoringEntry.objects.filter(
        member=member, scheme__status=MentoringScheme.Status.OPEN
    ).delete()
    MentoringEntry.objects.filter(member=member).update(note="")
    for signup in SignUp.objects.filter(member=member):
        signup.friends.clear()
