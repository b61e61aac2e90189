"""Questions' background jobs (core/jobs.py): the confirmed import of a previewed file."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import pluralize
from django.urls import reverse

from nearpeer.core.jobs import JobFailed, Progress, register
from nearpeer.core.models import BackgroundJob

from . import formats, services
from .models import PendingImport

QUESTION_IMPORT = "questions.import"


# A pending import belongs to its uploader alone, so only they watch its job.
@register(QUESTION_IMPORT, can_view=lambda user, job: False)
def import_questions(job: BackgroundJob, progress: Progress) -> dict:
    """Import a previewed file (services.confirm_import: all or nothing, one transaction). The
    file waits in the database (PendingImport), which every app server and worker shares."""
    pending = PendingImport.objects.filter(pk=job.params["pending"]).first()
    if pending is None:
        raise JobFailed(
            "The previewed file is gone (imported already, or replaced by a newer upload). "
            "Upload it again."
        )
    progress("Importing the questions (all or nothing)")
    try:
        created = services.confirm_import(
            pending=pending,
            by=job.started_by,
            skip_unsupported=job.params.get("skip_unsupported", False),
        )
    except formats.FormatError as exc:
        raise JobFailed(f"Nothing was imported: the file cannot be read: {exc}.") from exc
    except ValidationError as exc:
        raise JobFailed(
            ["Nothing was imported: the file has problems (listed below).", *exc.messages]
        ) from exc
    state = "published" if pending.publish else "drafts credited to you"
    n = len(created)
    return {
        "summary": [f"Imported {n} question{pluralize(n)} ({state})."],
        "next_url": reverse("questions:home"),
        "next_label": "Back to the question bank",
    }
