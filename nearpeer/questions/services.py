"""Question bank workflows: writing and reviewing, practice and the FSRS queue, mock papers,
import and export."""

import random
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from nearpeer.core.images import image_mime
from nearpeer.members.models import Role
from nearpeer.notifications.models import Category
from nearpeer.notifications.services import notify
from nearpeer.teaching.years import mask_to_years, years_to_mask

from . import formats, itemstats, scoring
from .models import (
    Attempt,
    AttemptSource,
    Comment,
    CommentKind,
    ImportFormat,
    Paper,
    PaperItem,
    PaperStatus,
    PendingImport,
    Question,
    QuestionType,
    QuestionVersion,
    QueueSettings,
    ReviewCard,
    Sitting,
    SittingAnswer,
    Status,
    Tag,
    TagKind,
    options_mask,
    response_of,
)
from .models import Rating as MemberRating
from .permissions import (
    TRANSITIONS,
    can_edit,
    can_resolve_flag,
    can_transition,
    is_reviewer,
)

DEFAULT_RETENTION = 0.9
GRACE_SECONDS = 30


class Confidence:
    GUESS = 1
    FAIRLY_SURE = 2
    CERTAIN = 3
    CHOICES = [(GUESS, "I guessed"), (FAIRLY_SURE, "Fairly sure"), (CERTAIN, "Certain")]


# --- Writing and review ------------------------------------------------------------------------


@transaction.atomic
def save_question(
    *, author, question: Question | None, content: dict, tags: list[Tag], years: list[int],
    blind_review: bool = True,
) -> Question:  # fmt: skip
    """Create a question or save an edit. `content` holds the version fields (title, qtype, stem,
    options, explanation, references, image, image_type, image_alt).

    Side effects: a new Question and version 1; or, for a draft, the unpublished latest version is
    updated in place; for a published question a new version is made and the question goes back
    to draft (the published version stays practisable until the new one is published).
    """
    now = timezone.now()
    if question is None:
        question = Question.objects.create(
            author=author, blind_review=blind_review, year_mask=years_to_mask(years)
        )
        version = QuestionVersion(question=question, number=1, created_by=author)
    else:
        question = Question.objects.select_for_update().get(pk=question.pk)
        if not can_edit(author, question):
            raise PermissionDenied("This question cannot be edited now.")
        latest = question.latest_version
        if latest and latest.pk != question.published_version_id:
            version = latest
        else:
            number = (latest.number if latest else 0) + 1
            version = QuestionVersion(question=question, number=number, created_by=author)
            if latest and not content.get("image") and latest.image:
                content = {**content, "image": latest.image, "image_type": latest.image_type}
            if latest and "attachments" not in content:
                # Stored files never change, so the new version shares them.
                content = {**content, "attachments": list(latest.attachments or [])}
        question.status = Status.DRAFT
        question.blind_review = blind_review
        question.year_mask = years_to_mask(years)
        question.peer_reviewer = None
        question.endorsed_by = None
    options = content.get("options", [])
    problems = formats.check_question(
        formats.QuestionData(
            stem=content.get("stem", version.stem),
            options=[(o["text"], bool(o["correct"])) for o in options],
            option_meta=[{k: o[k] for k in ("credit", "feedback") if k in o} for o in options],
            qtype=content.get("qtype", version.qtype),
            details=content.get("details", version.details or {}),
        )
    )
    if problems:
        raise ValidationError(problems)
    for name, value in content.items():
        if name == "image" and not value:
            continue
        setattr(version, name, value)
    version.full_clean(exclude=["question", "created_by"])
    version.save()
    question.latest_version = version
    question.updated_at = now
    question.save()
    question.tags.set(tags)
    return question


@transaction.atomic
def transition_question(*, question: Question, by, name: str, comment: str = "") -> Question:
    """Move a question along the review workflow if the table in permissions.py allows it.

    Side effects: status (and reviewer fields) saved; a Comment for the reason when one is given
    (required for "request changes"); on publish the latest version becomes the published one;
    the author is notified of every step someone else takes; on submit, student-teachers are
    told there is a question to review, and on peer approval faculty partners are told it may be
    endorsed (see `usual_reviewers`).
    """
    question = Question.objects.select_for_update().get(pk=question.pk)
    transition = TRANSITIONS.get(name)
    if not can_transition(by, question, name):
        raise PermissionDenied(f"{name!r} is not allowed here.")
    if transition.needs_comment and not comment.strip():
        raise ValidationError({"comment": "Say what needs to change."})
    question.status = transition.target
    fields = ["status", "updated_at"]
    if name == "approve":
        question.peer_reviewer = by
        fields.append("peer_reviewer")
    elif name == "endorse":
        question.endorsed_by = by
        fields.append("endorsed_by")
    elif name == "publish":
        question.published_version = question.latest_version
        fields.append("published_version")
    elif transition.target == Status.DRAFT:
        question.peer_reviewer = question.endorsed_by = None
        fields += ["peer_reviewer", "endorsed_by"]
    question.updated_at = timezone.now()
    question.save(update_fields=fields)
    if comment.strip():
        Comment.objects.create(
            question=question,
            version=question.latest_version,
            author=by,
            kind=CommentKind.CHANGES if name == "request_changes" else CommentKind.REVIEW,
            body=comment.strip(),
        )
    if by.pk != question.author_id:
        notify(
            recipients=[question.author],
            category=Category.QUESTIONS,
            title=f"Your question “{question}”: {transition.label.lower()}",
            body=comment.strip(),
            url=reverse("questions:question-detail", kwargs={"pk": question.pk}),
            quoting=by,
        )
    if name in ("submit", "approve"):
        _tell_next_reviewers(question=question, role=_NEXT_REVIEWERS[name])
    return question


