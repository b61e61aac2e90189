"""Questions' background jobs (core/jobs.py): the confirmed import of a previewed file, and the
export of more questions than a request should build (services.EXPORT_SYNC_LIMIT)."""

from django.core.exceptions import ValidationError
from django.template.defaultfilters import pluralize
from django.urls import reverse

from nearpeer.core.jobs import JobFailed, Progress, register, save_output
from nearpeer.core.models import BackgroundJob

from . import formats, services
from .models import PendingImport, Tag

QUESTION_IMPORT = "questions.import"
QUESTION_EXPORT = "questions.export"


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


def export_params(*, file_format: str, include_unpublished: bool, tags, year, ids) -> dict:
    """What a web export asked for, as the job keeps it (and as two identical requests share
    one job)."""
    return {
        "format": file_format,
        "include_unpublished": include_unpublished,
        "tags": sorted(t.pk for t in tags),
        "year": year,
        "ids": list(ids),
    }


def export_selection(user, params: dict):
    """The questions `params` ask for, chosen again for `user` with today's permissions."""
    return services.select_for_export(
        user=user,
        include_unpublished=params["include_unpublished"],
        tags=list(Tag.objects.filter(pk__in=params["tags"])),
        year=params["year"],
        ids=params["ids"],
    )


# An export holds what its starter may see, so only they download it.
@register(QUESTION_EXPORT, can_view=lambda user, job: False)
def export_questions_job(job: BackgroundJob, progress: Progress) -> dict:
    """Build a large export (services.export_file) for the member who asked, choosing the
    questions again with their permissions as they are now, and keep the file for download
    from the job's page (private storage)."""
    user, params = job.started_by, job.params
    try:
        queryset = export_selection(user, params)
    except ValidationError as exc:
        raise JobFailed(exc.messages) from exc
    plan, n, problem = services.export_plan(queryset, params["format"])
    if plan == "refuse":
        raise JobFailed(problem)
    progress(f"Reading {n} question{pluralize(n)}")
    questions = services.export_data(queryset, with_files=params["format"] != "gift")
    label = services.EXPORT_FORMATS[params["format"]][0]
    progress(f"Writing the {label} file")
    data = services.export_file(
        questions=questions, file_format=params["format"], deck_name="Nearpeer · Exported questions"
    )
    name = services.export_filename(params["format"])
    save_output(
        job, name=name, content_type=services.EXPORT_FORMATS[params["format"]][2], data=data
    )
    return {"summary": [f"Exported {n} question{pluralize(n)} ({label}): {name} is ready."]}
