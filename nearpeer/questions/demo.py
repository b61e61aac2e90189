"""Demo question bank: ~60 published questions, a few in review, one open mock paper with
sittings, practice answers from demo students. Idempotent: questions are found by title."""

import functools
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from nearpeer.members.models import Role, RoleGrant

from . import services
from .demo_bank import BANK, IN_REVIEW, TYPED
from .models import Attempt, Paper, PaperStatus, Question, QuestionVersion, Status, Tag, TagKind

PASSWORD = "nearpeer-demo"  # noqa: S105 - the documented demo password
PAPER_TITLE = "Clinical sciences mock, autumn"


@functools.cache
def _hashed_password() -> str:
    # Hashing is deliberately slow (argon2); the minimal demo users share one hash.
    return make_password(PASSWORD)


def _user(email: str, name: str, year: int | None, role: str | None = None):
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, name=name, year=year)
        user.password = _hashed_password()
        user.save(update_fields=["password"])
    if role and not user.has_role(role):
        RoleGrant.objects.get_or_create(user=user, role=role)
        user.__dict__.pop("roles", None)
    return user


def _create(entry, *, author, status: str, reviewer):
    specialty, system, years, title, stem, options, keys, explanation = entry
    # Options are shuffled per question (seeded by its title) so the key is not always A.
    order = list(range(len(options)))
    random.Random(title).shuffle(order)
    content = {
        "title": title,
        "qtype": "multiple" if len(keys) > 1 else "single",
        "stem": stem,
        "options": [{"text": options[i], "correct": i in keys} for i in order],
        "explanation": explanation,
        "references": "",
    }
    tags = [
        Tag.objects.get_or_create(kind=TagKind.SPECIALTY, name=specialty)[0],
        Tag.objects.get_or_create(kind=TagKind.SYSTEM, name=system)[0],
        Tag.objects.get_or_create(kind=TagKind.EXAM, name="Written")[0],
    ]
    question = services.save_question(
        author=author, question=None, content=content, tags=tags, years=list(years)
    )
    # Demo history is written directly rather than through transition_question, which would
    # send a notification email for every step of every question.
    question.status = status
    if status in (Status.PEER_REVIEWED, Status.PUBLISHED):
        question.peer_reviewer = reviewer
    if status == Status.PUBLISHED:
        question.published_version = question.latest_version
    question.save(update_fields=["status", "peer_reviewer", "published_version"])
    return question


def _demo_answer(version, *, right: bool, rng) -> tuple[list[int], dict | None]:
    """A plausible answer of any type: the key, or a wrong one."""
    details = version.details or {}
    if version.qtype == "emq":
        stems = details.get("stems", [])
        n = len(version.options)
        return [], {"stems": [s["key"] if right else rng.randrange(n) for s in stems]}
    if version.qtype == "short":
        return [], {"text": details["accepted"][0]["text"] if right else "not sure"}
    if version.qtype == "numerical":
        value = details["accepted"][0]["value"]
        return [], {"text": f"{value if right else value * 2:g}"}
    key = [i for i, o in enumerate(version.options) if o["correct"]]
    return (key if right else [rng.randrange(len(version.options))]), None