_NEXT_REVIEWERS = {"submit": Role.STUDENT_TEACHER, "approve": Role.FACULTY}


def usual_reviewers(*, role: str, question: Question):
    """Members with `role` who have reviewed before (approved or endorsed a question, or left a
    review comment or change request on someone else's question); everyone with the role when
    nobody has yet. Never the question's author."""
    holders = (
        get_user_model()
        .objects.filter(is_active=True, role_grants__role=role)
        .exclude(pk=question.author_id)
    )
    commented = (
        Comment.objects.filter(kind__in=[CommentKind.REVIEW, CommentKind.CHANGES])
        .exclude(author_id=F("question__author_id"))
        .values("author_id")
    )
    reviewed = holders.filter(
        Q(pk__in=commented)
        | Q(pk__in=Question.objects.filter(peer_reviewer__isnull=False).values("peer_reviewer_id"))
        | Q(pk__in=Question.objects.filter(endorsed_by__isnull=False).values("endorsed_by_id"))
    )
    return list(reviewed.distinct() if reviewed.exists() else holders.distinct())


def _tell_next_reviewers(*, question: Question, role: str) -> None:
    # Titles never name the author: blind review starts here.
    title = (
        f"A question awaits review: “{question}”"
        if role == Role.STUDENT_TEACHER
        else f"A peer-reviewed question may be endorsed: “{question}”"
    )
    notify(
        recipients=usual_reviewers(role=role, question=question),
        category=Category.QUESTIONS,
        title=title,
        url=reverse("questions:question-detail", kwargs={"pk": question.pk}),
    )


@transaction.atomic
def add_comment(*, question: Question, by, body: str, kind: str = CommentKind.REVIEW) -> Comment:
    """Side effects: a Comment; the author is notified when someone else comments."""
    version = question.latest_version if kind == CommentKind.REVIEW else question.published_version
    comment = Comment.objects.create(
        question=question, version=version, author=by, kind=kind, body=body.strip()
    )
    if by.pk != question.author_id and kind == CommentKind.REVIEW:
        notify(
            recipients=[question.author],
            category=Category.QUESTIONS,
            title=f"New review comment on “{question}”",
            body=body.strip()[:500],
            url=reverse("questions:question-detail", kwargs={"pk": question.pk}),
            quoting=by,
        )
    return comment


@transaction.atomic
def flag_question(*, question: Question, by, reason: str) -> Comment:
    """A member reports an error in a published question.

    Side effects: a flag Comment on the published version; the author is notified (without the
    reporter's name, so members flag freely)."""
    if not question.published_version_id:
        raise PermissionDenied("Only published questions can be flagged.")
    flag = Comment.objects.create(
        question=question,
        version=question.published_version,
        author=by,
        kind=CommentKind.FLAG,
        body=reason.strip(),
    )
    notify(
        recipients=[question.author],
        category=Category.QUESTIONS,
        title=f"A possible error was reported in “{question}”",
        body=reason.strip()[:500],
        url=reverse("questions:question-detail", kwargs={"pk": question.pk}),
        quoting=by,
    )
    return flag


@transaction.atomic
def resolve_flag(*, flag: Comment, by, reply: str) -> Comment:
    """The author (or the committee) answers a member's error report and closes it.

    Side effects: the flag's reply, resolved_at and resolved_by saved; the member who flagged is
    notified with the reply (they learn the outcome; the author still never learns who flagged).
    """
    flag = Comment.objects.select_for_update().select_related("question").get(pk=flag.pk)
    if flag.kind != CommentKind.FLAG or not can_resolve_flag(by, flag.question):
        raise PermissionDenied("You cannot resolve this report.")
    if flag.resolved_at is not None:
        raise ValidationError("This report is already resolved.")
    if not reply.strip():
        raise ValidationError({"reply": "Say what was done about the report."})
    flag.reply = reply.strip()
    flag.resolved_at = timezone.now()
    flag.resolved_by = by
    flag.save(update_fields=["reply", "resolved_at", "resolved_by"])
    notify(
        recipients=[flag.author],
        category=Category.QUESTIONS,
        title=f"Your error report on “{flag.question}” was resolved",
        body=flag.reply,
        url=reverse("questions:question-practise", kwargs={"pk": flag.question_id}),
        quoting=by,
    )
    return flag


# --- Tags ---------------------------------------------------------------------------------------

TAG_NAME_MIN, TAG_NAME_MAX = 2, Tag._meta.get_field("name").max_length


