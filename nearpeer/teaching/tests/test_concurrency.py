"""No overbooking under concurrent registration (PostgreSQL: real row locks, real threads)."""

import threading
import time

import pytest
from django.db import connection

from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching import services
from nearpeer.teaching.models import Registration
from nearpeer.teaching.tests.factories import SessionFactory

THREADS = 50


def _session_with_five_places_left():
    session = SessionFactory(capacity=30)
    earlier = UserFactory.create_batch(25)
    Registration.objects.bulk_create(
        Registration(session=session, member=m, status=Registration.Status.REGISTERED)
        for m in earlier
    )
    members = UserFactory.create_batch(THREADS)
    return session, members


def _run_in_threads(members, register):
    errors = []

    def worker(member):
        try:
            register(member)
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


def _statuses(session, members):
    rows = Registration.objects.filter(session=session, member__in=members)
    return sorted(rows.values_list("status", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_for_five_places_never_overbook(monkeypatch):
    session, members = _session_with_five_places_left()
    counted = services._places_left

    def slow_count(s):
        places = counted(s)
        time.sleep(0.005)  # widen the gap between counting and inserting
        return places

    monkeypatch.setattr(services, "_places_left", slow_count)
    start = threading.Barrier(THREADS)

    def register(member):
        start.wait(30)
        services.register(session=session, member=User.objects.get(pk=member.pk))

    _run_in_threads(members, register)

    assert _statuses(session, members) == ["registered"] * 5 + ["waitlisted"] * 45
    assert session.registrations.filter(status="registered").count() == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_same_check_then_insert_overbooks(monkeypatch):
    session, members = _session_with_five_places_left()
    counted = services._places_left
    everyone_counted = threading.Barrier(THREADS)

    def count_then_wait(s):
        places = counted(s)
        everyone_counted.wait(30)  # all threads have counted before anyone inserts
        return places

    monkeypatch.setattr(services, "_places_left", count_then_wait)

    def register(member):
        services.register(session=session, member=User.objects.get(pk=member.pk), lock=False)

    _run_in_threads(members, register)

    assert _statuses(session, members) == ["registered"] * THREADS  # 45 places too many
    assert session.registrations.filter(status="registered").count() == 25 + THREADS
