from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from nearpeer.teaching.models import Series, TargetYearsMixin, YearScopedQuerySet

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Programme(TargetYearsMixin):
    """A run of weekly small-group tutorials, e.g. "Year 3 OSCE, spring"."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for sign-ups"
        PUBLISHED = "published", "Groups published"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    group_min = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    group_max = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    tutors_min = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    tutors_max = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    signup_deadline = models.DateTimeField()
    first_week = models.DateField(help_text="Monday of the first week the groups meet.")
    weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = YearScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tutorials:programme-detail", kwargs={"pk": self.pk})

    def signups_open(self, now=None) -> bool:
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.signup_deadline

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Slot(models.Model):
    """A weekly candidate time, e.g. Tue 18:00 for 90 minutes."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(choices=list(enumerate(WEEKDAYS)))
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )

    class Meta:
        ordering = ["weekday", "start_time", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "weekday", "start_time"], name="unique_slot_per_programme"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start_time:%H:%M}"

    def occurrences(self) -> list[tuple[datetime, datetime]]:
        """Start and end of each weekly meeting, as aware datetimes in the site's time zone."""
        zone = timezone.get_current_timezone()
        first = self.programme.first_week + timedelta(days=self.weekday)
        out = []
        for week in range(self.programme.weeks):
            day = first + timedelta(weeks=week)
            start = datetime.combine(day, self.start_time, tzinfo=zone)
            out.append((start, start + timedelta(minutes=self.duration_minutes)))
        return out


class SignUp(models.Model):
    class Role(models.TextChoices):
        TUTEE = "tutee", "Tutee"
        TUTOR = "tutor", "Tutor"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutorial_signups"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    max_groups = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    wants_co_tutor = models.BooleanField(default=False)
    friends = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "member"], name="one_signup_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()}, {self.programme})"


class Availability(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        IF_NEED_BE = "if_need_be", "If need be"
        NO = "no", "No"

    signup = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="availability")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=12, choices=Answer.choices, default=Answer.NO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["signup", "slot"], name="one_answer_per_slot")
        ]


class AllocationRunQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=AllocationRun.ACTIVE)

    def finished(self):
        return self.filter(status__in=[AllocationRun.Status.DONE, AllocationRun.Status.FAILED])


class AllocationRun(models.Model):
    """One solver run: queued by a committee member, solved by a background task, and what it
    achieved, for the committee's record."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="runs")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    time_limit_s = models.FloatField(default=10.0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    placed = models.PositiveIntegerField(default=0)
    friend_pairs_together = models.PositiveIntegerField(default=0)
    if_need_be_used = models.PositiveIntegerField(default=0)
    optimal = models.BooleanField(default=False)
    proven = models.PositiveSmallIntegerField(
        default=0,
        help_text="Objectives proven optimal, in order: placed, friend pairs, if need be.",
    )
    gap = models.FloatField(default=0.0)
    seconds = models.FloatField(default=0.0)
    unplaced = models.JSONField(default=dict, help_text="signup id → reason")

    objects = AllocationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two committee members pressing "Run" together get one run.
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(status__in=["queued", "running"]),
                name="tutorials_one_active_run_per_programme",
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def elapsed_seconds(self) -> float:
        if self.started_at is None:
            return 0.0
        return ((self.finished_at or timezone.now()) - self.started_at).total_seconds()

    @property
    def proof(self) -> str:
        if self.optimal:
            return "proven optimal"
        proven = ["nothing", "tutees placed", "tutees placed and friend pairs"][self.proven]
        return f"{proven} proven optimal; the next goal is within {self.gap:.1%} of its optimum"


class TutorialGroup(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="groups")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="groups")
    members = models.ManyToManyField(SignUp, related_name="groups", blank=True)
    pinned = models.BooleanField(default=False)
    series = models.OneToOneField(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="tutorial_group"
    )

    class Meta:
        ordering = ["slot__weekday", "slot__start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.programme} — {self.slot.label} (group {self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("tutorials:group-detail", kwargs={"pk": self.pk})


INTERESTS = [
    ("careers", "Career paths"),
    ("research", "Research"),
    ("wellbeing", "Wellbeing"),
    ("exams", "Exams and revision"),
    ("placements", "Clinical placements"),
    ("intercalation", "Intercalation"),
    ("electives", "Electives"),
]


class MentoringScheme(TargetYearsMixin):
    """A buddy scheme: older students mentor younger ones (target years = mentees' years)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PUBLISHED = "published", "Matches published"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    signup_deadline = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tutorials:scheme-detail", kwargs={"pk": self.pk})


class MentoringEntry(models.Model):
    """A mentor's offer (capacity > 0) or a mentee's request, with interests."""

    class Role(models.TextChoices):
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"

    scheme = models.ForeignKey(MentoringScheme, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_entries"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    interests = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "member"], name="one_entry_per_member")
        ]

    @property
    def interest_labels(self) -> list[str]:
        labels = dict(INTERESTS)
        return [labels[i] for i in self.interests if i in labels]


class MentorMatch(models.Model):
    scheme = models.ForeignKey(MentoringScheme, on_delete=models.CASCADE, related_name="matches")
    mentor = models.ForeignKey(MentoringEntry, on_delete=models.CASCADE, related_name="+")
    mentee = models.OneToOneField(MentoringEntry, on_delete=models.CASCADE, related_name="match")
    shared_interests = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["mentor__member__name", "mentee__member__name"]
