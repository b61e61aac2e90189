"""Indicators of value computed from the platform's own data (evaluation sits at the top of the
app graph, so it reads teaching, questions and tutorials directly)."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from nearpeer.members.models import Phase, Role
from nearpeer.teaching.models import (
    Attendance,
    Material,
    MaterialView,
    Registration,
    Session,
    SessionTeacher,
)


@dataclass
class Indicator:
    name: str
    value: str
    detail: str


def academic_year_start(today: date | None = None) -> datetime:
    today = today or timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    return timezone.make_aware(datetime.combine(date(year, 9, 1), time()))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %" if d else "–"


def attendance_by_phase(since: datetime, now: datetime) -> list[Indicator]:
    """Share of members (with at least one registration for a past session this year) who
    attended more than 75 % of the sessions they registered for."""
    first_clinical = settings.NEARPEER_CLINICAL_FROM_YEAR
    rows = (
        Registration.objects.filter(
            status=Registration.Status.REGISTERED,
            session__starts_at__gte=since,
            session__ends_at__lt=now,
            session__status=Session.Status.SCHEDULED,
        )
        .values("member_id", "member__year")
        .annotate(
            registered=Count("pk", distinct=True),
            attended=Count(
                "session__attendances",
                filter=Q(session__attendances__member_id=F("member_id")),
                distinct=True,
            ),
        )
    )
    by_phase = {Phase.PRE_CLINICAL: [0, 0], Phase.CLINICAL: [0, 0]}
    for row in rows:
        year = row["member__year"]
        if year is None:
            continue
        phase = Phase.CLINICAL if year >= first_clinical else Phase.PRE_CLINICAL
        by_phase[phase][1] += 1
        if row["attended"] > 0.75 * row["registered"]:
            by_phase[phase][0] += 1
    return [
        Indicator(
            f"Attending > 75 % of their sessions ({phase.label.lower()})",
            _pct(n, d),
            f"{n} of {d} members registered for past sessions this year",
        )
        for phase, (n, d) in by_phase.items()
    ]


def recordings_watched(since: datetime) -> Indicator:
    views = MaterialView.objects.filter(
        material__kind=Material.Kind.RECORDING, first_viewed_at__gte=since
    )
    members = views.values("member_id").distinct().count()
    return Indicator("Recordings watched", str(views.count()), f"by {members} members this year")


def giving_back(since: datetime) -> Indicator:
    """Teachers this year who attended sessions as members in earlier years."""
    teachers = set(
        SessionTeacher.objects.filter(session__starts_at__gte=since).values_list(
            "teacher_id", flat=True
        )
    )
    earlier = set(
        Attendance.objects.filter(member_id__in=teachers, session__starts_at__lt=since)
        .values_list("member_id", flat=True)
        .distinct()
    )
    return Indicator(
        "Giving back: teachers who once attended",
        _pct(len(earlier), len(teachers)),
        f"{len(earlier)} of {len(teachers)} teachers this year attended as members in earlier"
        " years",
    )


def question_bank_contributions(since: datetime) -> Indicator:
    from nearpeer.questions.models import Question, Status

    written = Question.objects.filter(created_at__gte=since)
    authors = written.values("author_id").distinct().count()
    published = written.filter(status__in=[Status.PUBLISHED]).count()
    return Indicator(
        "Question bank contributions",
        str(written.count()),
        f"questions written this year by {authors} members; {published} published so far",
    )


def tutorial_placement(since: datetime) -> Indicator:
    from nearpeer.tutorials.models import Programme, SignUp, TutorialGroup

    published = Programme.objects.filter(status=Programme.Status.PUBLISHED, created_at__gte=since)
    tutees = SignUp.objects.filter(programme__in=published, role=SignUp.Role.TUTEE)
    placed = (
        TutorialGroup.members.through.objects.filter(
            tutorialgroup__programme__in=published, signup__role=SignUp.Role.TUTEE
        )
        .values("signup_id")
        .distinct()
        .count()
    )
    total = tutees.count()
    return Indicator(
        "Tutorial placement",
        _pct(placed, total),
        f"{placed} of {total} tutees who signed up were placed in a group",
    )


def platform_indicators_from_other_apps(since: datetime) -> list[Indicator]:
    return [question_bank_contributions(since), tutorial_placement(since)]


def platform_indicators(now: datetime | None = None) -> list[Indicator]:
    now = now or timezone.now()
    since = academic_year_start(timezone.localtime(now).date())
    teachers = (
        SessionTeacher.objects.filter(session__starts_at__gte=since)
        .values("teacher_id")
        .distinct()
        .count()
    )
    return [
        *attendance_by_phase(since, now),
        recordings_watched(since),
        giving_back(since),
        Indicator(
            "Student-teachers this year",
            str(teachers),
            f"{Role.STUDENT_TEACHER.label}s who taught a session",
        ),
        *platform_indicators_from_other_apps(since),
    ]
