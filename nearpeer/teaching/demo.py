"""A demo term of teaching around today: lecture series, clinical skills, tutorials, a mock exam
and a teacher-training workshop; past sessions with attendance and recordings, upcoming ones
with registrations (one full, with a waiting list). Idempotent: a series whose slug exists is
left alone, so a second run creates nothing."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from nearpeer.members.models import Role, RoleGrant, User

from .models import (
    Attendance,
    Material,
    MaterialView,
    Registration,
    Series,
    Session,
    SessionKind,
    SessionMode,
    SessionTeacher,
)

DOMAIN = "demo.nearpeer.org"
MEDIA = "https://media.demo.nearpeer.org"


@dataclass(frozen=True)
class SeriesPlan:
    slug: str
    title: str
    description: str
    kind: str
    years: tuple[int, ...]
    weekday: int  # Monday = 0
    at: time
    every_weeks: int
    first_week: int  # relative to this week; negative = in the past
    mode: str
    room: str
    capacity: int | None
    minutes: int
    titles: tuple[str, ...]


PLANS = [
    SeriesPlan(
        "demo-y1-anatomy",
        "Year 1 anatomy",
        "Evening walk-throughs of the anatomy you meet in the dissection room that week, with "
        "prosection photographs and a short quiz at the end.",
        SessionKind.LECTURE,
        (1,),
        0,
        time(18, 0),
        1,
        -6,
        SessionMode.HYBRID,
        "Lecture Theatre 2",
        None,
        60,
        (
            "Upper limb: brachial plexus without tears",
            "Lower limb: compartments and nerves",
            "Thorax: mediastinum and heart surface",
            "Abdomen: peritoneum made simple",
            "Pelvis and perineum",
            "Head and neck: triangles of the neck",
            "Neuroanatomy: tracts you must know",
            "Neuroanatomy: cranial nerves",
            "Back and spinal cord",
            "Surface anatomy for clinical exams",
            "Embryology essentials",
            "Anatomy revision quiz",
        ),
    ),
    SeriesPlan(
        "demo-y2-cardioresp",
        "Year 2 cardiovascular and respiratory",
        "Physiology and pharmacology of the heart and lungs, built around short cases.",
        SessionKind.LECTURE,
        (2,),
        1,
        time(18, 0),
        1,
        -6,
        SessionMode.ONLINE,
        "",
        None,
        60,
        (
            "The cardiac cycle",
            "Reading an ECG: the basics",
            "Heart failure mechanisms",
            "Valve disease at the bedside",
            "Drugs for hypertension",
            "Lung mechanics",
            "Gas exchange and V/Q",
            "Asthma and COPD",
            "Respiratory pharmacology",
            "Acid–base without fear",
            "Case mix: the breathless patient",
            "Cardiorespiratory revision",
        ),
    ),
    SeriesPlan(
        "demo-y3-clinical-reasoning",
        "Year 3 clinical reasoning",
        "From presenting complaint to differential diagnosis: talk-throughs of common "
        "presentations for students starting on the wards.",
        SessionKind.LECTURE,
        (3,),
        2,
        time(19, 0),
        1,
        -6,
        SessionMode.ONLINE,
        "",
        None,
        60,
        (
            "From history to differential",
            "Chest pain",
            "Abdominal pain",
            "Headache",
            "The febrile patient",
            "Falls in older adults",
            "Breathlessness",
            "Collapse and syncope",
            "Jaundice",
            "The acute rash",
            "Back pain red flags",
            "Putting it together",
        ),
    ),
    SeriesPlan(
        "demo-finals-revision",
        "Finals revision",
        "High-yield revision for final-year written papers, one specialty a week.",
        SessionKind.LECTURE,
        (5, 6),
        3,
        time(18, 30),
        1,
        -6,
        SessionMode.HYBRID,
        "Lecture Theatre 1",
        None,
        90,
        (
            "Cardiology",
            "Respiratory medicine",
            "Gastroenterology",
            "Endocrinology",
            "Renal medicine",
            "Neurology",
            "Haematology",
            "Infectious disease",
            "Paediatrics",
            "Obstetrics and gynaecology",
            "Psychiatry",
            "Ethics and law",
        ),
    ),
    SeriesPlan(
        "demo-clinical-skills",
        "Clinical skills practice",
        "Supervised practice on manikins in the skills centre. Places are limited.",
        SessionKind.CLINICAL_SKILLS,
        (3, 4),
        4,
        time(17, 0),
        2,
        -6,
        SessionMode.IN_PERSON,
        "Clinical Skills Centre, room B",
        16,
        120,
        (
            "Venepuncture and cannulation",
            "Blood cultures",
            "Arterial blood gas sampling",
            "Urinary catheterisation",
            "Basic suturing",
            "Basic life support",
        ),
    ),
    SeriesPlan(
        "demo-y3-tutorials",
        "Year 3 small-group tutorials",
        "Groups of eight work through a case with a final-year tutor.",
        SessionKind.TUTORIAL,
        (3,),
        3,
        time(17, 30),
        3,
        -5,
        SessionMode.IN_PERSON,
        "Seminar room 4",
        8,
        90,
        (
            "Tutorial: interpreting blood results",
            "Tutorial: the chest X-ray",
            "Tutorial: prescribing safely",
            "Tutorial: the deteriorating patient",
        ),
    ),
    SeriesPlan(
        "demo-mock-exams",
        "Mock exams",
        "Timed mock papers written and marked by student examiners, with a debrief.",
        SessionKind.MOCK_EXAM,
        (5, 6),
        5,
        time(10, 0),
        4,
        -3,
        SessionMode.IN_PERSON,
        "Exam hall",
        120,
        180,
        ("Finals mock: single-best-answer paper 1", "Finals mock: single-best-answer paper 2"),
    ),
    SeriesPlan(
        "demo-teacher-training",
        "Teacher training",
        "Workshops for student-teachers: planning a session, asking good questions, giving "
        "feedback.",
        SessionKind.WORKSHOP,
        (3, 4, 5, 6),
        2,
        time(17, 0),
        5,
        -4,
        SessionMode.IN_PERSON,
        "Education Centre, room 2",
        20,
        120,
        ("How to teach a small group", "Writing good single-best-answer questions"),
    ),
    SeriesPlan(
        "demo-early-clinical-skills",
        "Early clinical skills",
        "Hands-on practice for pre-clinical years in groups of eight: the examinations and "
        "procedures you will be asked to do on your first placements.",
        SessionKind.CLINICAL_SKILLS,
        (1, 2),
        3,
        time(17, 30),
        2,
        -5,
        SessionMode.IN_PERSON,
        "Clinical Skills Centre, room 1",
        16,
        90,
        (
            "Hand hygiene and putting on PPE",
            "Measuring a blood pressure",
            "Taking a history: the first ten minutes",
            "Pulse, heart sounds and the cardiovascular exam",
            "Chest expansion, percussion and breath sounds",
            "Recording observations and a NEWS2 score",
        ),
    ),
]


def seed(*, rng, stdout) -> None:
    existing = set(
        Series.objects.filter(slug__in=[p.slug for p in PLANS]).values_list("slug", flat=True)
    )
    plans = [p for p in PLANS if p.slug not in existing]
    if not plans:
        stdout.write("teaching: demo term already there")
        return
    people = _people()
    if not people.by_year:
        stdout.write("teaching: no demo members; run the members demo first")
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())

    series_rows = Series.objects.bulk_create(
        [
            Series(
                slug=p.slug,
                title=p.title,
                description=p.description,
                kind=p.kind,
                target_years_mask=_mask(p.years),
            )
            for p in plans
        ]
    )
    sessions: list[Session] = []
    for plan, series in zip(plans, series_rows, strict=True):
        for i, title in enumerate(plan.titles):
            day = this_monday + timedelta(
                weeks=plan.first_week + i * plan.every_weeks, days=plan.weekday
            )
            starts = datetime.combine(day, plan.at, tzinfo=zone)
            sessions.append(
                Session(
                    series=series,
                    title=title,
                    description=f"{plan.title}, session {i + 1} of {len(plan.titles)}.",
                    kind=plan.kind,
                    mode=plan.mode,
                    room=plan.room,
                    meeting_url=(
                        f"https://meet.demo.nearpeer.org/{plan.slug}-{i + 1}"
                        if plan.mode != SessionMode.IN_PERSON
                        else ""
                    ),
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=plan.minutes),
                    capacity=plan.capacity,
                    registration_closes_at=(starts - timedelta(hours=2) if plan.capacity else None),
                    target_years_mask=_mask(plan.years),
                )
            )
    # One cancellation, so calendars and notices have something to show.
    upcoming = [s for s in sessions if s.starts_at > now and s.kind == SessionKind.LECTURE]
    if upcoming:
        cancelled = upcoming[-1]
        cancelled.status = Session.Status.CANCELLED
        cancelled.sequence = 1
    Session.objects.bulk_create(sessions)

    _assign_teachers(sessions, people, rng)
    counts = _registrations_and_attendance(sessions, people, rng, now)
    _welcome_notifications(sessions, people, now)
    stdout.write(
        f"teaching: {len(series_rows)} series, {len(sessions)} sessions, "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
    )


class _People:
    def __init__(self):
        self.by_year: dict[int, list[int]] = {}
        self.teachers_by_year: dict[int, list[int]] = {}
        self.fixed: dict[str, int] = {}


def _people() -> _People:
    people = _People()
    teacher_ids = set(
        RoleGrant.objects.filter(role=Role.STUDENT_TEACHER).values_list("user_id", flat=True)
    )
    for pk, email, year in (
        User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True)
        .values_list("pk", "email", "year")
        .order_by("pk")
    ):
        local = email.split("@")[0]
        if not local.startswith("student"):
            people.fixed[local] = pk
        if year:
            people.by_year.setdefault(year, []).append(pk)
            if pk in teacher_ids:
                people.teachers_by_year.setdefault(year, []).append(pk)
    return people


def _mask(years) -> int:
    mask = 0
    for y in years:
        mask |= 1 << y
    return mask


def _years(session: Session) -> list[int]:
    return [y for y in range(1, 7) if session.target_years_mask & (1 << y)]


def _assign_teachers(sessions: list[Session], people: _People, rng) -> None:
    demo_teacher = people.fixed.get("teacher")
    rows = []
    for session in sessions:
        top = max(_years(session))
        pool = [t for y in range(min(top + 2, 6), 7) for t in people.teachers_by_year.get(y, [])]
        pool = pool or [t for ts in people.teachers_by_year.values() for t in ts]
        chosen = set(
            rng.sample(pool, min(len(pool), 2 if session.kind != SessionKind.LECTURE else 1))
        )
        # The demo teacher teaches the year 2 series and one clinical skills session.
        if demo_teacher and (
            session.series.slug == "demo-y2-cardioresp" or session.title == "Basic life support"
        ):
            chosen.add(demo_teacher)
        for i, teacher in enumerate(sorted(chosen)):
            rows.append(
                SessionTeacher(
                    session=session, teacher_id=teacher, role="lead" if i == 0 else "co-tutor"
                )
            )
    SessionTeacher.objects.bulk_create(rows)


def _registrations_and_attendance(sessions, people: _People, rng, now) -> dict[str, int]:
    registrations, attendances, materials = [], [], []
    demo_member, demo_member5 = people.fixed.get("member"), people.fixed.get("member5")
    full_session = next(
        (
            s
            for s in sessions
            if s.capacity and s.starts_at > now and s.kind == SessionKind.CLINICAL_SKILLS
        ),
        None,
    )
    upcoming_for = dict.fromkeys((demo_member, demo_member5), 0)
    for session in sorted(sessions, key=lambda s: s.starts_at):
        audience = [m for y in _years(session) for m in people.by_year.get(y, [])]
        past = session.ends_at < now
        if session.is_cancelled:
            continue
        share = rng.uniform(0.15, 0.45)
        chosen = [m for m in audience if rng.random() < share]
        must = [m for m in (demo_member, demo_member5) if m in audience]
        if session.starts_at > now:
            # The demo members are registered for the next three sessions of their year, and
            # for no other upcoming one (the random share must not add a fourth).
            chosen = [m for m in chosen if m not in upcoming_for]
            must = [m for m in must if upcoming_for[m] < 3]
            for m in must:
                upcoming_for[m] += 1
        chosen = list(dict.fromkeys(must + chosen))
        if session.capacity is not None:
            # Most capped sessions still have places; only one is full with a waiting list.
            chosen = chosen[: rng.randint(session.capacity // 2, session.capacity - 1)]
        if session is full_session:
            chosen = list(
                dict.fromkeys(must + rng.sample(audience, min(len(audience), session.capacity + 5)))
            )
        places = session.capacity if session.capacity is not None else len(chosen)
        queued = session.created_at - timedelta(days=14)
        for i, member in enumerate(chosen):
            status = (
                Registration.Status.REGISTERED if i < places else Registration.Status.WAITLISTED
            )
            registrations.append(
                Registration(
                    session=session,
                    member_id=member,
                    status=status,
                    queued_at=queued + timedelta(minutes=7 * i),
                    created_at=queued + timedelta(minutes=7 * i),
                )
            )
            if past and status == Registration.Status.REGISTERED and rng.random() < 0.75:
                attendances.append(
                    Attendance(
                        session=session,
                        member_id=member,
                        method=Attendance.Method.CODE,
                        checked_in_at=session.starts_at + timedelta(minutes=rng.randint(0, 12)),
                    )
                )
        if past and session.kind in (SessionKind.LECTURE, SessionKind.WORKSHOP):
            slug = f"{session.series.slug}-{session.pk}"
            if session.mode != SessionMode.IN_PERSON:
                materials.append(
                    Material(
                        session=session,
                        kind=Material.Kind.RECORDING,
                        title=f"Recording: {session.title}",
                        url=f"{MEDIA}/recordings/{slug}.mp4",
                        content_type="video/mp4",
                    )
                )
            materials.append(
                Material(
                    session=session,
                    kind=Material.Kind.SLIDES,
                    title=f"Slides: {session.title}",
                    url=f"{MEDIA}/slides/{slug}.pdf",
                    content_type="application/pdf",
                )
            )
    Registration.objects.bulk_create(registrations)
    Attendance.objects.bulk_create(attendances)
    Material.objects.bulk_create(materials)

    # Catch-up: some of the audience open the recording and slides afterwards.
    attended = {(a.session_id, a.member_id) for a in attendances}
    views = []
    for material in materials:
        session = material.session
        audience = [m for y in _years(session) for m in people.by_year.get(y, [])]
        for member in audience:
            chance = 0.1 if (session.pk, member) in attended else 0.25
            if member == demo_member and material.kind == Material.Kind.RECORDING:
                chance = 0.5
            if rng.random() < chance:
                views.append(
                    MaterialView(
                        material=material,
                        member_id=member,
                        first_viewed_at=min(
                            now - timedelta(minutes=5),
                            session.ends_at + timedelta(hours=rng.randint(2, 240)),
                        ),
                    )
                )
    MaterialView.objects.bulk_create(views)
    return {
        "registrations": len(registrations),
        "attendances": len(attendances),
        "materials": len(materials),
        "material views": len(views),
    }


def _welcome_notifications(sessions, people: _People, now) -> None:
    """A few in-app notifications for the demo member, as the reminder command would write."""
    from nearpeer.notifications.models import Category, Notification

    member = people.fixed.get("member")
    if member is None:
        return
    mine = (
        Registration.objects.filter(member_id=member, session__in=[s.pk for s in sessions])
        .select_related("session")
        .order_by("session__starts_at")
    )
    upcoming = [r.session for r in mine if r.session.starts_at > now][:2]
    rows = [
        Notification(
            recipient_id=member,
            category=Category.SESSIONS,
            title=f"Reminder: {s.title}",
            body=f"{s.title} is coming up. The joining link is on the session page.",
            url=s.get_absolute_url(),
            created_at=now - timedelta(hours=i + 1),
            read_at=None if i == 0 else now - timedelta(minutes=30),
        )
        for i, s in enumerate(upcoming)
    ]
    Notification.objects.bulk_create(rows)
