import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from nearpeer.members import demo as members_demo
from nearpeer.members.models import Role, RoleGrant, User
from nearpeer.notifications.models import Notification
from nearpeer.teaching import demo as teaching_demo
from nearpeer.teaching.models import (
    Attendance,
    Material,
    MaterialView,
    Registration,
    Series,
    Session,
    SessionKind,
    SessionTeacher,
)

MODELS = [
    User,
    RoleGrant,
    Series,
    Session,
    SessionTeacher,
    Registration,
    Attendance,
    Material,
    MaterialView,
    Notification,
]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def seed() -> None:
    rng, out = random.Random(2026), StringIO()
    members_demo.seed(rng=rng, stdout=out)
    teaching_demo.seed(rng=rng, stdout=out)


@pytest.fixture
def seeded(db):
    seed()


def test_seeding_twice_changes_nothing(seeded):
    first = counts()

    seed()

    assert counts() == first
    assert first["User"] > 400 and first["Session"] > 50


def test_seed_demo_command_is_idempotent(db):
    # How long seeding takes is a benchmark's business, not a test's (a loaded CI machine made
    # a 20 s limit fail while nothing was wrong).
    call_command("seed_demo", stdout=StringIO())
    first = counts()

    call_command("seed_demo", stdout=StringIO())

    assert counts() == first


def test_demo_logins_and_roles(seeded):
    def roles(local):
        user = User.objects.get(email=f"{local}@demo.nearpeer.org")
        return (user.year, user.is_staff, sorted(user.roles), user.check_password("nearpeer-demo"))

    assert roles("committee") == (4, True, [Role.COMMITTEE], True)
    assert roles("teacher") == (5, False, [Role.STUDENT_TEACHER], True)
    assert roles("faculty") == (None, False, [Role.FACULTY], True)
    assert roles("member") == (2, False, [], True)
    assert roles("member5") == (5, False, [], True)
    assert roles("lead") == (None, False, [Role.EVALUATION_LEAD], True)


def test_demo_society_shape(seeded):
    role_counts = dict(RoleGrant.objects.values_list("role").annotate(n=Count("id")))
    years = dict(
        User.objects.filter(email__startswith="student").values_list("year").annotate(n=Count("id"))
    )

    assert role_counts == {
        Role.STUDENT_TEACHER: 31,
        Role.COMMITTEE: 5,
        Role.FACULTY: 2,
        Role.EVALUATION_LEAD: 1,
    }
    assert sorted(years) == [1, 2, 3, 4, 5, 6] and min(years.values()) >= 66
    assert User.objects.filter(intercalating=True).exclude(year=4).count() == 0
    assert User.objects.filter(intercalating=True).count() > 5
    assert User.objects.filter(is_staff=True).count() == 5


def test_demo_term_has_past_and_upcoming_teaching(seeded):
    now = timezone.now()
    kinds = set(Session.objects.values_list("kind", flat=True))
    assert kinds == set(SessionKind.values)
    assert Attendance.objects.filter(session__ends_at__lt=now).count() > 100
    assert Attendance.objects.filter(session__starts_at__gt=now).count() == 0
    assert (
        Material.objects.filter(url__startswith="https://").count() == Material.objects.count() > 20
    )
    assert MaterialView.objects.count() > 100
    full = Session.objects.annotate(
        taken=Count("registrations", filter=Q(registrations__status="registered")),
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted")),
    ).filter(starts_at__gt=now, waiting__gt=0)
    assert [(s.taken == s.capacity, s.waiting) for s in full] == [(True, 5)]
    member = User.objects.get(email="member@demo.nearpeer.org")
    upcoming = Registration.objects.filter(member=member, session__starts_at__gt=now)
    assert upcoming.count() == 3
    assert Notification.objects.filter(recipient=member).count() == 2


def test_no_overbooking_in_demo(seeded):
    over = (
        Session.objects.filter(capacity__isnull=False)
        .annotate(taken=Count("registrations", filter=Q(registrations__status="registered")))
        .filter(taken__gt=F("capacity"))
    )
    assert list(over) == []
