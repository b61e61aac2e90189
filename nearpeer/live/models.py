"""Live questions: a deck of items attached to a teaching session, answered in the room over
WebSockets and afterwards beside the recording.

Answers carry no user, session key, address or time: only an opaque participant key (a device's
random UUID, or for a signed-in member an HMAC of the deck and member under the server secret, so
a copy of the database alone cannot tell whose answer it is) and whether it came live or later.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from nearpeer.questions.models import Question
from nearpeer.teaching.models import Session

# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_presenter_token() -> str:
    return secrets.token_urlsafe(24)


class DeckStatus(models.TextChoices):
    READY = "ready", "Ready"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended: answerable with the recording"


# What a presenter's control may change besides the status (services.control_deck saves these).
CONTROL_FIELDS = (
    "current_item",
    "accepting",
    "results_visible",
    "revealed",
    "questions_on_screen",
    "closes_at",
    "version",
)


class Deck(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="live_decks")
    title = models.CharField(max_length=200)
    code = models.CharField(max_length=12, unique=True, default=new_join_code)
    presenter_token = models.CharField(max_length=64, unique=True, default=new_presenter_token)
    allow_anonymous = models.BooleanField(
        default=True, help_text="Anyone with the code may answer without signing in."
    )
    leaderboard = models.BooleanField(
        default=False,
        help_text="Show a leaderboard of quiz scores. Only participants who choose a nickname "
        "appear on it, by that nickname; only keyed items count.",
    )
    status = models.CharField(max_length=10, choices=DeckStatus.choices, default=DeckStatus.READY)
    current_item = models.ForeignKey(
        "Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepting = models.BooleanField(default=False, help_text="The current item takes answers.")
    results_visible = models.BooleanField(default=False)
    revealed = models.BooleanField(default=False)
    # The approved audience questions shown on the full-screen results view, beside the item.
    questions_on_screen = models.BooleanField(default=False)
    # A countdown on the current item: answers are refused from this moment (by the answer
    # INSERT itself, so on every server process), though `accepting` stays as it was.
    closes_at = models.DateTimeField(null=True, blank=True)
    # Grows with every change participants should see; snapshots carry it.
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("live:deck-detail", kwargs={"pk": self.pk})

    @property
    def is_live(self) -> bool:
        return self.status == DeckStatus.LIVE

    @property
    def is_ended(self) -> bool:
        return self.status == DeckStatus.ENDED

    def seconds_left(self, now=None) -> float | None:
        """Of the current item's countdown: None without one, 0 once time is up."""
        if self.closes_at is None:
            return None
        return max((self.closes_at - (now or timezone.now())).total_seconds(), 0.0)

    @property
    def takes_answers(self) -> bool:
        """The current item is open and its countdown, if any, still running."""
        return self.accepting and self.seconds_left() != 0

    @property
    def countdown(self) -> float | None:
        """Seconds left on a running countdown of the open item, else None (pages show it)."""
        left = self.seconds_left()
        return left if self.accepting and left else None


class ItemKind(models.TextChoices):
    CHOICE = "choice", "Multiple choice (a quiz when keyed)"
    QUESTION = "question", "Question from the bank"
    RATING = "rating", "Rating scale"
    WORDCLOUD = "wordcloud", "Word cloud"
    TEXT = "text", "Open text"


CHOICE_KINDS = {ItemKind.CHOICE, ItemKind.QUESTION, ItemKind.RATING}
TEXT_KINDS = {ItemKind.WORDCLOUD, ItemKind.TEXT}


def item_image_path(instance, filename: str) -> str:
    return f"live/images/{instance.deck_id}/{filename[-40:]}"


class Item(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    prompt = models.CharField(max_length=500)
    options = models.JSONField(default=list, blank=True, help_text="Option texts, in order.")
    correct = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Index of the keyed option (quiz items only)."
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recording_at_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where in the recording this item was asked."
    )
    # An ECG, X-ray or photograph to answer about. Files are never changed once stored, so a
    # copied deck or a bank question's item shares the file.
    image = models.FileField(upload_to=item_image_path, blank=True, max_length=200)
    image_type = models.CharField(max_length=40, blank=True)
    image_alt = models.CharField("image description", max_length=300, blank=True)

    class Meta:
        ordering = ["deck", "position"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "position"], name="live_item_position_unique"),
        ]

    def __str__(self) -> str:
        return self.prompt

    @property
    def takes_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def keyed(self) -> bool:
        return self.correct is not None

    def public_dict(self) -> dict:
        """The item as participants see it (never the key)."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "prompt": self.prompt,
            "options": list(self.options) if self.takes_choice else [],
            "position": self.position,
            "recording_at": self.recording_at_seconds,
            "image": self.image_url,
            "image_alt": self.image_alt if self.image else "",
        }

    @property
    def picture(self) -> dict:
        """The image fields, to carry over to another item (the file is shared, never copied)."""
        return {
            "image": self.image.name,
            "image_type": self.image_type,
            "image_alt": self.image_alt,
        }

    @property
    def image_url(self) -> str | None:
        """Where participants fetch the image (checked per request: the open item only, until
        the deck ends); the file name in the query, so a new image is a new URL."""
        if not self.image:
            return None
        version = hashlib.sha256(self.image.name.encode()).hexdigest()[:12]
        return reverse("live:item-image", kwargs={"pk": self.pk}) + f"?v={version}"


class Phase(models.TextChoices):
    LIVE = "live", "Live"
    AFTER = "after", "Afterwards"


class Answer(models.Model):
    """One participant's answer to one item. Deliberately no user, time or address."""

    # No index of its own: live_answer_once (item, participant) starts with the item, so it
    # serves every lookup by item, and each stored answer maintains one index fewer.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="answers", db_index=False)
    participant = models.UUIDField()
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=280, blank=True)
    phase = models.CharField(max_length=5, choices=Phase.choices, default=Phase.LIVE)

    class Meta:
        constraints = [
            # A second answer from the same participant is refused by the database itself,
            # whichever server process it reaches.
            models.UniqueConstraint(fields=["item", "participant"], name="live_answer_once"),
        ]


class AudienceQuestion(models.Model):
    """A question from the audience: anonymous (no author is stored), shown once approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        APPROVED = "approved", "Approved"
        ANSWERED = "answered", "Answered"
        HIDDEN = "hidden", "Hidden"

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="audience_questions")
    text = models.CharField(max_length=280)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    upvotes = models.PositiveIntegerField(default=0)
    # Asked by someone watching the recording, after the session.
    asked_after = models.BooleanField(default=False)
    # The teacher's written answer (during the session or after it), shown under the question.
    reply = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-upvotes", "created_at"]
        indexes = [models.Index(fields=["deck", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(upvotes__gte=0), name="live_upvotes_not_negative")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def visible(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.ANSWERED)

    def public_dict(self) -> dict:
        return {
            "id": self.pk,
            "text": self.text,
            "status": self.status,
            "upvotes": self.upvotes,
            "after": self.asked_after,
            "reply": self.reply,
        }


class Upvote(models.Model):
    question = models.ForeignKey(AudienceQuestion, on_delete=models.CASCADE, related_name="+")
    participant = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "participant"], name="live_upvote_once")
        ]


class Nickname(models.Model):
    """The name a participant chose for a deck's leaderboard (no nickname: not shown). Keyed by
    the same opaque participant key as answers: no user, session or address."""

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="nicknames")
    participant = models.UUIDField()
    name = models.CharField(max_length=24)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deck", "participant"], name="live_nickname_once"),
            models.UniqueConstraint(fields=["deck", "name"], name="live_nickname_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
