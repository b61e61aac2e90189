"""Live questions: decks, the answer batch, presenter controls, audience Q&A, results.

The socket consumers and the HTTP views call these same functions. Broadcasts go out after the
transaction commits, through nearpeer.live.broadcast (which never raises).
"""

import contextlib
import csv
import hashlib
import hmac
import io
import json
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from nearpeer.core.images import image_upload_problem
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify
from nearpeer.questions.models import Question
from nearpeer.questions.services import add_to_review_queue

from . import broadcast, protocol
from .models import (
    CHOICE_KINDS,
    CONTROL_FIELDS,
    Answer,
    AudienceQuestion,
    Deck,
    DeckStatus,
    Item,
    ItemKind,
    Nickname,
    Phase,
    Upvote,
)
from .protocol import MAX_WORD_CHARS, ProtocolError, count_words, counts_for, rating_mean

RATING_OPTIONS = ["1", "2", "3", "4", "5"]
MAX_OPTIONS = 10
MAX_ITEMS = 50


def participant_key_for_member(*, deck_id: int, user_id: int) -> uuid.UUID:
    """A member's participant key in one deck: stable (so a second answer is a duplicate) but
    not a user id. Linking it back needs SECRET_KEY and a guess over all members, which a copy
    of the database does not give."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"live:{deck_id}:{user_id}".encode(), hashlib.sha256
    ).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


# --- Decks and items ---------------------------------------------------------------------------


@transaction.atomic
def create_deck(
    *, session, title: str, by=None, allow_anonymous: bool = True, leaderboard: bool = False
) -> Deck:
    """Side effects: a Deck row with a fresh join code and presenter token."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the deck a title."})
    for _ in range(10):
        deck = Deck(
            session=session,
            title=title[:200],
            allow_anonymous=allow_anonymous,
            leaderboard=leaderboard,
        )
        deck.created_by = by
        if not Deck.objects.filter(code=deck.code).exists():
            deck.save()
            return deck
    raise ValidationError("Could not find a free join code; try again.")


def _clean_options(options: Sequence[str]) -> list[str]:
    cleaned = [o.strip()[:200] for o in options if o and o.strip()]
    if not 2 <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationError({"options": f"Give between 2 and {MAX_OPTIONS} options."})
    return cleaned


@transaction.atomic
def add_item(
    *,
    deck: Deck,
    kind: str,
    prompt: str = "",
    options: Sequence[str] = (),
    correct: int | None = None,
    question: Question | None = None,
    recording_at_seconds: int | None = None,
    image=None,
    image_alt: str = "",
) -> Item:
    """Append an item to the deck. A bank question brings its stem, options, key and image;
    other kinds may have an uploaded image (PNG, JPEG, GIF or WebP, checked by content), which
    needs a description for screen-reader users.

    Side effects: an Item row; the image file in storage."""
    if kind not in ItemKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    count = Item.objects.filter(deck=deck).count()
    if count >= MAX_ITEMS:
        raise ValidationError(f"A deck holds at most {MAX_ITEMS} items.")
    prompt = prompt.strip()
    if kind == ItemKind.QUESTION:
        if question is None or question.published_version_id is None:
            raise ValidationError({"question": "Choose a published question from the bank."})
        version = question.published_version
        prompt = prompt or version.stem[:500]
        options = [str(o.get("text", ""))[:200] for o in version.options]
        keys = [i for i, o in enumerate(version.options) if o.get("correct")]
        correct = keys[0] if len(keys) == 1 else None
        picture = (
            {"image": version.image.name, "image_type": version.image_type,
             "image_alt": version.image_alt or "The question's image"}
            if version.image else {}
        )  # fmt: skip
    elif kind == ItemKind.CHOICE:
        options = _clean_options(options)
        if correct is not None and not 0 <= correct < len(options):
            raise ValidationError({"correct": "The keyed answer must be one of the options."})
    elif kind == ItemKind.RATING:
        options, correct = list(RATING_OPTIONS), None
    else:
        options, correct = [], None
    if kind != ItemKind.QUESTION:
        picture = _uploaded_picture(image, image_alt) if image else {}
    if not prompt:
        raise ValidationError({"prompt": "Write the question to ask."})
    return Item.objects.create(
        deck=deck,
        position=count + 1,
        kind=kind,
        prompt=prompt[:500],
        options=list(options),
        correct=correct,
        question=question if kind == ItemKind.QUESTION else None,
        recording_at_seconds=recording_at_seconds,
        **picture,
    )


def _uploaded_picture(upload, alt: str) -> dict:
    """An item's image fields from an upload, or a ValidationError naming the field."""
    problem = image_upload_problem(upload)
    if problem:
        raise ValidationError({"image": problem})
    alt = (alt or "").strip()
    if not alt:
        raise ValidationError({"image_alt": "Describe the image for screen-reader users."})
    return {"image": upload, "image_type": upload.content_type_checked, "image_alt": alt[:300]}


@transaction.atomic
def copy_deck(*, deck: Deck, session, title: str = "", by=None) -> Deck:
    """A fresh deck for another session (next year's run of a lecture, a second group) with the
    same items in the same order: wording, options, keys and bank questions. Not copied: answers,
    audience questions, nicknames, the join code, and the moments in the recording (the new
    session will have a recording of its own).

    Side effects: a Deck row and its Item rows."""
    copy = create_deck(
        session=session,
        title=title or deck.title,
        by=by,
        allow_anonymous=deck.allow_anonymous,
        leaderboard=deck.leaderboard,
    )
    Item.objects.bulk_create(
        Item(
            deck=copy,
            position=item.position,
            kind=item.kind,
            prompt=item.prompt,
            options=list(item.options),
            correct=item.correct,
            question_id=item.question_id,
            **item.picture,
        )
        for item in deck.items.order_by("position")
    )
    return copy


