from datetime import timedelta

import pytest
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Category, Notification
from nearpeer.teaching import services
from nearpeer.teaching.forms import SessionForm
from nearpeer.teaching.models import Registration
from nearpeer.teaching.services import TeachingError
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db
REGISTERED, WAITLISTED, CANCELLED = (
    Registration.Status.REGISTERED,
    Registration.Status.WAITLISTED,
    Registration.Status.CANCELLED,
)


def test_register_gives_places_then_waitlists_in_order(session):
    a, b, c, d = UserFactory.create_batch(4)

    results = [services.register(session=session, member=m).status for m in (a, b, c, d)]

    assert results == [REGISTERED, REGISTERED, WAITLISTED, WAITLISTED]
    waiting = Registration.objects.filter(member__in=[c, d])
    assert [services.waitlist_position(r) for r in waiting.order_by("member__email")] == [1, 2]


def test_register_twice_returns_the_same_row(session, member):
    first = services.register(session=session, member=member)
    again = services.register(session=session, member=member)

    assert (again.pk, Registration.objects.count()) == (first.pk, 1)


def test_cancel_promotes_first_waitlisted_and_notifies_after_commit(
    session, django_capture_on_commit_callbacks
):
    a, b, c, d = UserFactory.create_batch(4)
    regs = [services.register(session=session, member=m) for m in (a, b, c, d)]

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(registration=regs[0], by=a)

    statuses = dict(Registration.objects.values_list("member_id", "status"))
    assert statuses == {a.pk: CANCELLED, b.pk: REGISTERED, c.pk: REGISTERED, d.pk: WAITLISTED}
    notes = list(Notification.objects.values_list("recipient_id", "category", "title"))
    assert notes == [(c.pk, Category.WAITLIST, "You have a place: Cardiac cycle")]


