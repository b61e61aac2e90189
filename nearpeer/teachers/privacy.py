"""Teachers' part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member).

Feedback answers are not here: nothing links them to anyone, so they can be neither found for
a download nor removed by an erasure (docs/teachers.md)."""

from .models import Application, Certificate, Observation, Review

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "teachers.Application.applicant": "deleted",
    "teachers.Certificate.holder": "deleted (a signed credential names its holder)",
    "teachers.Review.reviewer": "kept under the anonymised account, comment removed",
    "teachers.Observation.observer": "kept under the anonymised account, its text removed",
    "teachers.Observation.teacher": "deleted",
    "teachers.Call.created_by": "kept under the anonymised account",
    "teachers.Call.reviewers": "kept under the anonymised account",
}


def export_member_data(*, member) -> dict:
    """Applications to calls, reviews written, observations given and received, certificates.
    Side effects: none."""
    return {
        "teacher_applications": [
            {
                "call": a.call.title,
                "topics": a.topics,
                "availability": a.availability,
                "wants_co_teacher": a.wants_co_teacher,
                "answers": a.answers,
                "status": a.status,
                "decision_message": a.decision_message,
                "applied_at": a.created_at.isoformat(),
            }
            for a in Application.objects.filter(applicant=member).select_related("call")
        ],
        "reviews_written": [
            {"call": r.application.call.title, "scores": r.scores, "comment": r.comment}
            for r in Review.objects.filter(reviewer=member).select_related("application__call")
        ],
        "observations": [
            {
                "session": o.session.title,
                "role": "observer" if o.observer_id == member.pk else "observed",
                "strengths": o.strengths,
                "suggestions": o.suggestions,
                "overall": o.overall,
            }
            for o in (
                Observation.objects.filter(observer=member)
                | Observation.objects.filter(teacher=member)
            ).select_related("session")
        ],
        "certificates": [
            {"name": c.name, "code": c.code, "issued_at": c.issued_at.isoformat()}
            for c in Certificate.objects.filter(holder=member)
        ],
    }


def erase_member_data(*, member) -> None:
    """Applications and the member's certificates are deleted (a signed credential names its
    holder, so it stops being served); reviews and observation reports they wrote lose their
    text but keep their scores for the call's and the teacher's record."""
    Application.objects.filter(applicant=member).delete()
    Certificate.objects.filter(holder=member).delete()
    Review.objects.filter(reviewer=member).update(comment="")
    Observation.objects.filter(observer=member).update(strengths="", suggestions="")
    Observation.objects.filter(teacher=member).delete()
