"""Core's part of a member's data download and erasure: the background jobs they started."""

from .models import BackgroundJob

# Every reference to a user in this app and what erasure does with it
# (nearpeer/core/tests/test_privacy_coverage.py fails on a reference no hook names).
COVERS = {
    "core.BackgroundJob.started_by": (
        "finished jobs and the files they built deleted (their results and errors may quote "
        "rows of a file); "
        "one still running finishes under the anonymous account"
    ),
}


def export_member_data(*, member) -> dict:
    """The background jobs the member started (what, when, how it ended). Side effects: none."""
    return {
        "background_jobs": [
            {"title": j.title, "status": j.status, "started": j.created_at.isoformat()}
            for j in BackgroundJob.objects.filter(started_by=member)
        ]
    }


def erase_member_data(*, member) -> None:
    """Side effects: deletes the member's finished jobs and the files they built (a portfolio
    PDF names its teacher)."""
    finished = BackgroundJob.objects.filter(started_by=member).exclude(
        status__in=BackgroundJob.ACTIVE
    )
    for job in finished.exclude(output=""):
        job.output.delete(save=False)
    finished.delete()