def _clean_tag_name(*, kind: str, name: str, exclude: Tag | None = None) -> str:
    name = " ".join(name.split())
    if kind not in TagKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(TagKind.labels)}."})
    if not TAG_NAME_MIN <= len(name) <= TAG_NAME_MAX:
        raise ValidationError(
            {"name": f"A tag name has {TAG_NAME_MIN} to {TAG_NAME_MAX} characters."}
        )
    if "_" in name:
        # Exported files write spaces in tags as underscores, so an underscore would not survive.
        raise ValidationError({"name": "Use spaces, not underscores."})
    clash = Tag.objects.filter(kind=kind, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        label = TagKind(kind).label.lower()
        raise ValidationError(
            {"name": f"The {label} tag “{clash.first().name}” already exists: merge instead."}
        )
    return name


@transaction.atomic
def create_tag(*, kind: str, name: str) -> Tag:
    """Side effects: a new Tag (names are unique per kind, ignoring case and extra spaces)."""
    return Tag.objects.create(kind=kind, name=_clean_tag_name(kind=kind, name=name))


@transaction.atomic
def rename_tag(*, tag: Tag, name: str) -> Tag:
    """Side effects: the tag's name saved; every question tagged with it shows the new name,
    including published ones (a tag is not part of a version)."""
    tag.name = _clean_tag_name(kind=tag.kind, name=name, exclude=tag)
    tag.save(update_fields=["name"])
    return tag


@transaction.atomic
def merge_tags(*, source: Tag, target: Tag) -> int:
    """Fold `source` into `target` (same kind).

    Side effects: every question tagged `source` is tagged `target`; `source` is deleted.
    Returns the number of questions that gained `target`."""
    if source.pk == target.pk:
        raise ValidationError({"target": "Choose a different tag to merge into."})
    if source.kind != target.kind:
        raise ValidationError({"target": "Tags can only be merged with a tag of the same kind."})
    through = Question.tags.through
    already = through.objects.filter(tag=target).values("question_id")
    moved = through.objects.filter(tag=source).exclude(question_id__in=already)
    count = moved.update(tag=target)
    source.delete()
    return count


# --- Practice and the review queue -------------------------------------------------------------


def rating_for(*, correct: bool, confidence: int | None) -> Rating:
    """Wrong is Again; right is Hard when guessed, Good when fairly sure, Easy when certain."""
    if not correct:
        return Rating.Again
    if confidence == Confidence.GUESS:
        return Rating.Hard
    if confidence == Confidence.CERTAIN:
        return Rating.Easy
    return Rating.Good


def scheduler_for(member) -> Scheduler:
    retention = (
        QueueSettings.objects.filter(member=member)
        .values_list("desired_retention", flat=True)
        .first()
    )
    # Fuzzing off: two members answering alike get the same interval, which is easier to explain.
    return Scheduler(desired_retention=retention or DEFAULT_RETENTION, enable_fuzzing=False)


def _review(*, member, question_id: int, rating: Rating, when: datetime, scheduler: Scheduler):
    card_row = ReviewCard.objects.filter(member=member, question_id=question_id).first()
    card = Card.from_dict(card_row.state) if card_row else Card()
    card, _ = scheduler.review_card(card, rating, review_datetime=when)
    state = card.to_dict()
    if card_row:
        card_row.state, card_row.due = state, card.due
        card_row.save(update_fields=["state", "due"])
    else:
        card_row = ReviewCard.objects.create(
            member=member, question_id=question_id, state=state, due=card.due
        )
    return card_row


@transaction.atomic
def answer_question(
    *, member, question: Question, selected: list[int], confidence: int | None,
    source: str = AttemptSource.PRACTICE, when: datetime | None = None,
    response: dict | None = None,
) -> Attempt:  # fmt: skip
    """Record an answer to the published version and schedule the question in the member's
    review queue with FSRS. `selected` answers a choice type; `response` the others
    ({"stems": […]} for extended matching, {"text": "…"} for short answer and numerical).

    Side effects: an Attempt; the member's ReviewCard for the question created or updated.
    """
    version = question.published_version
    if version is None:
        raise PermissionDenied("This question is not published.")
    mask, response = checked_response(version, selected, response, required=True)
    when = when or timezone.now()
    credit = version.score(response_of(version.qtype, mask, response))
    attempt = Attempt.objects.create(
        member=member,
        question=question,
        version=version,
        selected_mask=mask,
        response=response,
        correct=credit >= 1,
        credit=credit,
        confidence=confidence,
        source=source,
        answered_at=when,
    )
    _review(
        member=member,
        question_id=question.pk,
        rating=rating_for(correct=attempt.correct, confidence=confidence),
        when=when,
        scheduler=scheduler_for(member),
    )
    return attempt


def checked_response(
    version: QuestionVersion, selected: list[int], response: dict | None, *, required: bool
) -> tuple[int, dict | None]:
    """(selected mask, stored response) for an answer, or ValidationError naming what is wrong."""
    if version.qtype in scoring.CHOICE_TYPES:
        if any(not 0 <= i < len(version.options) for i in selected):
            raise ValidationError({"answer": "That option is not on this question."})
        if required and not selected:
            raise ValidationError({"answer": "Choose an answer."})
        if version.qtype != scoring.MULTIPLE and len(selected) > 1:
            raise ValidationError({"answer": "Choose one answer."})
        return options_mask(selected), None
    response = response or {}
    if version.qtype == scoring.EMQ:
        stems = (version.details or {}).get("stems") or []
        chosen = list(response.get("stems") or [])[: len(stems)]
        chosen += [None] * (len(stems) - len(chosen))
        if any(c is not None and not 0 <= c < len(version.options) for c in chosen):
            raise ValidationError({"answer": "That option is not on this question."})
        if required and any(c is None for c in chosen):
            raise ValidationError({"answer": "Choose an option for every stem."})
        return 0, {"stems": chosen}
    text = " ".join(str(response.get("text", "")).split())[:200]
    if required and not text:
        raise ValidationError({"answer": "Type an answer."})
    if version.qtype == scoring.NUMERICAL and text and scoring.parse_number(text) is None:
        raise ValidationError({"answer": "Type a number (and a unit if the question asks)."})
    return 0, {"text": text}


@transaction.atomic
def add_to_review_queue(*, member, question: Question, when: datetime | None = None) -> ReviewCard:
    """Put a question the member got wrong elsewhere (a mock exam, a live session) into their
    queue, as a lapse: FSRS rates it Again, so it comes back soon.

    Side effects: the member's ReviewCard for the question created or updated.
    """
    return _review(
        member=member,
        question_id=question.pk,
        rating=Rating.Again,
        when=when or timezone.now(),
        scheduler=scheduler_for(member),
    )


def next_due_question(*, member, now: datetime | None = None) -> Question | None:
    card = (
        ReviewCard.objects.filter(member=member, due__lte=now or timezone.now())
        .order_by("due")
        .select_related("question__published_version")
        .first()
    )
    return card.question if card else None


def pick_practice_question(*, member, tags: list[Tag], year: int | None) -> Question | None:
    """A random published question matching the filters, preferring ones not yet answered."""
    base = Question.objects.practisable().for_year(year).tagged(tags)
    answered = Attempt.objects.filter(member=member).values("question_id")
    for queryset in (base.exclude(pk__in=answered), base):
        ids = list(queryset.values_list("pk", flat=True)[:500])
        if ids:
            return Question.objects.get(pk=random.choice(ids))  # noqa: S311 - not security
    return None


def answer_distribution(version: QuestionVersion) -> list[dict]:
    """How everyone answered this version: per option, the share who chose it. Counts and
    shares are None until NEARPEER_MIN_GROUP_SIZE members have answered: with fewer, someone
    who knows who practised could tell what each of them chose."""
    if not version.is_choice:
        return []
    attempts = Attempt.objects.filter(version=version)
    rows = attempts.values("selected_mask").annotate(n=Count("pk")).order_by()
    counts = {row["selected_mask"]: row["n"] for row in rows}
    total = sum(counts.values())
    withheld = (
        total < settings.NEARPEER_MIN_GROUP_SIZE
        or attempts.values("member").distinct().count() < settings.NEARPEER_MIN_GROUP_SIZE
    )
    result = []
    for i, option in enumerate(version.options):
        chose = sum(n for mask, n in counts.items() if mask & (1 << i))
        result.append(
            {
                "index": i,
                "text": option["text"],
                "correct": option["correct"],
                "feedback": option.get("feedback", ""),
                "count": None if withheld else chose,
                "share": None if withheld or not total else chose / total,
            }
        )
    return result


@transaction.atomic
def rate_question(*, member, question: Question, quality: int, difficulty: int) -> MemberRating:
    """Side effects: the member's one Rating of the question created or replaced."""
    rating, _ = MemberRating.objects.update_or_create(
        member=member,
        question=question,
        defaults={"quality": quality, "difficulty": difficulty, "rated_at": timezone.now()},
    )
    return rating


def rating_summary(question: Question) -> dict:
    """Average quality and difficulty members gave, for the practice pages; the averages are
    None below NEARPEER_MIN_GROUP_SIZE ratings (one rating is one member's exact opinion)."""
    summary = question.ratings.aggregate(
        n=Count("pk"), quality=Avg("quality"), difficulty=Avg("difficulty")
    )
    if summary["n"] < settings.NEARPEER_MIN_GROUP_SIZE:
        summary.update(quality=None, difficulty=None)
    return summary


@transaction.atomic
def set_desired_retention(*, member, retention: float) -> QueueSettings:
    """Side effects: the member's QueueSettings saved (future reviews use it)."""
    if not 0.7 <= retention <= 0.97:
        raise ValidationError({"desired_retention": "Choose between 0.70 and 0.97."})
    settings_row, _ = QueueSettings.objects.update_or_create(
        member=member, defaults={"desired_retention": retention}
    )
    return settings_row


# --- Mock papers -------------------------------------------------------------------------------


@transaction.atomic
def build_paper_from_blueprint(
    *, title: str, by, blueprint: dict[Tag, int], duration_minutes: int, rng=random,
    year: int | None = None,
) -> Paper:  # fmt: skip
    """Create a paper with so many published questions per specialty tag, drawn at random.

    Side effects: a Paper (draft) and its PaperItems, each pinned to the published version.
    Raises ValidationError naming the specialty that has too few questions.
    """
    chosen: list[Question] = []
    for tag, count in blueprint.items():
        if count <= 0:
            continue
        pool = list(
            Question.objects.practisable()
            .for_year(year)
            .filter(tags=tag)
            .exclude(pk__in=[q.pk for q in chosen])
            .select_related("published_version")
        )
        if len(pool) < count:
            raise ValidationError(
                {tag.name: f"{tag.name} has {len(pool)} published questions; {count} asked for."}
            )
        chosen += rng.sample(pool, count)
    if not chosen:
        raise ValidationError("Ask for at least one question.")
    paper = Paper.objects.create(title=title, created_by=by, duration_minutes=duration_minutes)
    add_paper_items(paper=paper, questions=chosen)
    return paper


@transaction.atomic
def add_paper_items(*, paper: Paper, questions: list[Question]) -> list[PaperItem]:
    """Side effects: PaperItems appended (questions already on the paper are skipped)."""
    if paper.status != PaperStatus.DRAFT:
        raise ValidationError("Only a paper being built can change.")
    present = set(paper.items.values_list("question_id", flat=True))
    start = paper.items.count()
    items = []
    for q in questions:
        if q.pk in present or not q.published_version_id:
            continue
        present.add(q.pk)
        items.append(
            PaperItem(
                paper=paper, position=start + len(items) + 1, question=q,
                version_id=q.published_version_id,
            )
        )  # fmt: skip
    return PaperItem.objects.bulk_create(items)


@transaction.atomic
def set_paper_status(*, paper: Paper, status: str) -> Paper:
    """Side effects: the paper's status saved; closing submits every unfinished sitting."""
    if status == PaperStatus.OPEN and not paper.items.exists():
        raise ValidationError("Add questions before opening the paper.")
    paper.status = status
    paper.save(update_fields=["status"])
    if status == PaperStatus.CLOSED:
        for sitting in paper.sittings.filter(submitted_at__isnull=True):
            submit_sitting(sitting=sitting)
    return paper


@transaction.atomic
def start_sitting(*, paper: Paper, candidate) -> Sitting:
    """Start (or resume) the candidate's sitting; the timer runs from the server's start time.

    Side effects: a Sitting on first start."""
    if paper.status != PaperStatus.OPEN:
        raise PermissionDenied("This paper is not open.")
    sitting, _ = Sitting.objects.get_or_create(paper=paper, candidate=candidate)
    return sitting


def sitting_time_is_up(sitting: Sitting, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return now > sitting.deadline + timezone.timedelta(seconds=GRACE_SECONDS)


@transaction.atomic
def save_sitting_answer(
    *,
    sitting: Sitting,
    item: PaperItem,
    selected: list[int],
    position: int | None = None,
    response: dict | None = None,
) -> SittingAnswer | None:
    """Autosave one answer (and where the candidate is). Refused once submitted or time is up.

    Side effects: the SittingAnswer upserted; the sitting's position saved."""
    sitting = Sitting.objects.select_for_update().select_related("paper").get(pk=sitting.pk)
    if sitting.finished or sitting_time_is_up(sitting):
        raise ValidationError("Time is up: this sitting is closed.")
    if item.paper_id != sitting.paper_id:
        raise PermissionDenied("That question is not on this paper.")
    mask, response = checked_response(item.version, selected, response, required=False)
    answer, _ = SittingAnswer.objects.update_or_create(
        sitting=sitting,
        item=item,
        defaults={"selected_mask": mask, "response": response, "saved_at": timezone.now()},
    )
    if position:
        sitting.position = position
        sitting.save(update_fields=["position"])
    return answer


@transaction.atomic
def submit_sitting(*, sitting: Sitting, now: datetime | None = None) -> Sitting:
    """Mark a sitting finished and score it.

    Side effects: score and submitted_at saved; an Attempt (source mock) per answered item;
    every question missed enters the candidate's review queue.
    """
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if sitting.finished:
        return sitting
    now = now or timezone.now()
    answers = {
        a.item_id: (a.selected_mask, a.response)
        for a in SittingAnswer.objects.filter(sitting=sitting)
    }
    score = 0.0
    attempts = []
    missed = []
    for item in sitting.paper.items.select_related("version", "question"):
        mask, stored = answers.get(item.pk, (0, None))
        response = response_of(item.version.qtype, mask, stored)
        credit = item.version.score(response)
        correct = credit >= 1
        score += credit
        if scoring.is_answered(item.version.qtype, response):
            attempts.append(
                Attempt(
                    member=sitting.candidate, question=item.question, version=item.version,
                    selected_mask=mask, response=stored, correct=correct, credit=credit,
                    source=AttemptSource.MOCK, answered_at=now,
                )
            )  # fmt: skip
        if not correct:
            missed.append(item.question)
    Attempt.objects.bulk_create(attempts)
    for question in missed:
        add_to_review_queue(member=sitting.candidate, question=question, when=now)
    sitting.score = score
    sitting.submitted_at = now
    sitting.save(update_fields=["score", "submitted_at"])
    return sitting


def sitting_feedback(sitting: Sitting) -> list[dict]:
    """Per specialty: how many right out of how many, for the candidate's own result page."""
    answers = {
        item_id: (mask, stored)
        for item_id, mask, stored in sitting.answers.values_list(
            "item_id", "selected_mask", "response"
        )
    }
    totals: Counter = Counter()
    right: Counter = Counter()
    items = sitting.paper.items.select_related("version").prefetch_related("question__tags")
    for item in items:
        specialties = [t.name for t in item.question.tags.all() if t.kind == TagKind.SPECIALTY]
        mask, stored = answers.get(item.pk, (0, None))
        correct = item.version.score(response_of(item.version.qtype, mask, stored))
        for name in specialties or ["Untagged"]:
            totals[name] += 1
            right[name] += correct
    return [
        {"specialty": name, "correct": right[name], "total": totals[name],
         "share": right[name] / totals[name]}
        for name in sorted(totals)
    ]  # fmt: skip


def paper_responses(paper: Paper) -> list[itemstats.Response]:
    """Submitted sittings as item-analysis input (candidates anonymised by sitting number)."""
    items = list(paper.items.select_related("version"))
    answers: dict[tuple[int, int], tuple[int, dict | None]] = {
        (sitting_id, item_id): (mask, stored)
        for sitting_id, item_id, mask, stored in SittingAnswer.objects.filter(
            sitting__paper=paper, sitting__submitted_at__isnull=False
        ).values_list("sitting_id", "item_id", "selected_mask", "response")
    }
    sittings = paper.sittings.filter(submitted_at__isnull=False).values_list("pk", flat=True)
    responses = []
    for n, sitting_id in enumerate(sittings, start=1):
        for item in items:
            version = item.version
            mask, stored = answers.get((sitting_id, item.pk), (0, None))
            response = response_of(version.qtype, mask, stored)
            responses.append(
                itemstats.Response(
                    candidate=f"C{n}",
                    item=f"Q{item.position}",
                    response=scoring.response_label(version.qtype, response),
                    key=version.key_label,
                    # Partial credit (EMQ, weighted answers) is scored here, not by matching keys.
                    credit=version.score(response),
                )
            )
    return responses


# --- Import and export -------------------------------------------------------------------------


def question_data(
    question: Question, version: QuestionVersion | None = None, *, with_files: bool = True
) -> formats.QuestionData:
    """The question as the formats read and write it. `with_files=False` leaves its image and
    attachments unread (for GIFT, which cannot carry them)."""
    version = version or question.published_version or question.latest_version
    tags = [t.label for t in question.tags.all()]
    tags += [f"year:{y}" for y in mask_to_years(question.year_mask)]
    image = None
    if version.image and with_files:
        try:
            with version.image.open("rb") as handle:
                data = handle.read(formats.MAX_IMAGE_BYTES + 1)
            name = version.image.name.rsplit("/", 1)[-1].split("-", 1)[-1]
            image = formats.Attachment(name=name, data=data, alt=version.image_alt)
        except OSError:
            image = None
    files = []
    for attachment in (version.attachments or []) if with_files else []:
        try:
            with default_storage.open(attachment["path"], "rb") as handle:
                data = handle.read(formats.MAX_IMAGE_BYTES + 1)
        except OSError:
            continue
        files.append(
            formats.Attachment(
                name=attachment["name"], data=data, alt=attachment.get("alt", ""),
                where=attachment["where"], content_type=attachment["content_type"],
            )
        )  # fmt: skip
    return formats.QuestionData(
        title=version.title,
        stem=version.stem,
        options=[(o["text"], bool(o["correct"])) for o in version.options],
        option_meta=[{k: o[k] for k in ("credit", "feedback") if k in o} for o in version.options],
        qtype=version.qtype,
        explanation=version.explanation,
        references=version.references,
        tags=sorted(tags),
        details=dict(version.details or {}),
        image=image,
        files=files,
        identity=f"nearpeer-question-{question.pk}",
    )


def _split_tags(labels: list[str]) -> tuple[list[tuple[str, str]], list[int], list[str]]:
    tags, years, problems = [], [], []
    for label in labels:
        kind, _, name = label.partition(":")
        kind = kind.strip().lower()
        name = name.strip().replace("_", " ")
        if kind == "year" and name.isdigit() and 1 <= int(name) <= 6:
            years.append(int(name))
        elif kind in TagKind.values and name and len(name) <= 60:
            tags.append((kind, name))
        elif label.strip():
            # Any other tag is kept as a free tag, never a failure.
            tags.append((TagKind.FREE, label.strip().replace("_", " ")[:60]))
    return tags, years, problems


def read_import_file(*, data: bytes, file_format: str) -> formats.ParseResult:
    """Parse a Moodle XML or GIFT file. Raises formats.FormatError when the file as a whole
    cannot be read (too large, not XML, not UTF-8, no questions)."""
    if file_format == ImportFormat.MOODLE_XML:
        return formats.parse_moodle_xml(data)
    if file_format != ImportFormat.GIFT:
        raise formats.FormatError(f"unknown format {file_format!r}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise formats.FormatError("the file is not UTF-8 text") from None
    return formats.parse_gift(text)


def import_title(q: formats.QuestionData) -> str:
    return (q.title or formats._title_from(q.stem))[:120]


def import_problems(parsed: formats.ParseResult, *, skip_unsupported: bool = False) -> list[str]:
    """Every reason the import cannot go ahead, by position. Unsupported items count unless the
    importer chose to leave them out."""
    problems = [str(p) for p in parsed.problems]
    if not skip_unsupported:
        problems += [
            f"{p} (import the rest with --skip-unsupported / the tick box)"
            for p in parsed.unsupported
        ]
    return sorted(problems, key=_position_key)


def import_tally(parsed: formats.ParseResult) -> str:
    """How much of a refused file could come in: ready as it is, needing a fix, or of a type
    Nearpeer does not hold (and whether --skip-unsupported would let the rest in)."""
    positions = parsed.positions or list(range(1, len(parsed.questions) + 1))
    bad = {p.position for p in parsed.problems}
    unsupported = {p.position for p in parsed.unsupported}
    total = len(set(positions) | bad | unsupported)
    ready = sum(1 for position in positions if position not in bad)
    text = f"Of the {total} item{'s' if total != 1 else ''} in the file, {ready} could come in as "
    text += "it is" if ready == 1 else "they are"
    if bad:
        text += f"; {len(bad)} need{'s' if len(bad) == 1 else ''} a fix"
    if unsupported:
        n = len(unsupported)
        text += f"; {n} {'is' if n == 1 else 'are'} of a type Nearpeer does not hold"
        if not bad and ready:
            text += f" (--skip-unsupported leaves {'it' if n == 1 else 'them'} out and imports"
            text += " the rest)"
    return text + "."


def _position_key(message: str) -> tuple[int, str]:
    words = message.split(" ", 2)
    number = words[1].rstrip(":") if len(words) > 1 else ""
    return (int(number) if number.isdigit() else 0, message)


def import_preview(parsed: formats.ParseResult) -> list[dict]:
    """Per item in the file: what comes in (type, options, key, tags), what is changed on the way
    and what is left out, with the reason. Unsupported items are listed as left out whole."""
    rows = []
    problems: dict[int, list[str]] = {}
    for p in parsed.problems:
        problems.setdefault(p.position, []).append(p.message)
    positions = parsed.positions or list(range(1, len(parsed.questions) + 1))
    for position, q in zip(positions, parsed.questions, strict=False):
        tags, years = _split_tags(q.tags)[:2]
        rows.append(
            {
                "position": position,
                "title": import_title(q),
                "qtype": QuestionType(q.qtype).label,
                "options": len(q.options),
                "key": scoring.key_label(q.qtype, q.option_dicts(), q.details),
                "tags": [f"{k}:{n}" for k, n in tags] + [f"year:{y}" for y in years],
                "changed": q.changed,
                "left_out": q.left_out,
                "problems": problems.get(position, []),
                "supported": True,
            }
        )
    for p in parsed.unsupported:
        rows.append(
            {
                "position": p.position,
                "title": "",
                "qtype": "",
                "options": 0,
                "key": "",
                "tags": [],
                "changed": [],
                "left_out": [p.message],
                "problems": [],
                "supported": False,
            }
        )
    return sorted(rows, key=lambda row: row["position"])


@transaction.atomic
def import_questions(
    *, parsed: formats.ParseResult, author, dry_run: bool = False, publish: bool = False,
    skip_unsupported: bool = False,
) -> list[Question]:  # fmt: skip
    """Import parsed questions, all or nothing: any problem raises ValidationError listing every
    bad question with its position, and nothing is written. Items of a type Nearpeer cannot hold
    are problems too, unless `skip_unsupported` says to leave them out and import the rest.

    Side effects: Questions with version 1 (draft, or published when `publish` is set by a
    committee member for an agreed bank), tags created as needed, an embedded image kept as the
    question's image. Dry run writes nothing.
    """
    problems = import_problems(parsed, skip_unsupported=skip_unsupported)
    prepared = []
    for q in parsed.questions:
        tags, years, _ = _split_tags(q.tags)
        prepared.append((q, tags, years))
    if problems:
        raise ValidationError(problems)
    if dry_run:
        return []
    created = []
    for q, tags, years in prepared:
        # Matched ignoring case, as the tag page does, so an import never adds a near-duplicate.
        tag_objects = [
            Tag.objects.filter(kind=k, name__iexact=n).first() or Tag.objects.create(kind=k, name=n)
            for k, n in dict.fromkeys(tags)
        ]
        content = {
            "title": import_title(q),
            "qtype": q.qtype,
            "stem": q.stem,
            "options": q.option_dicts(),
            "details": q.details,
            "explanation": q.explanation,
            "references": q.references,
        }
        image = _imported_image(q)
        if image is not None:
            content.update(image)
        content["attachments"] = _imported_files(q)
        question = save_question(author=author, question=None, content=content,
                                 tags=tag_objects, years=years)  # fmt: skip
        if publish:
            question.status = Status.PUBLISHED
            question.published_version = question.latest_version
            question.save(update_fields=["status", "published_version"])
        created.append(question)
    return created


def _imported_image(q: formats.QuestionData) -> dict | None:
    """The embedded image as version fields, checked by content like an uploaded one."""
    from django.core.files.base import ContentFile

    if q.image is None:
        return None
    mime = image_mime(q.image.data)
    if mime is None:
        q.left_out.append(f"file {q.image.name!r} is not a PNG, JPEG, GIF or WebP image")
        return None
    name = "".join(ch for ch in q.image.name if ch.isalnum() or ch in "._-")[-40:] or "image"
    return {
        "image": ContentFile(q.image.data, name=name),
        "image_type": mime,
        "image_alt": (q.image.alt or q.image.name)[:300],
    }


def _imported_files(q: formats.QuestionData) -> list[dict]:
    """Store the question's further images and files (the parser kept only images and PDFs,
    recognised by content) and describe them for QuestionVersion.attachments."""
    import uuid

    from django.core.files.base import ContentFile

    stored = []
    for file in q.files:
        content_type = formats.file_type(file.data)
        if content_type not in formats.FILE_TYPES:  # checked again: the data is what counts
            continue
        name = "".join(ch for ch in file.name if ch.isalnum() or ch in "._-")[-60:] or "file"
        path = default_storage.save(
            f"questions/files/{uuid.uuid4().hex}/{name}", ContentFile(file.data)
        )
        stored.append(
            {"name": file.name[:200], "path": path, "content_type": content_type,
             "alt": file.alt[:300], "where": file.where[:120]}
        )  # fmt: skip
    return stored


PENDING_IMPORT_LIFETIME = timezone.timedelta(days=1)


@transaction.atomic
def stage_import(
    *, by, filename: str, file_format: str, data: bytes, publish: bool = False
) -> PendingImport:
    """Keep an uploaded file until its preview is confirmed.

    Side effects: a PendingImport; the uploader's earlier pending imports, and anyone's older
    than a day, are deleted (an abandoned preview leaves nothing behind for long)."""
    stale = Q(uploaded_by=by) | Q(created_at__lt=timezone.now() - PENDING_IMPORT_LIFETIME)
    PendingImport.objects.filter(stale).delete()
    return PendingImport.objects.create(
        uploaded_by=by, filename=filename[-200:], file_format=file_format, data=data,
        publish=publish,
    )  # fmt: skip


@transaction.atomic
def confirm_import(*, pending: PendingImport, by, skip_unsupported: bool = False) -> list[Question]:
    """Import a previewed file, all or nothing, exactly as `nearpeer questions import` does.

    Side effects: as import_questions (credited to `by`); the PendingImport is deleted once the
    questions are written. Raises formats.FormatError or ValidationError and writes nothing."""
    pending = PendingImport.objects.select_for_update().get(pk=pending.pk)
    if pending.uploaded_by_id != by.pk:
        raise PermissionDenied("Only the member who uploaded the file can confirm it.")
    parsed = read_import_file(data=bytes(pending.data), file_format=pending.file_format)
    created = import_questions(
        parsed=parsed, author=by, publish=pending.publish, skip_unsupported=skip_unsupported
    )
    pending.delete()
    return created


def export_questions(*, tags: list[Tag], published_only: bool = True) -> list[formats.QuestionData]:
    queryset = Question.objects.tagged(tags)
    if published_only:
        queryset = queryset.practisable()
    return export_data(queryset)


def export_data(queryset, *, with_files: bool = True) -> list[formats.QuestionData]:
    """Each question of `queryset` as the formats write it (its published text where it has
    one, else its latest), in question order. Two queries, whatever the count, and one file
    read per image or attachment (none with `with_files=False`)."""
    queryset = queryset.select_related("published_version", "latest_version").prefetch_related(
        "tags"
    )
    return [question_data(q, with_files=with_files) for q in queryset.order_by("pk")]


# Export from the web (views.question_export): up to EXPORT_SYNC_LIMIT questions the file is
# answered at once; above, a background job builds it (jobs.export_questions_job) and its page
# offers it; above EXPORT_MAX_QUESTIONS the export is refused and the filters must narrow it.
# Files (images, PDFs; each at most formats.MAX_IMAGE_BYTES, 2 MB) are read into memory to go in
# the file, so they are counted too: more than EXPORT_SYNC_FILES goes to the background job,
# more than EXPORT_MAX_FILES (at most 600 MB whatever the files) is refused. GIFT carries none.
EXPORT_SYNC_LIMIT = 200
EXPORT_MAX_QUESTIONS = 5000
EXPORT_SYNC_FILES = 25
EXPORT_MAX_FILES = 300
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    # format: (label, file extension, content type)
    "moodle-xml": ("Moodle XML", "xml", "application/xml"),
    "gift": ("GIFT", "txt", "text/plain; charset=utf-8"),
    "anki": ("Anki deck (.apkg)", "apkg", "application/octet-stream"),
}


def exportable_questions(*, user, include_unpublished: bool = False):
    """The questions `user` may export, as a queryset: the published ones (which every member
    may practise), and with `include_unpublished` also those `permissions.can_see_question`
    lets them see besides: their own drafts and questions in review, and for reviewers
    (teachers, faculty, committee) everyone's questions in review. Nobody exports another
    member's draft. Side effects: none."""
    if not user.is_authenticated or not user.is_active:
        return Question.objects.none()
    visible = Q(published_version__isnull=False)
    if include_unpublished:
        visible |= Q(author=user)
        if is_reviewer(user):
            visible |= ~Q(status=Status.DRAFT)
    return Question.objects.filter(visible)


def select_for_export(
    *,
    user,
    include_unpublished: bool = False,
    tags: list[Tag] = (),
    year: int | None = None,
    ids: list[int] = (),
):
    """The export's questions: the given `ids` when any (each must be exportable by `user`,
    else ValidationError naming the ones that are not, as "Q12": a question they may not see
    is not told apart from one that does not exist), otherwise those matching `tags` and
    `year`. Side effects: none."""
    queryset = exportable_questions(user=user, include_unpublished=include_unpublished)
    if ids:
        found = set(queryset.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in dict.fromkeys(ids) if pk not in found]
        if missing:
            names = ", ".join(f"Q{pk}" for pk in missing)
            hint = (
                "" if include_unpublished else " (drafts and questions in review need the tick box)"
            )
            raise ValidationError(f"No question you may export: {names}{hint}.")
        return queryset.filter(pk__in=ids)
    return queryset.tagged(tags).for_year(year)


def export_media_count(queryset) -> int:
    """How many files (image and attachments of the version each question exports) `queryset`'s
    export would carry. Two queries of the versions' file fields, whatever the count; no file is
    opened. Side effects: none."""
    count = 0
    for published in (True, False):
        version = "published_version" if published else "latest_version"
        rows = (
            queryset.filter(published_version__isnull=not published)
            .exclude(**{f"{version}__image": "", f"{version}__attachments": []})
            .values_list(f"{version}__image", f"{version}__attachments")
        )
        count += sum(bool(image) + len(attachments or []) for image, attachments in rows)
    return count


def export_plan(queryset, file_format: str) -> tuple[str, int, str]:
    """Whether an export of `queryset` is built at once ("now"), by a background job ("job") or
    refused ("refuse"), with the number of questions and, when refused, why. Side effects:
    none."""
    n = queryset.count()
    if n == 0:
        return "refuse", n, "No question matches: nothing to export."
    if n > EXPORT_MAX_QUESTIONS:
        return "refuse", n, (
            f"{n} questions match: at most {EXPORT_MAX_QUESTIONS} go in one file. "
            "Narrow the filters."
        )  # fmt: skip
    files = 0 if file_format == "gift" else export_media_count(queryset)
    if files > EXPORT_MAX_FILES:
        return "refuse", n, (
            f"These {n} questions carry {files} images and files: at most {EXPORT_MAX_FILES} go "
            "in one file. Narrow the filters, or choose GIFT (which carries none)."
        )  # fmt: skip
    if n > EXPORT_SYNC_LIMIT or files > EXPORT_SYNC_FILES:
        return "job", n, ""
    return "now", n, ""


def export_file(
    *, questions: list[formats.QuestionData], file_format: str, deck_name: str
) -> bytes:
    """The file of `questions` in `file_format` (a key of EXPORT_FORMATS). Side effects: none
    (the Anki package is written in a temporary folder, then read back)."""
    if file_format == "anki":
        import tempfile
        from pathlib import Path

        from .rendering import render_markdown

        with tempfile.TemporaryDirectory(prefix="nearpeer-export-") as folder:
            path = Path(folder) / "deck.apkg"
            formats.write_anki(
                questions, deck_name=deck_name, path=str(path), render=render_markdown
            )
            return path.read_bytes()
    if file_format == "moodle-xml":
        return formats.write_moodle_xml(questions).encode("utf-8")
    if file_format == "gift":
        return formats.write_gift(questions).encode("utf-8")
    raise ValueError(f"unknown export format {file_format!r}")


def export_filename(file_format: str, *, when: datetime | None = None) -> str:
    stamp = (when or timezone.now()).strftime("%Y-%m-%d")
    return f"nearpeer-questions-{stamp}.{EXPORT_FORMATS[file_format][1]}"