def _changed(deck: Deck) -> None:
    """A deck or item edit participants and presenters should see: version + 1, and a fresh
    snapshot to both groups on commit (a deck nobody has opened yet has nobody to tell)."""
    deck.version += 1
    deck.save(update_fields=["version"])
    if deck.status != DeckStatus.READY:
        transaction.on_commit(lambda: broadcast_state(deck))


def _locked_deck(deck_id: int) -> Deck:
    return Deck.objects.select_for_update().get(pk=deck_id)


@transaction.atomic
def update_deck(*, deck: Deck, title: str, allow_anonymous: bool) -> Deck:
    """Rename the deck or change who may answer (checked as people join: anyone already
    answering keeps their place). Side effects: the Deck row; a fresh snapshot on commit."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Give the deck a title."})
    deck = _locked_deck(deck.pk)
    deck.title, deck.allow_anonymous = title[:200], allow_anonymous
    deck.save(update_fields=["title", "allow_anonymous"])
    _changed(deck)
    return deck


@transaction.atomic
def update_item(
    *,
    item: Item,
    prompt: str,
    options: Sequence[str] = (),
    correct: int | None = None,
    recording_at_seconds: int | None = None,
    image=None,
    image_alt: str | None = None,
    remove_image: bool = False,
) -> Item:
    """Reword an item, re-key a multiple-choice item, set its moment in the recording (often
    only known once the recording is up), or give it another image or none. The kind never
    changes, and a bank question keeps the bank's options, key and image. Answers count by
    option position, so once anyone has answered, the options may be reworded but not added or
    removed.

    Returns the item, which is a new row in the old one's place when the number of options
    changed: the answer path keeps what it learnt about an item (its options' number) for the
    item's lifetime, so an item's shape never changes under a given id.

    Side effects: the Item row (or a replacement); the Deck's version; a fresh snapshot."""
    deck = _locked_deck(item.deck_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    prompt = prompt.strip()
    if item.kind == ItemKind.QUESTION:
        # Blank means the stem again (the item's own copy if the bank has withdrawn it since).
        version = item.question.published_version if item.question_id else None
        prompt = prompt or (version.stem[:500] if version else item.prompt)
        options, correct = item.options, item.correct
    elif item.kind == ItemKind.CHOICE:
        options = _clean_options(options)
        if correct is not None and not 0 <= correct < len(options):
            raise ValidationError({"options": "The keyed answer must be one of the options."})
    else:
        options, correct = item.options, None
    if not prompt:
        raise ValidationError({"prompt": "Write the question to ask."})
    fields = {
        "prompt": prompt[:500],
        "options": list(options),
        "correct": correct,
        "recording_at_seconds": recording_at_seconds,
        **item.picture,
    }
    if item.kind != ItemKind.QUESTION:
        if image:
            fields |= _uploaded_picture(image, item.image_alt if image_alt is None else image_alt)
        elif remove_image:
            fields |= {"image": "", "image_type": "", "image_alt": ""}
        elif image_alt is not None and item.image:
            if not image_alt.strip():
                raise ValidationError({"image_alt": "Describe the image for screen-reader users."})
            fields["image_alt"] = image_alt.strip()[:300]
    if len(options) != len(item.options):
        answered = item.answers.count()
        if answered:
            raise ValidationError(
                {
                    "options": f"{answered} {'person has' if answered == 1 else 'people have'} "
                    f"answered, so this item keeps its {len(item.options)} options: reword "
                    "them, or delete the item and add a new one."
                }
            )
        if deck.current_item_id == item.pk and deck.accepting:
            raise ValidationError(
                {
                    "options": "This item is open for answers: close it before adding or "
                    "removing options."
                }
            )
        item = _replace_item(deck, item, fields)
    else:
        for name, value in fields.items():
            setattr(item, name, value)
        item.save(update_fields=list(fields))
    _changed(deck)
    return item


def _replace_item(deck: Deck, item: Item, fields: dict) -> Item:
    was_current = deck.current_item_id == item.pk
    position, question = item.position, item.question_id
    item.delete()
    replacement = Item.objects.create(
        deck=deck, position=position, kind=item.kind, question_id=question, **fields
    )
    if was_current:
        deck.current_item = replacement
        deck.save(update_fields=["current_item"])
    return replacement


@transaction.atomic
def delete_item(*, item: Item, with_answers: bool = False) -> None:
    """Remove an item; the ones after it move up. An item with answers goes only when the
    teacher says its answers go too; the item open for answers not at all.

    Side effects: the Item row and its answers; later items' positions; the Deck's version
    (and its current item, if it was this one); a fresh snapshot on commit."""
    deck = _locked_deck(item.deck_id)
    item = Item.objects.select_for_update().get(pk=item.pk)
    if deck.current_item_id == item.pk and deck.accepting:
        raise ValidationError("This item is open for answers: close it before deleting it.")
    answered = item.answers.count()
    if answered and not with_answers:
        raise ValidationError(
            f"This item has {answered} answer{'s' if answered != 1 else ''}: tick the box to "
            "delete them with it."
        )
    position = item.position
    item.delete()
    # One row at a time, in order: each takes the place just freed (a single UPDATE could
    # collide with the unique position mid-statement).
    for later in Item.objects.filter(deck=deck, position__gt=position).order_by("position"):
        later.position -= 1
        later.save(update_fields=["position"])
    deck.refresh_from_db(fields=["current_item"])
    _changed(deck)


@transaction.atomic
def move_item(*, item: Item, offset: int) -> bool:
    """Swap the item with its neighbour one place up (offset -1) or down (+1). False at either
    end. Side effects: two Items' positions; the Deck's version; a fresh snapshot on commit."""
    if offset not in (-1, 1):
        raise ValueError("offset must be -1 or 1")
    deck = _locked_deck(item.deck_id)
    item = Item.objects.get(pk=item.pk)
    neighbour = Item.objects.filter(deck=deck, position=item.position + offset).first()
    if neighbour is None:
        return False
    mine, theirs = item.position, neighbour.position
    item.position = 0  # free `mine` first: positions are unique per deck
    item.save(update_fields=["position"])
    neighbour.position = mine
    neighbour.save(update_fields=["position"])
    item.position = theirs
    item.save(update_fields=["position"])
    _changed(deck)
    return True


# --- Snapshots and results ---------------------------------------------------------------------


def tally(item: Item, *, phase: str = Phase.LIVE) -> dict:
    """A results message for one item: counts per option (choice kinds) or the most frequent
    words (text kinds). One grouped query, served by the (item, participant) index."""
    answers = Answer.objects.filter(item_id=item.pk, phase=phase)
    message = {"type": "results", "item": item.pk, "phase": phase}
    if item.kind in CHOICE_KINDS:
        rows = answers.order_by().values_list("choice").annotate(n=Count("pk"))
        counts = counts_for(rows, len(item.options))
        message.update(counts=counts, total=sum(counts))
    else:
        texts = list(answers.values_list("text", flat=True))
        message.update(counts=[], total=len(texts), words=count_words(texts))
    return message


@dataclass(frozen=True)
class YourAnswer:
    """What a participant answered, told back to them on their own page."""

    label: str
    # The answer as the protocol carries it: the option's index, or the text.
    value: int | str
    # True / False once the key may be shown (revealed live, or the deck has ended); else None.
    correct: bool | None
    key: str = ""

    @property
    def sentence(self) -> str:
        """Empty when the chosen option no longer exists (the item was edited since)."""
        if not self.label:
            return ""
        if self.correct is True:
            return f"Your answer, {self.label}, is correct."
        if self.correct is False:
            return f"Your answer was {self.label}. The correct answer is {self.key}."
        return f"Your answer: {self.label}"


def your_answers(deck: Deck, participant: uuid.UUID | None) -> dict[int, YourAnswer]:
    """This participant's answers to the deck's items, by item id (one query): every stored
    answer has an entry, so the keys are the items this participant has answered. The key is
    shown beside a keyed choice once the presenter has revealed that item live, or once the
    deck has ended (answering beside the recording is a self-test)."""
    if participant is None:
        return {}
    rows = Answer.objects.filter(item__deck=deck, participant=participant).values_list(
        "item_id", "item__kind", "item__options", "item__correct", "choice", "text"
    )
    mine: dict[int, YourAnswer] = {}
    for item_id, kind, options, correct, choice, text in rows:
        if kind not in CHOICE_KINDS:
            mine[item_id] = YourAnswer(text, text, None)
            continue
        options = options or []
        if choice is None or choice >= len(options):
            mine[item_id] = YourAnswer("", choice, None)
            continue
        key_shown = (
            correct is not None
            and correct < len(options)
            and (deck.is_ended or (deck.revealed and deck.current_item_id == item_id))
        )
        if key_shown:
            mine[item_id] = YourAnswer(options[choice], choice, choice == correct, options[correct])
        else:
            mine[item_id] = YourAnswer(options[choice], choice, None)
    return mine


def qa_list(deck: Deck, *, include_pending: bool = False) -> list[dict]:
    statuses = [AudienceQuestion.Status.APPROVED, AudienceQuestion.Status.ANSWERED]
    if include_pending:
        statuses.append(AudienceQuestion.Status.PENDING)
    rows = AudienceQuestion.objects.filter(deck=deck, status__in=statuses)[:200]
    return [q.public_dict() for q in rows]


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def snapshot(deck: Deck, *, participant: uuid.UUID | None = None, presenter: bool = False) -> dict:
    """The whole state a client needs, sent on connect and after every presenter action."""
    item = deck.current_item
    message = {
        "type": "snapshot",
        "version": deck.version,
        "deck": {
            "code": deck.code,
            "title": deck.title,
            "status": deck.status,
            "anonymous": deck.allow_anonymous,
        },
        "item": item.public_dict() if item else None,
        "state": {
            "accepting": deck.takes_answers,
            "results_visible": deck.results_visible,
            "revealed": deck.revealed,
            "closes_in": _rounded(deck.seconds_left()),
            "questions_on_screen": deck.questions_on_screen,
        },
        "results": None,
        "correct": None,
        "questions": qa_list(deck, include_pending=presenter),
    }
    if item is not None:
        if deck.results_visible or deck.revealed or presenter:
            message["results"] = tally(item) | {"version": deck.version}
        if deck.revealed or presenter:
            message["correct"] = item.correct
        if participant is not None:
            message["answered"] = Answer.objects.filter(
                item_id=item.pk, participant=participant
            ).exists()
    if deck.leaderboard and (presenter or deck.revealed or deck.is_ended):
        message["leaderboard"] = leaderboard(deck)
    if presenter:
        items = list(deck.items.all())
        message["items"] = [it.public_dict() | {"correct": it.correct} for it in items]
        message["controls"] = presenter_controls(deck, [it.pk for it in items])
    return message


def presenter_controls(deck: Deck, item_ids: list[int]) -> dict[str, bool]:
    """The presenter controls that would change something now (`item_ids`: the deck's items in
    order); the presenter page disables the others."""
    item = deck.current_item
    return protocol.presenter_controls(
        ended=deck.is_ended,
        accepting=deck.takes_answers,
        results_visible=deck.results_visible,
        revealed=deck.revealed,
        questions_on_screen=deck.questions_on_screen,
        position=item_ids.index(item.pk) if item is not None and item.pk in item_ids else None,
        count=len(item_ids),
        keyed=item is not None and item.keyed,
    )


# --- Leaderboard (off unless the teacher turns it on) -------------------------------------------

MAX_NICKNAME_CHARS = 24
LEADERBOARD_SIZE = 10


def leaderboard(deck: Deck) -> list[dict]:
    """The top LEADERBOARD_SIZE participants who chose a nickname, by live answers that match
    the key of a keyed item (unkeyed items, text answers and afterwards answers do not count).
    Equal scores share a rank. Two queries, whatever the audience size."""
    names = dict(Nickname.objects.filter(deck=deck).values_list("participant", "name"))
    if not names:
        return []
    scores = dict(
        Answer.objects.filter(
            item__deck=deck,
            phase=Phase.LIVE,
            item__correct__isnull=False,
            choice=F("item__correct"),
            participant__in=Nickname.objects.filter(deck=deck).values("participant"),
        )
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values_list("participant", "n")
    )
    ordered = sorted(
        ((scores.get(p, 0), name) for p, name in names.items()), key=lambda r: (-r[0], r[1])
    )
    rows, rank, previous = [], 0, None
    for position, (score, name) in enumerate(ordered[:LEADERBOARD_SIZE], start=1):
        if score != previous:
            rank, previous = position, score
        rows.append({"rank": rank, "nickname": name, "score": score})
    return rows


def clean_nickname(name: str) -> str:
    """Whitespace collapsed, control and format characters dropped."""
    kept = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())


@transaction.atomic
def set_nickname(*, deck: Deck, participant: uuid.UUID, name: str) -> str:
    """Choose (or with an empty name, drop) this participant's leaderboard nickname; returns
    the nickname now in force. Raises ProtocolError.

    Side effects: the participant's Nickname row. Nothing is broadcast (that would be one
    snapshot per participant); the leaderboard is in the next snapshot, e.g. after a reveal."""
    if not deck.leaderboard:
        raise ProtocolError("leaderboard_off", "This deck has no leaderboard.")
    name = clean_nickname(name)
    if len(name) > MAX_NICKNAME_CHARS:
        raise ProtocolError(
            "too_large", f"A nickname may be at most {MAX_NICKNAME_CHARS} characters."
        )
    if not name:
        Nickname.objects.filter(deck=deck, participant=participant).delete()
    else:
        taken = (
            Nickname.objects.filter(deck=deck, name__iexact=name)
            .exclude(participant=participant)
            .exists()
        )
        if taken:
            raise ProtocolError("nickname_taken", "Someone has that nickname; choose another.")
        try:
            with transaction.atomic():
                Nickname.objects.update_or_create(
                    deck=deck, participant=participant, defaults={"name": name}
                )
        except IntegrityError:
            raise ProtocolError(
                "nickname_taken", "Someone has that nickname; choose another."
            ) from None
    return name


@transaction.atomic
def set_leaderboard(*, deck: Deck, enabled: bool) -> Deck:
    """Turn the deck's leaderboard on or off. Side effects: the Deck row (version + 1); a fresh
    snapshot to everyone on commit. Nicknames are kept (turning it back on shows them again)."""
    deck = Deck.objects.select_for_update().get(pk=deck.pk)
    deck.leaderboard = enabled
    deck.version += 1
    deck.save(update_fields=["leaderboard", "version"])
    transaction.on_commit(lambda: broadcast_state(deck))
    return deck


def decks_by_code(codes: Sequence[str]) -> list[Deck | None]:
    """The decks for many join codes (socket connects, coalesced): one query."""
    wanted = [code.upper() for code in codes]
    found = Deck.objects.select_related("session", "current_item").filter(code__in=set(wanted))
    by_code = {deck.code: deck for deck in found}
    return [by_code.get(code) for code in wanted]


def participant_snapshots(requests: Sequence[tuple[int, uuid.UUID]]) -> list:
    """Snapshot messages, as JSON text, for many connecting participants (coalesced): per deck
    one read and one build of the snapshot, and one query for who already answered its current
    item, however many connect at once. A deck gone since is a ProtocolError in its place."""
    deck_ids = {deck_id for deck_id, _ in requests}
    decks = Deck.objects.select_related("current_item").in_bulk(deck_ids)
    texts: dict[int, str] = {}
    answered: dict[int, set] = {}
    for deck_id, deck in decks.items():
        message = snapshot(deck)
        texts[deck_id] = _text(message)
        if deck.current_item_id is not None:
            wanted = {p for d, p in requests if d == deck_id}
            answered[deck_id] = set(
                Answer.objects.filter(
                    item_id=deck.current_item_id, participant__in=wanted
                ).values_list("participant", flat=True)
            )
    out: list = []
    for deck_id, participant in requests:
        if deck_id not in texts:
            out.append(ProtocolError("unknown_deck", "No live deck has this code."))
        elif deck_id in answered:
            flag = "true" if participant in answered[deck_id] else "false"
            out.append(texts[deck_id][:-1] + f',"answered":{flag}}}')
        else:
            out.append(texts[deck_id])
    return out


def broadcast_state(deck: Deck) -> None:
    """After a presenter action: one message to each group (never one per participant here;
    the layer fans out). Called on commit."""
    deck = Deck.objects.select_related("current_item").get(pk=deck.pk)
    broadcast.publish(
        broadcast.participants_group(deck.pk), {"type": "live.state", "text": _text(snapshot(deck))}
    )
    broadcast.publish(
        broadcast.presenters_group(deck.pk),
        {"type": "live.state", "text": _text(snapshot(deck, presenter=True))},
    )


def _text(message: dict) -> str:
    """A message encoded once for a whole group (the layer copies it per member, and each
    member would otherwise encode it again)."""
    return json.dumps(message, separators=(",", ":"))


# --- Presenter controls ------------------------------------------------------------------------

CONTROL_ACTIONS = (
    "open",
    "close",
    "close_in",
    "next",
    "previous",
    "goto",
    "reveal",
    "show_results",
    "hide_results",
    "show_questions",
    "hide_questions",
    "end",
)


# What is shown, not where the deck is: these leave a countdown running and need no items.
DISPLAY_ACTIONS = ("show_results", "hide_results", "show_questions", "hide_questions")
# The approved audience questions the full-screen view shows at most, most voted first.
SCREEN_QUESTIONS = 8

COUNTDOWN_SECONDS = (5, 600)


@transaction.atomic
def control_deck(
    *, deck: Deck, action: str, item_id: int | None = None, seconds: int | None = None
) -> Deck:
    """Apply one presenter control. `open` starts the deck (first item) or reopens the current
    item; `next`/`previous`/`goto` move and open; `close_in` gives the open item `seconds` more
    (a countdown everyone sees; answers are refused once it runs out); `end` leaves the deck
    answerable afterwards; `show_questions`/`hide_questions` put the approved audience questions
    on the full-screen view or take them off. Every action but showing or hiding results or
    questions stops a countdown.

    Side effects: the Deck row (version + 1); participants and presenters get a fresh snapshot
    after commit."""
    if action not in CONTROL_ACTIONS:
        raise ProtocolError("bad_request", f"Unknown action {action!r}.")
    low, high = COUNTDOWN_SECONDS
    if action == "close_in" and (
        not isinstance(seconds, int) or isinstance(seconds, bool) or not low <= seconds <= high
    ):
        raise ProtocolError(
            "bad_request", f'"seconds" must be a whole number from {low} to {high}.'
        )
    deck = Deck.objects.select_for_update().get(pk=deck.pk)
    status_before = deck.status
    items = list(deck.items.values_list("pk", flat=True))
    if not items and action != "end" and action not in DISPLAY_ACTIONS:
        raise ProtocolError("no_items", "Add an item to the deck first.")
    current = items.index(deck.current_item_id) if deck.current_item_id in items else None

    def move_to(index: int) -> None:
        deck.current_item_id = items[index]
        deck.accepting, deck.results_visible, deck.revealed = True, False, False
        deck.status = DeckStatus.LIVE

    if action not in DISPLAY_ACTIONS:
        deck.closes_at = None
    if action == "close_in":
        if not (deck.is_live and deck.accepting and current is not None):
            raise ProtocolError("not_open", "Open an item before starting a countdown.")
        deck.closes_at = timezone.now() + timedelta(seconds=seconds)
    elif action == "open":
        if current is None:
            move_to(0)
        else:
            deck.accepting, deck.status = True, DeckStatus.LIVE
    elif action == "close":
        deck.accepting = False
    elif action == "next":
        if current is not None and current + 1 >= len(items):
            raise ProtocolError("no_more_items", "This is the last item.")
        move_to(0 if current is None else current + 1)
    elif action == "previous":
        if not current:
            raise ProtocolError("no_more_items", "This is the first item.")
        move_to(current - 1)
    elif action == "goto":
        if item_id not in items:
            raise ProtocolError("unknown_item", "No such item in this deck.")
        move_to(items.index(item_id))
    elif action == "reveal":
        deck.revealed, deck.results_visible, deck.accepting = True, True, False
    elif action == "show_results":
        deck.results_visible = True
    elif action == "hide_results":
        deck.results_visible = deck.revealed = False
    elif action in ("show_questions", "hide_questions"):
        deck.questions_on_screen = action == "show_questions"
    elif action == "end":
        deck.status, deck.accepting = DeckStatus.ENDED, False
    deck.version += 1
    fields = list(CONTROL_FIELDS)
    if deck.status != status_before:  # the session page shows it (apps.py)
        fields.append("status")
    deck.save(update_fields=fields)
    transaction.on_commit(lambda: broadcast_state(deck))
    return deck


# A deck still live this long after its session's end was left running: it is ended for the
# recording's viewers (`end_finished_decks`).
FINISHED_AFTER = timedelta(hours=2)


def end_finished_decks(*, after: timedelta = FINISHED_AFTER, now=None) -> list[Deck]:
    """End the decks still live whose session ended more than `after` ago. A presenter who
    leaves without pressing End would otherwise keep the deck from its viewers: an ended deck
    is offered beside the recording, and later answers count as "afterwards", not as live.
    Decks never started are left alone (nobody has answered them; the teacher may still run
    them). Idempotent; meant to run every few minutes (`nearpeer live end-finished`).

    Side effects: each such deck as by control_deck(action="end"): status, version, a snapshot
    to whoever is still connected."""
    cutoff = (now or timezone.now()) - after
    stale = Deck.objects.filter(status=DeckStatus.LIVE, session__ends_at__lt=cutoff)
    ended = []
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            # Ended by its presenter meanwhile: nothing to do (and no needless snapshot).
            if Deck.objects.select_for_update().filter(pk=pk, status=DeckStatus.LIVE).exists():
                ended.append(control_deck(deck=Deck(pk=pk), action="end"))
    return ended


# --- Answers: the hot path ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerEntry:
    deck_id: int
    item_id: int
    participant: uuid.UUID
    choice: int | None = None
    text: str = ""
    member_id: int | None = None


@dataclass(frozen=True)
class Stored:
    item_id: int
    duplicate: bool


def _validate(entry: AnswerEntry, deck: Deck | None, item: Item | None) -> str:
    """The phase the answer belongs to, or a ProtocolError."""
    if deck is None or item is None or item.deck_id != deck.pk:
        raise ProtocolError("unknown_item", "No such item in this deck.")
    if deck.status == DeckStatus.ENDED:
        phase = Phase.AFTER
    elif deck.status == DeckStatus.LIVE and deck.current_item_id == item.pk and deck.accepting:
        if deck.seconds_left() == 0:
            raise ProtocolError("not_open", "Time is up for this one.")
        phase = Phase.LIVE
    else:
        raise ProtocolError("not_open", "This item is not open for answers.")
    if item.kind in CHOICE_KINDS:
        if entry.choice is None or not 0 <= entry.choice < len(item.options):
            raise ProtocolError(
                "bad_choice", f'"choice" must be an option index from 0 to {len(item.options) - 1}.'
            )
    else:
        if entry.choice is not None or not entry.text:
            raise ProtocolError("bad_request", 'This item takes a "text" answer.')
        if item.kind == ItemKind.WORDCLOUD and len(entry.text) > MAX_WORD_CHARS:
            raise ProtocolError("too_large", f"A word may be at most {MAX_WORD_CHARS} characters.")
    return phase


def store_answers(entries: Sequence[AnswerEntry]) -> list[Stored | ProtocolError]:
    """Validate and store a batch of answers: one read and one multi-row
    INSERT … ON CONFLICT DO NOTHING RETURNING, whatever the batch size. The unique constraint
    on (item, participant) makes a repeated answer a duplicate, on any server process.

    Side effects: Answer rows; for signed-in members' wrong answers to keyed bank questions,
    their review queue (questions.add_to_review_queue)."""
    if not entries:
        return []
    # One read for items and their decks: every round trip to the database is paid by the
    # whole batch waiting behind it.
    items = (
        Item.objects.select_related("deck")
        .only(
            "pk",
            "deck_id",
            "kind",
            "options",
            "correct",
            "question_id",
            "deck__status",
            "deck__current_item_id",
            "deck__accepting",
            "deck__closes_at",
        )
        .in_bulk({e.item_id for e in entries})
    )
    decks = {item.deck_id: item.deck for item in items.values()}
    outcomes: list[Stored | ProtocolError | None] = [None] * len(entries)
    rows, row_of = [], {}
    for index, entry in enumerate(entries):
        try:
            phase = _validate(entry, decks.get(entry.deck_id), items.get(entry.item_id))
        except ProtocolError as exc:
            outcomes[index] = exc
            continue
        key = (entry.item_id, entry.participant)
        if key in row_of:  # the same participant twice in one batch
            outcomes[index] = Stored(entry.item_id, duplicate=True)
            continue
        row_of[key] = index
        rows.append((entry, phase))
    inserted: set = set()
    keyed = any(
        e.member_id
        and items[e.item_id].kind == ItemKind.QUESTION
        and items[e.item_id].correct is not None
        for e, _ in rows
    )
    # One INSERT is atomic by itself; a transaction (two more round trips) is needed only when
    # review-queue rows must be written with it.
    with transaction.atomic() if keyed else contextlib.nullcontext():
        if rows:
            inserted = _insert(rows)
        wrong = [
            (e.member_id, items[e.item_id].question_id)
            for e, _ in rows
            if (e.item_id, e.participant) in inserted
            and e.member_id
            and items[e.item_id].kind == ItemKind.QUESTION
            and items[e.item_id].correct is not None
            and e.choice != items[e.item_id].correct
        ]
        if wrong:
            members = get_user_model().objects.in_bulk({m for m, _ in wrong})
            questions = Question.objects.in_bulk({q for _, q in wrong})
            for member_id, question_id in wrong:
                add_to_review_queue(member=members[member_id], question=questions[question_id])
    for key, index in row_of.items():
        outcomes[index] = Stored(key[0], duplicate=key not in inserted)
    return outcomes  # type: ignore[return-value]


def _insert(rows: list[tuple[AnswerEntry, str]]) -> set[tuple[int, uuid.UUID]]:
    """One INSERT for the whole batch; returns the (item, participant) pairs actually added."""
    field = Answer._meta.get_field("participant")
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("item_id", "participant", "choice", "text", "phase"))
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = []
    for entry, phase in rows:
        params += [
            entry.item_id,
            field.get_db_prep_value(entry.participant, connection),
            entry.choice,
            entry.text,
            phase,
        ]
    # Only quoted identifiers and placeholders are interpolated; values go as parameters.
    table, keys = qn(Answer._meta.db_table), f"{qn('item_id')}, {qn('participant')}"
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({keys}) DO NOTHING RETURNING {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    return {(item_id, uuid.UUID(str(p))) for item_id, p in returned}


def record_answer(entry: AnswerEntry) -> Stored:
    """One answer outside the socket batcher (the HTTP fallback). Raises ProtocolError.

    Side effects: as store_answers; presenters are told after commit."""
    outcome = store_answers([entry])[0]
    if isinstance(outcome, ProtocolError):
        raise outcome
    if not outcome.duplicate:
        # "settled": an HTTP answer is stored on its own, so presenters may recount at once
        # (their throttle still allows at most two recounts per interval).
        broadcast.publish(
            broadcast.presenters_group(entry.deck_id),
            {"type": "live.dirty", "items": [entry.item_id], "settled": True},
        )
    return outcome


# --- Audience Q&A ------------------------------------------------------------------------------

MODERATION = {
    "approve": AudienceQuestion.Status.APPROVED,
    "answer": AudienceQuestion.Status.ANSWERED,
    "hide": AudienceQuestion.Status.HIDDEN,
}


@transaction.atomic
def ask_question(*, deck: Deck, text: str) -> AudienceQuestion:
    """While the session is live, or afterwards beside the recording (the teacher replies in
    writing). Side effects: a pending AudienceQuestion (no author stored); presenters told on
    commit."""
    text = text.strip()
    if not text:
        raise ProtocolError("bad_request", "Write a question first.")
    if len(text) > 280:
        raise ProtocolError("too_large", "A question may be at most 280 characters.")
    if deck.status == DeckStatus.READY:
        raise ProtocolError("not_open", "Questions open when the session starts.")
    question = AudienceQuestion.objects.create(deck=deck, text=text, asked_after=deck.is_ended)
    if deck.is_ended:
        _tell_teachers_of_a_late_question(deck, question)
    transaction.on_commit(
        lambda: broadcast.publish(broadcast.presenters_group(deck.pk), {"type": "live.qa_dirty"})
    )
    return question


@transaction.atomic
def upvote_question(*, deck: Deck, question_id: int, participant: uuid.UUID) -> bool:
    """True when the vote counted (once per participant). Only visible questions take votes.

    Side effects: an Upvote row and the question's count + 1."""
    question = AudienceQuestion.objects.filter(
        pk=question_id,
        deck=deck,
        status__in=[AudienceQuestion.Status.APPROVED, AudienceQuestion.Status.ANSWERED],
    ).first()
    if question is None:
        raise ProtocolError("unknown_question", "No such question.")
    _, created = Upvote.objects.get_or_create(question=question, participant=participant)
    if created:
        AudienceQuestion.objects.filter(pk=question.pk).update(upvotes=F("upvotes") + 1)
    return created


@transaction.atomic
def moderate_question(*, deck: Deck, question_id: int, action: str) -> AudienceQuestion:
    """approve / answer / hide. Side effects: the question's status; everyone's Q&A list
    refreshed on commit."""
    if action not in MODERATION:
        raise ProtocolError("bad_request", f"Unknown moderation action {action!r}.")
    question = (
        AudienceQuestion.objects.select_for_update().filter(pk=question_id, deck=deck).first()
    )
    if question is None:
        raise ProtocolError("unknown_question", "No such question.")
    question.status = MODERATION[action]
    question.save(update_fields=["status"])
    transaction.on_commit(lambda: broadcast_qa(deck))
    return question


def _tell_teachers_of_a_late_question(deck: Deck, question: AudienceQuestion) -> None:
    """Nobody is presenting after the session, so the session's teachers get a notification:
    once, while questions from viewers wait (not one per question). The question's words stay
    out of it (and out of any email): the deck page shows them."""
    waiting = (
        AudienceQuestion.objects.filter(
            deck=deck, asked_after=True, status=AudienceQuestion.Status.PENDING
        )
        .exclude(pk=question.pk)
        .exists()
    )
    if waiting:
        return
    notify(
        recipients=deck.session.teachers.all(),
        category=Category.TEACHING,
        title=f"A question about {deck.session.title}",
        body="Someone watching the recording asked a question. Approve it and reply in writing "
        "on the deck page.",
        url=deck.get_absolute_url() + "#audience-questions",
    )


MAX_REPLY_CHARS = 1000


@transaction.atomic
def reply_to_question(*, deck: Deck, question_id: int, text: str) -> AudienceQuestion:
    """The teacher's written answer, shown under the question to everyone (an empty text takes
    it back). A reply approves and marks the question answered.

    Side effects: the question's reply and status; everyone's Q&A list refreshed on commit."""
    text = text.strip()
    if len(text) > MAX_REPLY_CHARS:
        raise ProtocolError("too_large", f"A reply may be at most {MAX_REPLY_CHARS} characters.")
    question = (
        AudienceQuestion.objects.select_for_update().filter(pk=question_id, deck=deck).first()
    )
    if question is None:
        raise ProtocolError("unknown_question", "No such question.")
    question.reply = text
    if text:
        question.status = AudienceQuestion.Status.ANSWERED
    question.save(update_fields=["reply", "status"])
    transaction.on_commit(lambda: broadcast_qa(deck))
    return question


def broadcast_qa(deck: Deck) -> None:
    broadcast.publish(
        broadcast.participants_group(deck.pk),
        {"type": "live.qa", "text": _text({"type": "qa", "questions": qa_list(deck)})},
    )
    broadcast.publish(broadcast.presenters_group(deck.pk), {"type": "live.qa_dirty"})


# --- Afterwards: comparison and export ----------------------------------------------------------


def compare_phases(item: Item) -> dict:
    """Live and afterwards results side by side. The afterwards column is withheld below
    NEARPEER_MIN_GROUP_SIZE: a handful of late viewers could be known by name."""
    live, after = tally(item, phase=Phase.LIVE), tally(item, phase=Phase.AFTER)
    minimum = settings.NEARPEER_MIN_GROUP_SIZE
    withheld = 0 < after["total"] < minimum
    if item.kind in CHOICE_KINDS:
        labels = list(item.options)
        live_n, after_n = live["counts"], after["counts"]
    else:
        words = sorted({w for w, _ in live["words"]} | {w for w, _ in after["words"]})
        live_map, after_map = dict(map(tuple, live["words"])), dict(map(tuple, after["words"]))
        labels = words
        live_n = [live_map.get(w, 0) for w in words]
        after_n = [after_map.get(w, 0) for w in words]
    rows = [
        {
            "label": label,
            "live": live_n[i],
            "after": None if withheld else after_n[i],
            "correct": item.correct == i,
        }
        for i, label in enumerate(labels)
    ]
    return {
        "item": item,
        "rows": rows,
        "live_total": live["total"],
        "after_total": None if withheld else after["total"],
        "withheld": withheld,
        "minimum": minimum,
        # A rating scale's mean per phase (None for other kinds, or nobody answered).
        "live_mean": rating_mean(live["counts"]) if item.kind == ItemKind.RATING else None,
        "after_mean": (
            rating_mean(after["counts"]) if item.kind == ItemKind.RATING and not withheld else None
        ),
    }


def safe_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ (or a tab or carriage return before one)
    as formulas; a leading apostrophe keeps them text."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


RESULTS_HEADER = ["item", "prompt", "answer", "correct", "live", "afterwards"]


def _result_rows(item: Item) -> list[list]:
    """An item's results as CSV rows; every cell a spreadsheet would run as a formula is
    escaped."""
    table = compare_phases(item)
    return [
        [
            item.position,
            safe_cell(item.prompt),
            safe_cell(row["label"]),
            "yes" if row["correct"] else "",
            row["live"],
            "withheld" if row["after"] is None else row["after"],
        ]
        for row in table["rows"]
    ]


def export_item_csv(item: Item) -> str:
    """One item's results as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULTS_HEADER)
    writer.writerows(_result_rows(item))
    return out.getvalue()


def export_deck_csv(deck: Deck) -> str:
    """Every item's results in one CSV, in deck order (the same columns as one item's)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULTS_HEADER)
    for item in deck.items.order_by("position"):
        writer.writerows(_result_rows(item))
    return out.getvalue()


