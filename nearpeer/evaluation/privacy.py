"""Evaluation's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member). Answers are anonymous: nothing
links them to the member, so they are neither exported nor erasable per member."""

import secrets

from nearpeer.anonymity.store import answered_scopes

from .models import Coding, InterviewVolunteer, Survey

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "evaluation.InterviewVolunteer.user": "deleted",
    "evaluation.Coding.coder": "the coder's email replaced by a pseudonym",
    "evaluation.Survey.created_by": "kept under the anonymous account",
}


def export_member_data(*, member) -> dict:
    """Which surveys the member answered (found through the keyed-hash markers; what they
    answered is linked to nobody), their interview sign-ups and the codings they made.
    Side effects: none."""
    titles = {f"survey:{pk}": title for pk, title in Survey.objects.values_list("pk", "title")}
    return {
        "surveys_answered": sorted(
            titles[scope] for scope in answered_scopes(scopes=titles, user=member)
        ),
        "interview_volunteering": [
            {"survey": v.survey.title, "availability": v.availability}
            for v in InterviewVolunteer.objects.filter(user=member).select_related("survey")
        ],
        "codings": [
            {
                "survey": c.code.survey.title,
                "code": c.code.name,
                "on": "transcript" if c.transcript_id else "free-text answer",
                "start": c.start,
                "end": c.end,
                "memo": c.memo,
            }
            for c in Coding.objects.filter(coder=member.email).select_related("code__survey")
        ],
    }


def erase_member_data(*, member, email: str = "") -> None:
    """Withdraw the member's offers to be interviewed (they carry their contact times). The
    markers stay: they name nobody without the key, and count towards response rates. Codings
    the member made (stored under their email, `email` being the address before erasure) keep
    their codes for inter-coder agreement under one random pseudonym."""
    InterviewVolunteer.objects.filter(user=member).delete()
    if email:
        Coding.objects.filter(coder=email).update(coder=f"coder-{secrets.token_hex(4)}")
