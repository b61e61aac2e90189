import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from nearpeer.core.cache import BumpingQuerySet

from .years import format_years, mask_to_years, masks_with_year, years_to_mask


class SessionKind(models.TextChoices):
    LECTURE = "lecture", "Lecture"
    TUTORIAL = "tutorial", "Small-group tutorial"
    CLINICAL_SKILLS = "clinical_skills", "Clinical skills"
    MOCK_EXAM = "mock_exam", "Mock exam"
    WORKSHOP = "workshop", "Teacher-training workshop"


class SessionMode(models.TextChoices):
    ONLINE = "online", "Online"
    IN_PERSON = "in_person", "In person"
    HYBRID = "hybrid", "Hybrid"


class TargetYearsMixin(models.Model):
    target_years_mask = models.PositiveSmallIntegerField(
        default=0, help_text="Bitmask of target years (bit n = year n)."
    )

    class Meta:
        abstract = True

    @property
    def target_years(self) -> list[int]:
        return mask_to_years(self.target_years_mask)

    @target_years.setter
    def target_years(self, years) -> None:
        self.target_years_mask = years_to_mask(years)

    @property
    def target_years_label(self) -> str:
        return format_years(self.target_years_mask)

    def is_for_year(self, year: int | None) -> bool:
        return year is not None and bool(self.target_years_mask & (1 << year))


class YearScopedQuerySet(models.QuerySet):
    def for_year(self, year: int | None):
        if year is None:
            return self.none()
        return self.filter(target_years_mask__in=masks_with_year(year))


class SeriesQuerySet(BumpingQuerySet, YearScopedQuerySet):
    bumps = "teaching"  # cached timetable and session pages (nearpeer.core.cache.fragment)


class Series(TargetYearsMixin):
    """A run of related sessions, e.g. "Year 2 cardiovascular lectures"."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=SessionKind.choices, default=SessionKind.LECTURE)
    calendar_token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title


class SessionQuerySet(BumpingQuerySet, YearScopedQuerySet):
    bumps = "teaching"

    def upcoming(self, now=None):
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at")

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at")

    def scheduled(self):
        return self.filter(status=Session.Status.SCHEDULED)

    def visible_to(self, user):
        """Sessions a user may know of: members see their target years, sessions they teach and
        sessions they hold a place in; committee and faculty see everything."""
        from nearpeer.members.permissions import is_committee, is_faculty

        if not (user and user.is_authenticated):
            return self.none()
        if is_committee(user) or is_faculty(user):
            return self
        by_year = Q(pk__in=self.model.objects.for_year(user.year).values("pk"))
        taught = Q(pk__in=SessionTeacher.objects.filter(teacher=user).values("session_id"))
        # Sessions with no target years are for invited members only (e.g. a tutorial group):
        # their registrants see them, nobody else of their year does.
        invited = Q(
            pk__in=Registration.objects.filter(member=user)
            .exclude(status=Registration.Status.CANCELLED)
            .values("session_id")
        )
        return self.filter(by_year | taught | invited)

    def with_registration_counts(self):
        """Annotate registered_count and waitlisted_count (subqueries: safe next to joins)."""

        def count(status):
            rows = (
                Registration.objects.filter(session=OuterRef("pk"), status=status)
                .order_by()
                .values("session")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(rows), Value(0))

        return self.annotate(
            registered_count=count(Registration.Status.REGISTERED),
            waitlisted_count=count(Registration.Status.WAITLISTED),
        )

    def with_attendance_count(self):
        rows = (
            Attendance.objects.filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(attended_count=Coalesce(Subquery(rows), Value(0)))

    def with_status_for(self, user):
        """Annotate my_status: the user's registration status, or None."""
        mine = Registration.objects.filter(session=OuterRef("pk"), member=user).values("status")
        return self.annotate(my_status=Subquery(mine[:1]))

    def with_checked_in_for(self, user):
        """Annotate checked_in: whether the user's attendance is recorded."""
        return self.annotate(
            checked_in=Exists(Attendance.objects.filter(session=OuterRef("pk"), member=user))
        )