QUESTIONS_HEADER = ["question", "status", "votes", "asked", "reply"]


def export_questions_csv(deck: Deck) -> str:
    """Every audience question of the deck, hidden and waiting ones included (the teacher's
    follow-up list), most voted first; nothing about who asked, because nothing is stored."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(QUESTIONS_HEADER)
    for q in AudienceQuestion.objects.filter(deck=deck):
        writer.writerow(
            [
                safe_cell(q.text),
                q.status,
                q.upvotes,
                "afterwards" if q.asked_after else "live",
                safe_cell(q.reply),
            ]
        )
    return out.getvalue()


def results_summary(deck: Deck) -> dict:
    """`nearpeer live results CODE`: counts from the database, live phase."""
    return {
        "items": [
            {
                "id": t["item"],
                "counts": t["counts"],
                "total": t["total"],
                **({"words": t["words"]} if "words" in t else {}),
            }
            for t in (tally(item) for item in deck.items.all())
        ]
    }


def session_for_cli(*, title: str):
    """A new teaching session starting now for `nearpeer live open`."""
    from nearpeer.teaching.models import Session

    now = timezone.now()
    return Session.objects.create(
        title=title[:200], starts_at=now, ends_at=now + timedelta(hours=1)
    )


def presenter_results(*, deck_id: int, item_ids) -> list[dict]:
    """Results messages for the items that changed, stamped with the deck's version."""
    items = (
        Item.objects.filter(deck_id=deck_id, pk__in=list(item_ids))
        .select_related("deck")
        .only("pk", "deck_id", "kind", "options", "position", "deck__version")
        .order_by("position")
    )
    # The version comes with the items (one query fewer on the shared database thread).
    return [tally(item) | {"version": item.deck.version} for item in items]
