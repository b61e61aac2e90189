from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nearpeer.core.cache import BumpingQuerySet, OwnerBumpingQuerySet
from nearpeer.teaching.years import format_years, years_to_mask

from . import scoring
from .scoring import CHOICE_TYPES, EMQ, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUEFALSE


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    PEER_REVIEWED = "peer_reviewed", "Peer-reviewed"
    FACULTY_ENDORSED = "faculty_endorsed", "Faculty-endorsed"
    PUBLISHED = "published", "Published"


class QuestionType(models.TextChoices):
    SINGLE_BEST = SINGLE, "Single best answer"
    MULTIPLE_RESPONSE = MULTIPLE, "Multiple response"
    TRUE_FALSE = TRUEFALSE, "True/false"
    EXTENDED_MATCHING = EMQ, "Extended matching"
    SHORT_ANSWER = SHORT, "Short answer"
    NUMERICAL_ANSWER = NUMERICAL, "Numerical"


class TagKind(models.TextChoices):
    SPECIALTY = "specialty", "Specialty"
    SYSTEM = "system", "System"
    EXAM = "exam", "Exam"
    # Anything else an imported file carries (a Moodle category path, a tag of another kind).
    FREE = "tag", "Tag"


class Tag(models.Model):
    kind = models.CharField(max_length=16, choices=TagKind.choices)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="unique_tag")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The portable form used by import/export: `specialty:Cardiology`."""
        return f"{self.kind}:{self.name}"


class QuestionQuerySet(BumpingQuerySet):
    bumps = "questions"  # cached question pages (nearpeer.core.cache.fragment)

    def practisable(self):
        return self.filter(published_version__isnull=False)

    def for_year(self, year: int | None):
        if not year:
            return self
        bit = years_to_mask([year])
        return self.alias(year_bit=models.F("year_mask").bitand(bit)).filter(year_bit=bit)

    def tagged(self, tags):
        for tag in tags:
            self = self.filter(tags=tag)
        return self


class Question(models.Model):
    """The stable identity of a question. Its text lives in versions: `latest_version` is the one
    being written or reviewed, `published_version` the one members practise."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_questions"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    blind_review = models.BooleanField(
        default=True, help_text="Reviewers do not see who wrote the question."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    year_mask = models.PositiveSmallIntegerField(
        default=0, help_text="Years of study the question is meant for (bitmask)."
    )
    latest_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    peer_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="peer_reviewed_questions",
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="endorsed_questions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            models.Index(fields=["author", "-updated_at"]),
        ]

    def __str__(self) -> str:
        version = self.latest_version or self.published_version
        return version.title if version else f"Question {self.pk}"

    @property
    def years_display(self) -> str:
        return format_years(self.year_mask)

    @property
    def endorsed(self) -> bool:
        return self.endorsed_by_id is not None


def question_image_path(instance, filename: str) -> str:
    return f"questions/images/{instance.question_id}/{instance.number}-{filename[-40:]}"


class QuestionVersion(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    qtype = models.CharField(
        "type", max_length=10, choices=QuestionType.choices, default=QuestionType.SINGLE_BEST
    )
    title = models.CharField(max_length=120)
    stem = models.TextField(max_length=20_000)
    options = models.JSONField(blank=True, help_text='[{"text": "…", "correct": true}, …]')
    explanation = models.TextField(max_length=20_000, blank=True)
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text="Type-specific answers, feedback and hints (see questions/scoring.py).",
    )
    references = models.TextField(max_length=5_000, blank=True)
    image = models.FileField(upload_to=question_image_path, blank=True)
    image_type = models.CharField(max_length=40, blank=True)
    image_alt = models.CharField("image description", max_length=300, blank=True)
    # Further images and files, each shown where it came from (see formats.Attachment):
    # [{"name", "path" (in storage), "content_type", "alt", "where"}]. Files are never changed
    # once stored, so a new version shares them with the one it was made from.
    attachments = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    def _attachments(self, *, with_question: bool) -> list[dict]:
        return [
            {**a, "index": i, "is_image": a["content_type"].startswith("image/")}
            for i, a in enumerate(self.attachments or [])
            if (not a["where"].endswith("feedback")) == with_question
        ]

    @property
    def question_attachments(self) -> list[dict]:
        """Shown with the question (its text, options, stems)."""
        return self._attachments(with_question=True)

    @property
    def feedback_attachments(self) -> list[dict]:
        """Shown with the feedback, once answered."""
        return self._attachments(with_question=False)

    @property
    def key_mask(self) -> int:
        return options_mask([i for i, o in enumerate(self.options) if o["correct"]])

    @property
    def key_letters(self) -> str:
        return mask_letters(self.key_mask)

    @property
    def is_choice(self) -> bool:
        return self.qtype in CHOICE_TYPES

    @property
    def key_label(self) -> str:
        return scoring.key_label(self.qtype, self.options, self.details or {})

    def score(self, response: dict) -> float:
        return scoring.score(self.qtype, self.options, self.details or {}, response)