class Session(TargetYearsMixin):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=SessionKind.choices, default=SessionKind.LECTURE)
    mode = models.CharField(max_length=20, choices=SessionMode.choices, default=SessionMode.ONLINE)
    room = models.CharField(max_length=200, blank=True)
    meeting_url = models.URLField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty means no limit on places."
    )
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty means registration closes when the session starts."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SessionTeacher", related_name="teaching_sessions"
    )
    # Calendar feeds: the UID never changes; SEQUENCE grows with every change members should see.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["ends_at"]),
            models.Index(fields=["target_years_mask", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("teaching:session-detail", kwargs={"pk": self.pk})

    @property
    def registration_deadline(self):
        return self.registration_closes_at or self.starts_at

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.SCHEDULED and now < self.registration_deadline

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def places_left(self) -> int | None:
        """Needs with_registration_counts(); None means no limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.registered_count, 0)

    @property
    def location(self) -> str:
        if self.mode == SessionMode.ONLINE:
            return self.meeting_url or "Online"
        if self.mode == SessionMode.HYBRID:
            return " / ".join(p for p in (self.room, self.meeting_url) if p)
        return self.room


class SessionTeacher(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=80, blank=True, help_text="e.g. lead, co-tutor, examiner")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "teacher"], name="unique_teacher_per_session"
            )
        ]


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=Registration.Status.CANCELLED)

    def with_waitlist_position(self):
        """Annotate waitlist_position (1 = next in line); meaningful for waitlisted rows."""
        ahead = (
            Registration.objects.filter(
                session=OuterRef("session"), status=Registration.Status.WAITLISTED
            )
            .filter(
                Q(queued_at__lt=OuterRef("queued_at"))
                | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(waitlist_position=Coalesce(Subquery(ahead), Value(0)) + 1)


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    # Waiting-list order; reset when someone re-joins after cancelling.
    queued_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="one_registration_per_member"
            )
        ]
        indexes = [models.Index(fields=["session", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.member} — {self.session} ({self.get_status_display()})"


class Attendance(models.Model):
    """A member was there: checked in with the session code, or marked by the teacher."""

    class Method(models.TextChoices):
        CODE = "code", "Check-in code"
        TEACHER = "teacher", "Marked by teacher"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances"
    )
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CODE)
    checked_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_attendance_per_member")
        ]


class Material(models.Model):
    """A recording, slides or another resource attached to a session: an upload or a link."""

    class Kind(models.TextChoices):
        RECORDING = "recording", "Recording"
        SLIDES = "slides", "Slides"
        OTHER = "other", "Other resource"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="materials/%Y/%m/", blank=True)
    url = models.URLField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="material_is_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title


class MaterialView(models.Model):
    """A member opened a recording or resource (feeds "catch up" and evaluation indicators)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="material_views"
    )
    first_viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["material", "member"], name="one_view_row_per_member")
        ]


class CheckInCode(models.Model):
    """The short code a teacher shows; valid only inside the session window."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="checkin_code")
    code = models.CharField(max_length=12, unique=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)


class CalendarFeed(models.Model):
    """A member's private iCalendar feed; the token in its URL can be revoked and renewed."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)


class SeriesCancellation(models.Model):
    """Cancelling a series' upcoming sessions, held for a few minutes so it can be undone
    before anyone is told. The sessions are cancelled at once (nobody can register meanwhile);
    the notices go when `notify_at` passes, unless it was undone first."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="cancellations")
    sessions = models.ManyToManyField(Session, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    notify_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.series} cancelled {self.created_at:%Y-%m-%d %H:%M}"

    def can_undo(self, now=None) -> bool:
        now = now or timezone.now()
        return self.undone_at is None and self.notified_at is None and now < self.notify_at
