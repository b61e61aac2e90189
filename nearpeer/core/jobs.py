"""Background jobs (see core/models.BackgroundJob and docs/architecture.md, "Background work").

An app registers a handler for a kind of job in its `jobs.py` module (found by
`core.hooks.app_modules`, so core never imports a higher app):

    @register("questions.import")
    def run_import(job: BackgroundJob, progress: Progress) -> dict: ...

A view calls `start_job(...)`, which creates the job row and enqueues `run_job_task` after
commit; the worker runs `execute_job`, which claims the job, calls the handler and records what
it returned (shown on the job's page) or the errors it raised with `JobFailed` (each naming its
row or line). The handler does its own all-or-nothing writes in one transaction and reports
progress only outside it (a progress row written inside the transaction would stay invisible
until the end, and on SQLite would hold the write lock for the whole import).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from .hooks import app_modules
from .models import BackgroundJob

logger = logging.getLogger(__name__)

Handler = Callable[[BackgroundJob, "Progress"], dict]
_HANDLERS: dict[str, Handler] = {}
# Who may watch a job of each kind besides the person who started it (someone who pressed the
# same button a moment later is sent to the same job).
_VIEWERS: dict[str, Callable] = {}


class JobFailed(Exception):
    """The work cannot be done as asked; nothing was written. Each error names its row or line."""

    def __init__(self, errors: list[str] | str) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


def register(kind: str, *, can_view: Callable) -> Callable[[Handler], Handler]:
    """Register `func(job, progress) -> result` for jobs of `kind`; `can_view(user, job)` says who
    else may watch one (the starter always may)."""

    def decorate(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        _VIEWERS[kind] = can_view
        return func

    return decorate


def handler_for(kind: str) -> Handler:
    if kind not in _HANDLERS:
        for _ in app_modules("jobs"):  # importing the modules registers their handlers
            pass
    return _HANDLERS[kind]


def can_view_job(user, job: BackgroundJob) -> bool:
    if not user.is_authenticated:
        return False
    if job.started_by_id == user.pk:
        return True
    handler_for(job.kind)
    return bool(_VIEWERS[job.kind](user, job))


class Progress:
    """What the handler tells the page: a stage ("Checking rows") and how far through it."""

    def __init__(self, job: BackgroundJob) -> None:
        self.job = job

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        self.job.stage, self.job.done, self.job.total = stage[:200], done, total
        BackgroundJob.objects.filter(pk=self.job.pk).update(
            stage=self.job.stage, done=done, total=total
        )


def start_job(
    *,
    kind: str,
    key: str,
    title: str,
    by,
    params: dict | None = None,
    upload: tuple[str, bytes] | None = None,
) -> tuple[BackgroundJob, bool]:
    """Queue a job for the worker, unless the same work (kind and key) is already queued or
    running: then that job is returned and nothing is queued. Returns (job, created).

    Side effects: a BackgroundJob row (and its upload in the default storage); the task is
    enqueued after commit (with the immediate backend of tests and `make test` it runs then)."""
    from .tasks import run_job_task

    handler_for(kind)  # a typo fails here, not in the worker
    job = BackgroundJob(
        kind=kind, key=key[:200], title=title[:200], started_by=by, params=params or {}
    )
    if upload is not None:
        name, data = upload
        job.upload.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        if job.upload:
            job.upload.delete(save=False)
        active = BackgroundJob.objects.active().select_related("started_by")
        return active.get(kind=kind, key=key[:200]), False
    transaction.on_commit(lambda: run_job_task.enqueue(job_id=job.pk))
    return job, True


def execute_job(*, job_id: int) -> BackgroundJob:
    """Run a queued job (a job claimed by another worker is left alone).

    Side effects: the job moves queued → running → done (with the handler's result) or failed
    (with its errors); its upload is deleted either way; whatever the handler writes."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now(), stage="Starting"
    )
    job = BackgroundJob.objects.select_related("started_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        result = handler_for(job.kind)(job, Progress(job))
    except JobFailed as exc:
        job.status, job.errors = BackgroundJob.Status.FAILED, exc.errors[:200]
    except Exception:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        job.status = BackgroundJob.Status.FAILED
        job.errors = ["the job stopped with an internal error; nothing was changed"]
    else:
        job.status, job.result = BackgroundJob.Status.DONE, result or {}
    job.finished_at = timezone.now()
    if job.upload:
        job.upload.delete(save=False)
    job.save(update_fields=["status", "result", "errors", "finished_at", "upload"])
    return job


def save_output(job: BackgroundJob, *, name: str, content_type: str, data: bytes) -> None:
    """Keep a built report for download from the job's page (private storage)."""
    job.output_name, job.output_type = name[:200], content_type[:100]
    job.output.save(name, ContentFile(data), save=False)
    job.save(update_fields=["output", "output_name", "output_type"])


def read_upload(job: BackgroundJob) -> bytes:
    with job.upload.open("rb") as f:
        return f.read()
