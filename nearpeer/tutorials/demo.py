"""Demo content: an open tutorial programme with sign-ups, and a mentoring scheme.

Idempotent: everything hangs off get_or_create of the programme and the scheme."""

from datetime import time, timedelta

from django.utils import timezone

from nearpeer.members.models import Role, RoleGrant, User

from .models import (
    INTERESTS,
    Availability,
    MentoringEntry,
    MentoringScheme,
    Programme,
    SignUp,
    Slot,
)

DOMAIN = "demo.nearpeer.org"
SLOTS = [
    (0, time(18, 0), 90),
    (1, time(18, 0), 90),
    (2, time(17, 30), 90),
    (3, time(18, 0), 90),
    (5, time(10, 0), 120),
]

# Accounts the demo has to create (when the members demo has too few people with a role) get
# ordinary names, so the allocation review reads like a real one.
_DEMO_NAMES = (
    "Aisha Rahman",
    "Tom Gallagher",
    "Priya Nair",
    "Kwame Asante",
    "Eleanor Walsh",
    "Hamza Qureshi",
    "Chloe Bennett",
    "Daniel Okafor",
    "Mei Lin Tan",
    "Oliver Hughes",
    "Fatima Zahra",
    "Rory McAllister",
    "Sana Iqbal",
    "Jonah Fraser",
    "Amara Eze",
)
_NAME_START = {"osce-tutor": 0, "buddy-mentor": 6, "osce-tutee": 10}


def _user(email: str, name: str, year: int | None, roles=()) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"name": name, "year": year})
    if created:
        user.set_password("nearpeer-demo")
        user.save(update_fields=["password"])
        for role in roles:
            RoleGrant.objects.get_or_create(user=user, role=role)
    return user


def _people(year: int, count: int, prefix: str, roles=()) -> list[User]:
    found = list(
        User.objects.filter(year=year, email__endswith=f"@{DOMAIN}", is_active=True).order_by(
            "email"
        )[:count]
    )
    if roles:
        found = [u for u in found if u.role_grants.filter(role__in=roles).exists()]
    n = 1
    while len(found) < count:
        start = _NAME_START.get(prefix, 0)
        name = _DEMO_NAMES[(start + n - 1) % len(_DEMO_NAMES)]
        found.append(_user(f"{prefix}{n:02d}@{DOMAIN}", name, year, roles))
        n += 1
    return found


def _answers(rng, slots, evening_bias: float) -> dict[int, str]:
    out = {}
    for slot in slots:
        weight = evening_bias if slot.start_time.hour >= 17 else 1 - evening_bias
        roll = rng.random()
        out[slot.pk] = "yes" if roll < weight * 0.6 else "if_need_be" if roll < 0.75 else "no"
    return out


def seed(*, rng, stdout) -> None:
    boss = _user(f"committee@{DOMAIN}", "Demo Committee", 4, [Role.COMMITTEE])
    programme, created = Programme.objects.get_or_create(
        title="Year 3 OSCE, spring",
        defaults={
            "description": "Weekly small-group OSCE practice: history taking, examinations and "
            "explaining skills, with one or two final-year tutors per group.",
            "target_years_mask": 1 << 3,
            "signup_deadline": timezone.now() + timedelta(days=14),
            "first_week": timezone.localdate()
            + timedelta(days=21 - timezone.localdate().weekday()),
            "weeks": 6,
            "location": "Clinical skills centre",
            "created_by": boss,
        },
    )
    if created:
        slots = Slot.objects.bulk_create(
            Slot(programme=programme, weekday=d, start_time=t, duration_minutes=m)
            for d, t, m in SLOTS
        )
        tutees = _people(3, 30, "osce-tutee")
        tutors = [_user(f"teacher@{DOMAIN}", "Demo Teacher", 5, [Role.STUDENT_TEACHER])]
        tutors += _people(5, 5, "osce-tutor", roles=[Role.STUDENT_TEACHER])
        tutors = list({u.pk: u for u in tutors}.values())
        signups = []
        for member in tutors:
            signups.append(
                (
                    SignUp.objects.create(
                        programme=programme,
                        member=member,
                        role=SignUp.Role.TUTOR,
                        max_groups=rng.choice((1, 1, 2)),
                        wants_co_tutor=rng.random() < 0.3,
                    ),
                    _answers(rng, slots, 0.8),
                )
            )
        tutee_rows = []
        for member in tutees:
            row = SignUp.objects.create(programme=programme, member=member, role="tutee")
            tutee_rows.append(row)
            signups.append((row, _answers(rng, slots, 0.7)))
        Availability.objects.bulk_create(
            Availability(signup=s, slot_id=k, answer=v)
            for s, answers in signups
            for k, v in answers.items()
        )
        for i in range(0, len(tutee_rows) - 2, 3):  # friends in threes, naming one or two
            a, b, c = tutee_rows[i : i + 3]
            a.friends.set([b, c] if rng.random() < 0.5 else [b])
            b.friends.set([a])
        stdout.write(f"Tutorials: {programme} with {len(tutee_rows)} tutees, {len(tutors)} tutors")

    scheme, created = MentoringScheme.objects.get_or_create(
        title="Clinical years buddy scheme",
        defaults={
            "description": "Starting clinical placements? A student from years 5–6 can show "
            "you the ropes: careers, research, wellbeing, or just how ward rounds work.",
            "target_years_mask": 1 << 3,
            "signup_deadline": timezone.now() + timedelta(days=21),
            "created_by": boss,
        },
    )
    if created:
        topics = [key for key, _ in INTERESTS]
        for member in _people(5, 4, "buddy-mentor"):
            MentoringEntry.objects.create(
                scheme=scheme,
                member=member,
                role="mentor",
                capacity=rng.choice((1, 2, 3)),
                interests=rng.sample(topics, 3),
            )
        for member in _people(3, 40, "osce-tutee")[30:40]:
            MentoringEntry.objects.create(
                scheme=scheme, member=member, role="mentee", interests=rng.sample(topics, 2)
            )
        stdout.write(f"Tutorials: {scheme} with mentors and mentees")