def options_mask(indexes) -> int:
    mask = 0
    for i in indexes:
        mask |= 1 << int(i)
    return mask


def response_of(qtype: str, selected_mask: int, response: dict | None) -> dict:
    """The scoring module's response dict from what an Attempt or SittingAnswer stores."""
    if qtype in CHOICE_TYPES:
        return {"selected": [i for i in range(16) if selected_mask & (1 << i)]}
    return response or {}


def mask_letters(mask: int) -> str:
    return "".join(chr(ord("A") + i) for i in range(8) if mask & (1 << i))


class CommentKind(models.TextChoices):
    REVIEW = "review", "Review comment"
    CHANGES = "changes", "Changes requested"
    PRACTICE = "practice", "Comment from practice"
    FLAG = "flag", "Error reported"


class Comment(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=CommentKind.choices)
    body = models.TextField(max_length=4_000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(max_length=2_000, blank=True, help_text="The answer to a flag.")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["question", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.question_id}"


class AttemptSource(models.TextChoices):
    PRACTICE = "practice", "Practice"
    QUEUE = "queue", "Review queue"
    MOCK = "mock", "Mock exam"
    LIVE = "live", "Live session"


class Attempt(models.Model):
    """One answer to one version. The version is kept, so later edits never rewrite history."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_attempts"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="attempts")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="attempts")
    selected_mask = models.PositiveSmallIntegerField()
    # What was answered for types that are not a choice of options (EMQ, short, numerical).
    response = models.JSONField(null=True, blank=True)
    correct = models.BooleanField()
    credit = models.FloatField(default=0.0, help_text="Share of the marks, 0 to 1.")
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=AttemptSource.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        indexes = [
            models.Index(fields=["member", "-answered_at"]),
            models.Index(fields=["version", "selected_mask"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.version_id}"

    @property
    def selected_letters(self) -> str:
        return mask_letters(self.selected_mask)

    @property
    def response_label(self) -> str:
        return scoring.response_label(
            self.version.qtype,
            response_of(self.version.qtype, self.selected_mask, self.response),
        )

    @property
    def partial(self) -> bool:
        return 0 < self.credit < 1


class Rating(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="ratings")
    quality = models.PositiveSmallIntegerField()
    difficulty = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "question"], name="one_rating_per_member"),
            models.CheckConstraint(
                condition=Q(quality__gte=1, quality__lte=5, difficulty__gte=1, difficulty__lte=5),
                name="rating_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quality}/{self.difficulty}"


class ReviewCardQuerySet(OwnerBumpingQuerySet):
    # The home panel's due count is cached per member (nearpeer.questions.home).
    bumps_prefix = "review"
    owner_field = "member_id"


class ReviewCard(models.Model):
    """A member's FSRS card for one question; `state` is `fsrs.Card.to_dict()`."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    state = models.JSONField()
    due = models.DateTimeField()

    objects = ReviewCardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "question"], name="one_card_per_question")
        ]
        indexes = [models.Index(fields=["member", "due"])]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.question_id} due {self.due:%Y-%m-%d %H:%M}"


class QueueSettings(models.Model):
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_settings"
    )
    desired_retention = models.FloatField(
        default=0.9,
        help_text="How likely you want to be to remember a question when it comes back (0.7–0.97).",
    )

    def __str__(self) -> str:
        return f"{self.desired_retention:.2f}"


class PaperStatus(models.TextChoices):
    DRAFT = "draft", "Being built"
    OPEN = "open", "Open for sitting"
    CLOSED = "closed", "Closed"


class Paper(models.Model):
    title = models.CharField(max_length=150)
    instructions = models.TextField(max_length=4_000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    status = models.CharField(max_length=10, choices=PaperStatus.choices, default=PaperStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class PaperItem(models.Model):
    """A question on a paper, pinned to the version the paper was built with."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="unique_item_position"),
            models.UniqueConstraint(fields=["paper", "question"], name="unique_item_question"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} #{self.position}"


class Sitting(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="sittings")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sittings"
    )
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "candidate"], name="one_sitting_per_paper")
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} sitting {self.paper_id}"

    @property
    def deadline(self):
        return self.started_at + timezone.timedelta(minutes=self.paper.duration_minutes)

    @property
    def finished(self) -> bool:
        return self.submitted_at is not None


class SittingAnswer(models.Model):
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(PaperItem, on_delete=models.CASCADE, related_name="answers")
    selected_mask = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sitting", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id}/{self.item_id}={self.selected_mask}"


class ImportFormat(models.TextChoices):
    MOODLE_XML = "moodle-xml", "Moodle XML"
    GIFT = "gift", "GIFT"


class PendingImport(models.Model):
    """An uploaded file waiting between its dry-run preview and the committee's confirmation.
    Kept in the database, not the session, so any app server can confirm it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=200)
    file_format = models.CharField(max_length=12, choices=ImportFormat.choices)
    data = models.BinaryField()
    publish = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename
