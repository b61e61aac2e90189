"""Cancelling a whole series asks first, and can be undone for a few minutes before anyone is
told (issue 14: nothing irreversible in one tap)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.notifications.models import Notification
from nearpeer.teaching import services
from nearpeer.teaching.models import Registration, SeriesCancellation, Session, SessionTeacher
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(lead_teacher):
    series = SeriesFactory(title="Renal block")
    past = SessionFactory(
        series=series,
        title="Renal 0",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-1),
    )
    upcoming = [
        SessionFactory(
            series=series,
            title=f"Renal {n}",
            starts_at=timezone.now() + timedelta(days=n),
            ends_at=timezone.now() + timedelta(days=n, hours=1),
        )
        for n in (1, 2, 3)
    ]
    SessionTeacher.objects.create(session=upcoming[0], teacher=lead_teacher)
    a, b = UserFactory.create_batch(2, year=2)
    for member, session in [(a, upcoming[0]), (a, upcoming[1]), (b, upcoming[2]), (b, past)]:
        Registration.objects.create(
            session=session, member=member, status=Registration.Status.REGISTERED
        )
    series.members = [a, b]
    return series


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """send_held_series_notices, with the notices it queues for after commit delivered."""

    def _send(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_held_series_notices(**kwargs)

    return _send


def statuses(series):
    return dict(series.sessions.values_list("title", "status"))


def test_get_asks_first_with_sessions_and_people_counted(client, organiser, series):
    client.force_login(organiser)

    response = client.get(reverse("teaching:series-cancel", args=[series.pk]))

    assert response.status_code == 200
    context = response.context
    assert ([s.title for s in context["sessions"]], context["members"], context["teachers"]) == (
        ["Renal 1", "Renal 2", "Renal 3"],
        2,
        1,
    )
    text = response.content.decode()
    assert "2 members with a place or on a waiting list will be told, and 1 teacher." in text
    assert "Yes, cancel 3 sessions" in text
    assert set(statuses(series).values()) == {"scheduled"}  # asking changed nothing


def test_post_cancels_at_once_but_tells_nobody_until_the_undo_time_is_over(
    client, organiser, series, lead_teacher, send, django_capture_on_commit_callbacks
):
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("teaching:series-cancel", args=[series.pk]), follow=True)

    assert statuses(series) == {
        "Renal 0": "scheduled",
        "Renal 1": "cancelled",
        "Renal 2": "cancelled",
        "Renal 3": "cancelled",
    }
    assert Notification.objects.count() == 0
    page = response.content.decode()
    assert "3 upcoming sessions of “Renal block” cancelled. Nobody is told until" in page
    assert "Undo the cancellation" in page

    held = SeriesCancellation.objects.get()
    assert send(now=held.notify_at - timedelta(seconds=1)) == 0
    assert send(now=held.notify_at) == 1
    assert send(now=held.notify_at) == 0  # exactly once
    told = sorted(Notification.objects.values_list("recipient__email", "title"))
    a, b = series.members
    assert told == sorted(
        [
            (a.email, "Cancelled: Renal 1"),
            (a.email, "Cancelled: Renal 2"),
            (b.email, "Cancelled: Renal 3"),
            (lead_teacher.email, "Cancelled: Renal 1"),
        ]
    )


def test_undo_puts_sessions_and_places_back_and_nobody_is_told(client, organiser, series, send):
    places_before = sorted(Registration.objects.values_list("pk", "status"))
    sequences = dict(series.sessions.values_list("title", "sequence"))
    client.force_login(organiser)
    client.post(reverse("teaching:series-cancel", args=[series.pk]))
    held = SeriesCancellation.objects.get()

    response = client.post(reverse("teaching:series-cancel-undo", args=[held.pk]), follow=True)

    assert set(statuses(series).values()) == {"scheduled"}
    assert sorted(Registration.objects.values_list("pk", "status")) == places_before
    # Calendars that saw the cancellation see it lifted (SEQUENCE grew twice).
    assert dict(series.sessions.values_list("title", "sequence")) == {
        title: seq + (0 if title == "Renal 0" else 2) for title, seq in sequences.items()
    }
    assert "Undone: 3 sessions of “Renal block” back on." in response.content.decode()
    assert send(now=held.notify_at + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 0


def test_undo_is_refused_once_people_have_been_told(organiser, series, send):
    held = services.cancel_series_with_undo(series=series, by=organiser)
    send(now=held.notify_at)

    with pytest.raises(ValueError, match="Too late to undo: members have been told"):
        services.undo_series_cancellation(cancellation=held)
    with pytest.raises(ValueError, match="Too late to undo"):
        services.undo_series_cancellation(
            cancellation=services.cancel_series_with_undo(series=SeriesFactory(), by=organiser),
            now=timezone.now() + services.SERIES_UNDO_WINDOW,
        )
    assert Session.objects.filter(series=series, status="cancelled").count() == 3


def test_periodic_command_announces_what_is_due(
    organiser, series, capsys, django_capture_on_commit_callbacks
):
    held = services.cancel_series_with_undo(series=series, by=organiser)
    SeriesCancellation.objects.filter(pk=held.pk).update(
        notify_at=timezone.now() - timedelta(seconds=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("teaching", "send-held-notices")

    assert capsys.readouterr().out == "Announced 1 series cancellation(s).\n"
    assert Notification.objects.count() == 4
