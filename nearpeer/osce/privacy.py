"""OSCE's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member)."""

from .models import MockCandidate, MockConflict, MockExaminer, PracticeRole, Sheet, Station

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "osce.Station.author": "kept under the anonymised account (credit on shared stations)",
    "osce.Station.endorsed_by": "kept under the anonymised account",
    "osce.StationReview.reviewer": "kept under the anonymised account",
    "osce.Practice.created_by": "kept under the anonymised account",
    "osce.PracticeRole.user": "kept under the anonymised account (the practice's record)",
    "osce.Mock.created_by": "kept under the anonymised account",
    "osce.MockCandidate.user": "removed from mocks not yet built; a built rotation keeps the seat",
    "osce.MockExaminer.user": "removed from mocks not yet built; a built rota keeps the place",
    "osce.MockConflict.candidate": "deleted",
    "osce.MockConflict.examiner": "deleted",
    "osce.Sheet.candidate": "numbers kept for station statistics, written feedback removed",
    "osce.Sheet.examiner": "kept under the anonymised account",
}


def export_member_data(*, member) -> dict:
    """Stations written, practice roles, mock sittings and examining, and every sheet about the
    member (their marks, rating and feedback). Side effects: none."""
    return {
        "osce_stations_written": [
            {"title": s.title, "version": s.version, "status": s.status}
            for s in Station.objects.filter(author=member)
        ],
        "osce_practice_roles": [
            {
                "station": r.practice.station.title,
                "role": r.role,
                "at": r.practice.created_at.isoformat(),
            }
            for r in PracticeRole.objects.filter(user=member).select_related("practice__station")
        ],
        "osce_mocks_sat": [
            c.mock.title for c in MockCandidate.objects.filter(user=member).select_related("mock")
        ],
        "osce_mocks_examined": [
            e.mock.title for e in MockExaminer.objects.filter(user=member).select_related("mock")
        ],
        "osce_sheets": [
            {
                "station": s.station.title,
                "mock": s.mock.title if s.mock else None,
                "marks": s.marks,
                "global_rating": s.global_rating,
                "percent": round(s.percent, 4),
                "passed": s.passed,
                "feedback": s.feedback,
                "at": s.created_at.isoformat(),
            }
            for s in Sheet.objects.filter(candidate=member).select_related("station", "mock")
        ],
    }


def erase_member_data(*, member) -> None:
    """Remove the member from mocks whose rotation is not built yet (so no rotation places an
    erased account; a built rotation keeps its seats, under the anonymised name) and their
    declared conflicts; sheets about them lose the written feedback. Numbers stay, so the
    station statistics keep their counts."""
    MockCandidate.objects.filter(user=member, mock__rotation__isnull=True).delete()
    MockExaminer.objects.filter(user=member, mock__rotation__isnull=True).delete()
    MockConflict.objects.filter(candidate=member).delete()
    MockConflict.objects.filter(examiner=member).delete()
    Sheet.objects.filter(candidate=member).update(feedback="")