def seed(*, rng, stdout) -> None:
    committee = _user("committee@demo.nearpeer.org", "Demo Committee", 4, Role.COMMITTEE)
    teacher = _user("teacher@demo.nearpeer.org", "Demo Teacher", 5, Role.STUDENT_TEACHER)
    _user("faculty@demo.nearpeer.org", "Demo Faculty", None, Role.FACULTY)
    member = _user("member@demo.nearpeer.org", "Demo Member", 2)
    member5 = _user("member5@demo.nearpeer.org", "Demo Member Five", 5)
    writers = [member5, member, teacher]
    other_teacher = (
        get_user_model()
        .objects.filter(role_grants__role=Role.STUDENT_TEACHER)
        .exclude(pk=teacher.pk)
        .order_by("pk")
        .first()
    ) or _user("teacher2@demo.nearpeer.org", "Demo Teacher Two", 6, Role.STUDENT_TEACHER)
    students = [
        _user(f"student{n:04d}@demo.nearpeer.org", f"Student {n:04d}", 1 + n % 6)
        for n in range(1, 41)
    ]
    existing = set(QuestionVersion.objects.values_list("title", flat=True))
    created = 0
    for n, entry in enumerate(BANK):
        if entry[3] in existing:
            continue
        author = writers[n % len(writers)]
        # A question is never peer-reviewed by its own author.
        reviewer = teacher if author != teacher else other_teacher
        question = _create(entry, author=author, status=Status.PUBLISHED, reviewer=reviewer)
        created += 1
        # Practice answers, so the distribution of how others answered has something to show.
        local = random.Random(f"answers-{entry[3]}")
        version = question.published_version
        key = [i for i, o in enumerate(version.options) if o["correct"]]
        for student in local.sample(students, min(len(students), 12)):
            right = local.random() < 0.65
            wrong = [i for i in range(len(version.options)) if i not in key]
            selected = key if right else [local.choice(wrong)]
            services.answer_question(
                member=student, question=question, selected=selected,
                confidence=local.choice([1, 2, 3]),
            )  # fmt: skip
    for n, (specialty, system, years, title, fields) in enumerate(TYPED):
        if title in existing:
            continue
        tags = [
            Tag.objects.get_or_create(kind=TagKind.SPECIALTY, name=specialty)[0],
            Tag.objects.get_or_create(kind=TagKind.SYSTEM, name=system)[0],
        ]
        question = services.save_question(
            author=writers[n % len(writers)], question=None,
            content={"title": title, "references": "", **fields}, tags=tags, years=list(years),
        )  # fmt: skip
        question.status = Status.PUBLISHED
        question.peer_reviewer = teacher if question.author != teacher else other_teacher
        question.published_version = question.latest_version
        question.save(update_fields=["status", "peer_reviewer", "published_version"])
        created += 1
    for n, entry in enumerate(IN_REVIEW):
        if entry[3] in existing:
            continue
        status = [Status.SUBMITTED, Status.SUBMITTED, Status.PEER_REVIEWED, Status.DRAFT][n % 4]
        _create(entry, author=member5 if n % 2 else member, status=status, reviewer=teacher)
        created += 1
    if not Paper.objects.filter(title=PAPER_TITLE).exists():
        blueprint = {
            Tag.objects.get(kind=TagKind.SPECIALTY, name=name): 2
            for name in ("Cardiology", "Respiratory medicine", "Renal medicine", "Endocrinology",
                         "Neurology")
        }  # fmt: skip
        paper = services.build_paper_from_blueprint(
            title=PAPER_TITLE, by=committee, blueprint=blueprint, duration_minutes=20,
            rng=random.Random(PAPER_TITLE),
        )  # fmt: skip
        services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
        local = random.Random("sittings")
        for student in students[:15]:
            sitting = services.start_sitting(paper=paper, candidate=student)
            for item in paper.items.select_related("version"):
                if local.random() < 0.05:
                    continue
                selected, response = _demo_answer(item.version, right=local.random() < 0.6,
                                                  rng=local)  # fmt: skip
                services.save_sitting_answer(
                    sitting=sitting, item=item, selected=selected, response=response
                )
            services.submit_sitting(sitting=sitting)
        created += 1
    _practice_history(member, rng=random.Random("member-history"))
    stdout.write(f"questions: {created} demo questions/papers created")


def _practice_history(member, *, rng) -> None:
    """Three months of the demo member's practice, getting better with time, so that their
    progress page and review queue show what a member who practises sees."""
    if Attempt.objects.filter(member=member).exists():
        return
    now = timezone.now()
    published = list(
        Question.objects.filter(status=Status.PUBLISHED)
        .select_related("published_version")
        .order_by("pk")[:40]
    )
    rng.shuffle(published)  # so that each specialty spreads over the months
    for n, question in enumerate(published):
        days_ago = 90 - (n * 85) // max(1, len(published))
        right = rng.random() < 0.45 + 0.4 * n / max(1, len(published))
        selected, _ = _demo_answer(question.published_version, right=right, rng=rng)
        services.answer_question(
            member=member, question=question, selected=selected,
            confidence=rng.choice([1, 2, 3, 3]) if right else rng.choice([1, 1, 2, 3]),
            when=now - timedelta(days=days_ago, hours=rng.randrange(8)),
        )  # fmt: skip
