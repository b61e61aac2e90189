"""OSCE station bank, group practice and mock OSCE circuits."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from . import scoring

User = settings.AUTH_USER_MODEL


def station_image_path(instance, filename: str) -> str:
    return f"osce/images/{instance.author_id}/{filename[-40:]}"


class Station(models.Model):
    class Exam(models.TextChoices):
        OSCE = "osce", "OSCE"
        PACES = "paces", "PACES"
        CPA = "cpa", "CPA"

    class Skill(models.TextChoices):
        HISTORY = "history", "History"
        EXAMINATION = "examination", "Examination"
        PROCEDURE = "procedure", "Procedure"
        COMMUNICATION = "communication", "Communication"
        DATA = "data", "Data interpretation"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In peer review"
        APPROVED = "approved", "Approved by a peer"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Replaced by a newer version"

    title = models.CharField(max_length=200)
    exam = models.CharField(max_length=10, choices=Exam.choices, default=Exam.OSCE)
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(6)], default=3
    )
    specialty = models.CharField(max_length=100)
    skill = models.CharField(max_length=20, choices=Skill.choices)
    reading_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(0), MaxValueValidator(600)]
    )
    station_seconds = models.PositiveIntegerField(
        default=480, validators=[MinValueValidator(60), MaxValueValidator(3600)]
    )
    candidate_instructions = models.TextField(max_length=4000)
    patient_brief = models.TextField(max_length=8000, blank=True)
    findings = models.TextField(
        max_length=4000, blank=True, help_text="Examination findings or results to hand over."
    )
    image = models.FileField(upload_to=station_image_path, blank=True)
    image_type = models.CharField(max_length=20, blank=True)
    image_alt = models.CharField("Image description", max_length=300, blank=True)
    pass_mark = models.FloatField(
        default=scoring.DEFAULT_PASS_MARK,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="osce_stations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    remixed_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes"
    )
    endorsed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endorsed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "-version", "pk"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def scoring_items(self) -> list[scoring.Item]:
        return [scoring.Item(str(i.pk), i.text, i.weight, i.critical) for i in self.items.all()]


class MarkItem(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=scoring.MAX_ITEM_LENGTH)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(scoring.MAX_WEIGHT)]
    )
    critical = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class StationReview(models.Model):
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    approve = models.BooleanField()
    comment = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class Practice(models.Model):
    """One station practised by a small group: each phone shows its own role's brief."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="practices")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "tutorials.TutorialGroup", null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def phase(self, now=None) -> tuple[str, object]:
        """(phase, when it ends): waiting, reading, station, time-up, finished."""
        now = now or timezone.now()
        if self.finished_at:
            return "finished", None
        if not self.started_at:
            return "waiting", None
        reading_end = self.started_at + timedelta(seconds=self.station.reading_seconds)
        station_end = reading_end + timedelta(seconds=self.station.station_seconds)
        if now < reading_end:
            return "reading", reading_end
        if now < station_end:
            return "station", station_end
        return "time-up", None


class PracticeRole(models.Model):
    class Role(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        EXAMINER = "examiner", "Examiner"
        PATIENT = "patient", "Simulated patient"
        OBSERVER = "observer", "Observer"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="osce_practice_roles")
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="osce_one_role_per_practice")
        ]


class Mock(models.Model):
    """A mock OSCE day: stations in parallel circuits, run once or more."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Being set up"
        BUILT = "built", "Rotation built"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"

    title = models.CharField(max_length=200)
    date = models.DateField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    stations = models.ManyToManyField(Station, related_name="mocks")
    circuits = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    max_rest_stations = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(5)]
    )
    changeover_seconds = models.PositiveIntegerField(default=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    rotation = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    results_released = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title


class MockCandidate(models.Model):
    mock = models.ForeignKey(Mock, on_delete=models.CASCADE, related_name="candidates")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="osce_sittings")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["mock", "user"], name="osce_one_sitting_per_mock")
        ]


class MockExaminer(models.Model):
    mock = models.ForeignKey(Mock, on_delete=models.CASCADE, related_name="examiners")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="osce_examining")
    runs = models.JSONField(default=list, blank=True, help_text="Run numbers; empty: any run.")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["mock", "user"], name="osce_one_examiner_per_mock")
        ]


class MockConflict(models.Model):
    class Reason(models.TextChoices):
        TUTEE = "tutee", "Own tutee"
        FRIEND = "friend", "Declared friend"

    mock = models.ForeignKey(Mock, on_delete=models.CASCADE, related_name="conflicts")
    examiner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mock", "examiner", "candidate"], name="osce_one_conflict_per_pair"
            )
        ]


class Sheet(models.Model):
    """A marked sheet: one candidate at one station, from practice or a mock."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="sheets")
    examiner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(User, on_delete=models.CASCADE, related_name="osce_sheets")
    practice = models.OneToOneField(
        Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="sheet"
    )
    mock = models.ForeignKey(
        Mock, null=True, blank=True, on_delete=models.CASCADE, related_name="sheets"
    )
    marks = models.JSONField(default=dict)
    global_rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    feedback = models.TextField(max_length=4000, blank=True)
    percent = models.FloatField()
    passed = models.BooleanField()
    missed = models.JSONField(default=list)
    # Made by the examiner's phone, so a submission repeated after a lost connection is one sheet.
    client_id = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mock", "station", "candidate"],
                condition=models.Q(mock__isnull=False),
                name="osce_one_sheet_per_mock_station_candidate",
            )
        ]
