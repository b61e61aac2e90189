"""Background jobs: long work (large imports, report builds) done by the `nearpeer db_worker`
process instead of the request, with its progress on a page any app server can show."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BackgroundJobQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=BackgroundJob.ACTIVE)


class BackgroundJob(models.Model):
    """One piece of long work: queued by a person, run by a worker through the handler registered
    for its `kind` (core/jobs.py). Two people starting the same work (same kind and key) while it
    is queued or running get the one job."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=200, help_text="What makes two starts the same work.")
    title = models.CharField(max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    # The uploaded file the worker reads, in the default storage (private object storage in
    # production, so a worker on another server reads what the web server received); deleted
    # when the job ends.
    upload = models.FileField(upload_to="jobs/%Y/%m/", blank=True, max_length=300)
    # What a report build produced, in the same private storage, downloaded from the job's page
    # through core.files.private_file_response (a short-lived signed URL on object storage).
    output = models.FileField(upload_to="jobs/%Y/%m/", blank=True, max_length=300)
    output_name = models.CharField(max_length=200, blank=True)
    output_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="core_one_active_job_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0
