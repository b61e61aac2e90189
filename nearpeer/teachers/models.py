import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from nearpeer.teaching.models import Session, SessionKind

DEFAULT_REVIEW_CATEGORIES = ["Subject knowledge", "Teaching plan", "Commitment"]


def certificate_code() -> str:
    # 128 random bits: a verification code cannot be guessed or enumerated.
    return secrets.token_urlsafe(16)


# --- Calls for teachers -------------------------------------------------------------------------


class CallQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Call.Status.OPEN, closes_at__gt=now)

    def reviewable_by(self, user):
        return self.filter(reviewers=user)


class Call(models.Model):
    """A call for teachers, like a conference's call for speakers."""

    class Kind(models.TextChoices):
        LECTURES = "lectures", "Lecture topics in a series"
        TUTORS = "tutors", "Tutor places in a programme"
        EXAMINERS = "examiners", "Examiners at a mock exam"
        WRITERS = "writers", "Question writers"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LECTURES)
    description = models.TextField(blank=True)
    series = models.ForeignKey(
        "teaching.Series", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    questions = models.JSONField(
        default=list, blank=True, help_text="The call's own questions, one prompt each."
    )
    review_categories = models.JSONField(default=list, blank=True)
    blind_review = models.BooleanField(
        default=False, help_text="Reviewers do not see applicants' names or years."
    )
    interview_step = models.BooleanField(
        default=False, help_text="Applicants may be invited to a short interview before a decision."
    )
    training_required = models.BooleanField(
        default=False,
        help_text="Assign accepted teachers to sessions only after a teacher-training workshop.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    closes_at = models.DateTimeField()
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="calls_to_review"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-closes_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("teachers:call-detail", kwargs={"pk": self.pk})

    def is_open(self, now=None) -> bool:
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.closes_at

    @property
    def categories(self) -> list[str]:
        return self.review_categories or DEFAULT_REVIEW_CATEGORIES


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        INTERVIEW = "interview", "Invited to interview"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Not accepted this time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher_applications"
    )
    topics = models.TextField()
    availability = models.TextField(blank=True)
    wants_co_teacher = models.BooleanField(
        default=False, help_text="Pair me with an experienced teacher for my first sessions."
    )
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    decision_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "applicant"], name="one_application_per_call")
        ]

    def __str__(self) -> str:
        return f"Application {self.pk} to {self.call}"

    def get_absolute_url(self) -> str:
        return reverse("teachers:application-detail", kwargs={"pk": self.pk})

    @property
    def answer_pairs(self) -> list[tuple[str, str]]:
        return [(q, self.answers.get(q, "")) for q in self.call.questions]


class Review(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher_reviews"
    )
    scores = models.JSONField(default=dict, help_text="Category → score 1–5.")
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="one_review_per_reviewer"
            )
        ]


class Assignment(models.Model):
    """An accepted applicant placed on a session (mirrored as a teaching.SessionTeacher)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "session"], name="one_assignment_per_session"
            )
        ]


# --- Feedback -----------------------------------------------------------------------------------


class FeedbackTemplate(models.Model):
    """The short form sent after a session of one kind; edited by the committee.

    `questions` is a list of {"key", "label", "type": "rating" | "text"}."""

    kind = models.CharField(max_length=20, choices=SessionKind.choices, unique=True)
    questions = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Feedback form for {self.get_kind_display()}"


class Channel(models.TextChoices):
    LIVE = "live", "Attended live"
    RECORDING = "recording", "Watched the recording"


class FeedbackBatch(models.Model):
    """A group of answers released together by the anonymous-answer store.

    Answers become visible only in steps of at least the threshold (see release.py), so
    comparing a report before and after a release never isolates fewer answers than that."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # Per session and channel: 1, 2, 3… in the order the store flushed (never per answer).
    sequence = models.PositiveIntegerField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "channel", "sequence"], name="one_batch_per_sequence"
            )
        ]


class FeedbackAnswer(models.Model):
    """One anonymous answer: no user, no HTTP session, no address, no time. Random key; rows
    are written in the store's shuffled order inside its flushing transaction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(FeedbackBatch, on_delete=models.CASCADE, related_name="answers")
    # [{"key", "label", "type", "value"}, …]: labels kept so a later template edit does not
    # change what an old answer meant.
    answers = models.JSONField(default=list)


class FeedbackRequest(models.Model):
    """Per session: when attendees were asked, and when answering closed."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)


class Observation(models.Model):
    """Peer observation: a teacher invites another to observe a session and write a report.
    Named, not anonymous: it is a colleague's report for the teacher's portfolio."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        SUBMITTED = "submitted", "Report written"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations_received"
    )
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="observations_given"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    strengths = models.TextField(blank=True)
    suggestions = models.TextField(blank=True)
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "teacher", "observer"], name="one_observation_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(teacher=models.F("observer")), name="observer_is_someone_else"
            ),
        ]


# --- Certificates -------------------------------------------------------------------------------


class Certificate(models.Model):
    """An Open Badges 3.0 credential, signed as a VC-JWT (docs/teachers.md)."""

    class Scope(models.TextChoices):
        TERM = "term", "A term's teaching"
        SESSION = "session", "One session"

    code = models.CharField(max_length=32, unique=True, default=certificate_code, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices)
    term_name = models.CharField(max_length=40, blank=True)
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    narrative = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    kid = models.CharField(max_length=100)
    token = models.TextField(help_text="The compact JWS, exactly as signed.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("teachers:certificate-verify", kwargs={"code": self.code})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
