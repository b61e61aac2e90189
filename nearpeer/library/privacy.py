"""The library's part of a member's data download and erasure (called by
nearpeer.members.services.export_member_data / erase_member). Use counts hold nobody's data."""

from .models import ErrorReport, Resource

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "library.Resource.authors": "kept: shared under its licence, credited to the anonymised one",
    "library.Resource.peer_reviewer": "kept under the anonymised account",
    "library.Resource.endorsed_by": "kept under the anonymised account",
    "library.ResourceVersion.created_by": "kept under the anonymised account",
    "library.Attachment.uploaded_by": "kept under the anonymised account",
    "library.ErrorReport.reported_by": "unlinked, and the report's text removed",
}


def _iso(value):
    return value.isoformat() if value else None


def export_member_data(*, member) -> dict:
    """Resources the member wrote or co-wrote, and the error reports they sent. Side effects:
    none."""
    return {
        "resources_authored": [
            {"resource": r.title, "kind": r.kind, "status": r.status, "licence": r.licence}
            for r in Resource.objects.filter(authors=member).order_by("pk")
        ],
        "error_reports": [
            {"resource": e.resource.title, "text": e.text, "created_at": _iso(e.created_at)}
            for e in ErrorReport.objects.filter(reported_by=member).select_related("resource")
        ],
    }


def erase_member_data(*, member) -> None:
    """The text of the member's error reports goes; authored resources stay for the society
    under the licence they were shared with, credited to the anonymised account."""
    ErrorReport.objects.filter(reported_by=member).update(
        text="(removed: the author's data was erased)", reported_by=None
    )