def test_promotion_notification_waits_for_commit(session, django_capture_on_commit_callbacks):
    a, b, c = UserFactory.create_batch(3)
    regs = [services.register(session=session, member=m) for m in (a, b, c)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel(registration=regs[0], by=a)

    assert (Notification.objects.count(), len(callbacks)) == (0, 1)


def test_cancelling_a_waitlisted_place_promotes_nobody(session):
    a, b, c, d = UserFactory.create_batch(4)
    regs = [services.register(session=session, member=m) for m in (a, b, c, d)]

    services.cancel(registration=regs[2], by=c)

    assert list(Registration.objects.order_by("pk").values_list("status", flat=True)) == [
        REGISTERED,
        REGISTERED,
        CANCELLED,
        WAITLISTED,
    ]


def test_reregistering_after_cancel_reuses_row_at_back_of_queue(session):
    a, b, c, d = UserFactory.create_batch(4)
    regs = [services.register(session=session, member=m) for m in (a, b, c, d)]
    services.cancel(registration=regs[2], by=c)  # c leaves the waiting list

    again = services.register(session=session, member=c)

    assert (again.pk, again.status) == (regs[2].pk, WAITLISTED)
    assert services.waitlist_position(again) == 2  # behind d, who stayed


def test_registration_closed_writes_nothing(member):
    session = SessionFactory(registration_closes_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(TeachingError, match=r"Registration for “.*” closed on"):
        services.register(session=session, member=member)

    assert Registration.objects.count() == 0


def test_teacher_and_other_years_cannot_register(session, lead_teacher):
    year5 = UserFactory(year=5)
    for person in (lead_teacher, year5):
        with pytest.raises(TeachingError, match="You cannot register for this session."):
            services.register(session=session, member=person)
    assert Registration.objects.count() == 0


def test_someone_else_cannot_cancel_my_place(session, member):
    registration = services.register(session=session, member=member)

    with pytest.raises(TeachingError, match="only cancel your own"):
        services.cancel(registration=registration, by=UserFactory())

    registration.refresh_from_db()
    assert registration.status == REGISTERED


def test_cancel_session_marks_cancelled_bumps_sequence_and_tells_everyone(
    session, organiser, django_capture_on_commit_callbacks
):
    a, b, c = UserFactory.create_batch(3)
    for m in (a, b, c):
        services.register(session=session, member=m)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_session(session=session, by=organiser)

    session.refresh_from_db()
    assert (session.status, session.sequence) == ("cancelled", 1)
    assert list(
        Notification.objects.filter(category=Category.TEACHING).values_list("recipient", "title")
    ) == [(session.teachers.get().pk, "Cancelled: Cardiac cycle")]
    assert sorted(
        Notification.objects.filter(category=Category.SESSIONS).values_list(
            "recipient_id", flat=True
        )
    ) == sorted([a.pk, b.pk, c.pk])


def _form_data(session, **changes):
    session.starts_at = session.starts_at.replace(second=0, microsecond=0)
    session.ends_at = session.ends_at.replace(second=0, microsecond=0)
    session.save()
    data = {
        "title": session.title,
        "description": session.description,
        "kind": session.kind,
        "mode": session.mode,
        "room": session.room,
        "meeting_url": "https://meet.example.org/x",
        "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "capacity": session.capacity,
        "target_years": ["2"],
    }
    data.update(changes)
    return data


def test_edit_of_time_bumps_sequence_and_notifies_registrants(
    session, organiser, member, django_capture_on_commit_callbacks
):
    session.meeting_url = "https://meet.example.org/x"
    session.save()
    services.register(session=session, member=member)
    later = timezone.localtime(session.starts_at + timedelta(hours=2))
    form = SessionForm(
        _form_data(
            session,
            starts_at=later.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(later + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
        instance=session,
    )
    assert form.is_valid(), form.errors

    with django_capture_on_commit_callbacks(execute=True):
        services.save_session(form=form, by=organiser)

    session.refresh_from_db()
    assert session.sequence == 1
    assert list(Notification.objects.values_list("recipient_id", "title")) == [
        (member.pk, "Changed: Cardiac cycle")
    ]


def test_edit_of_description_only_keeps_sequence_and_is_quiet(session, organiser, member):
    session.meeting_url = "https://meet.example.org/x"
    session.save()
    services.register(session=session, member=member)
    form = SessionForm(_form_data(session, description="Bring a stethoscope."), instance=session)
    assert form.is_valid(), form.errors

    services.save_session(form=form, by=organiser)

    session.refresh_from_db()
    assert (session.sequence, session.description, Notification.objects.count()) == (
        0,
        "Bring a stethoscope.",
        0,
    )


def test_more_capacity_promotes_waitlist(session, organiser):
    session.meeting_url = "https://meet.example.org/x"
    session.save()
    people = UserFactory.create_batch(4)
    for m in people:
        services.register(session=session, member=m)
    form = SessionForm(_form_data(session, capacity=3), instance=session)
    assert form.is_valid(), form.errors

    services.save_session(form=form, by=organiser)

    assert session.registrations.filter(status=REGISTERED).count() == 3


def test_session_form_rejects_end_before_start_and_missing_room(session):
    form = SessionForm(
        _form_data(
            session,
            mode="in_person",
            room="",
            ends_at=timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
            target_years=[],
        ),
        instance=session,
    )

    assert not form.is_valid()
    assert form.errors == {
        "target_years": ["Choose at least one target year."],
        "ends_at": ["The session must end after it starts."],
        "room": ["Give a room for an in-person or hybrid session."],
    }


def test_cancel_series_cancels_only_upcoming(organiser):
    series = SeriesFactory()
    past = SessionFactory(
        series=series,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-1),
    )
    upcoming = SessionFactory.create_batch(2, series=series)

    n = services.cancel_series(series=series, by=organiser)

    past.refresh_from_db()
    assert (n, past.status) == (2, "scheduled")
    assert {s.status for s in series.sessions.filter(pk__in=[u.pk for u in upcoming])} == {
        "cancelled"
    }
