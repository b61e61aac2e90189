import os

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ResourceKind(models.TextChoices):
    GUIDE = "guide", "Guide"
    SLIDES = "slides", "Slide deck"
    NOTES = "notes", "Notes"
    VIDEO = "video", "Video link"
    CASE = "case", "Case"
    PRACTICE_PAPER = "practice_paper", "Practice paper"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Every member"
    TEACHERS = "teachers", "Teachers only (e.g. tutor cases, mark schemes)"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In peer review"
    PUBLISHED = "published", "Published"


class Licence(models.TextChoices):
    CC_BY_NC_SA = "CC BY-NC-SA 4.0", "CC BY-NC-SA 4.0 (share alike, non-commercial)"
    CC_BY_NC = "CC BY-NC 4.0", "CC BY-NC 4.0 (non-commercial)"
    CC_BY = "CC BY 4.0", "CC BY 4.0"
    ALL_RIGHTS = "All rights reserved", "All rights reserved (society use only)"


class ResourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Resources a user may open: published ones for their audience, and their own (any
        status). Reviewers also see those in review. Teacher-only ones never reach members."""
        from nearpeer.members.permissions import is_member

        from .permissions import is_library_reviewer, sees_teacher_only

        if not is_member(user):
            return self.none()
        audiences = [Audience.EVERYONE] + ([Audience.TEACHERS] if sees_teacher_only(user) else [])
        shown = Q(status=Status.PUBLISHED, audience__in=audiences)
        if is_library_reviewer(user):
            shown |= Q(status=Status.IN_REVIEW)
        mine = Q(pk__in=Resource.authors.through.objects.filter(user=user).values("resource_id"))
        return self.filter(shown | mine)


class Resource(models.Model):
    """A guide, slide deck, case or other material shared in the society's library. Its text
    lives here (the current version); `versions` keeps each published change with its note."""

    kind = models.CharField(max_length=20, choices=ResourceKind.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=5000, blank=True)
    tags = models.ManyToManyField("questions.Tag", blank=True, related_name="resources")
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="library_resources")
    licence = models.CharField(max_length=40, choices=Licence.choices, default=Licence.CC_BY_NC_SA)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sessions = models.ManyToManyField(
        "teaching.Session", blank=True, related_name="library_resources"
    )
    remixed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    credit = models.CharField(
        max_length=300, blank=True, help_text="Who made the original this one was remixed from."
    )
    peer_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    # The author's answer to the identifier check for the text as submitted (cleared by edits).
    identifiers_confirmed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(max_length=2000, blank=True)
    # Use figures: counts only, never who.
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["status", "audience", "-updated_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:resource-detail", kwargs={"pk": self.pk})

    @property
    def endorsed(self) -> bool:
        return self.endorsed_by_id is not None

    @property
    def teacher_only(self) -> bool:
        return self.audience == Audience.TEACHERS


class ResourceVersion(models.Model):
    """A change to a resource with its note; version 1 is the first submission."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=5000, blank=True)
    change_note = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="unique_resource_version")
        ]

    def __str__(self) -> str:
        return f"{self.resource} v{self.number}"


def attachment_path(instance, filename: str) -> str:
    # Our own name: the uploader's is kept only as a label, never as a path.
    return f"library/{instance.resource_id}/{timezone.now():%Y%m%d%H%M%S%f}.{instance.extension}"


class Attachment(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200, help_text="The uploader's file name, as a label.")
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size_bytes = models.PositiveBigIntegerField()
    text = models.TextField(blank=True, help_text="Extracted for search and identifier checks.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource", "created_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def download_name(self) -> str:
        stem = os.path.splitext(self.name)[0] or "attachment"
        return f"{stem}.{self.extension}"


class Link(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500)

    class Meta:
        ordering = ["resource", "pk"]

    def __str__(self) -> str:
        return self.title


class ErrorReport(models.Model):
    """A reader tells the authors something is wrong. The reporter is kept so authors can ask
    back; erasure of the member removes the link (SET_NULL)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="error_reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report on {self.resource}"
