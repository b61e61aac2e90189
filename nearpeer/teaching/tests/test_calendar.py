from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching import services
from nearpeer.teaching.ical import CalendarEvent, build_calendar
from nearpeer.teaching.models import CalendarFeed
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory


def _events(response) -> dict:
    calendar = Calendar.from_ical(response.content)
    return calendar, {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_build_calendar_round_trips_without_django():
    start = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    event = CalendarEvent(
        uid="abc@example.org",
        summary="Renal physiology",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        stamp=start - timedelta(days=1),
        sequence=3,
        cancelled=True,
        url="https://example.org/sessions/1/",
        location="LT1",
    )

    calendar = Calendar.from_ical(build_calendar(name="Mine", events=[event]))

    (parsed,) = calendar.walk("VEVENT")
    assert (str(calendar["X-WR-CALNAME"]), str(calendar["VERSION"])) == ("Mine", "2.0")
    assert (str(parsed["UID"]), parsed["SEQUENCE"], str(parsed["STATUS"])) == (
        "abc@example.org",
        3,
        "CANCELLED",
    )
    assert (parsed["DTSTART"].dt, str(parsed["LOCATION"])) == (start, "LT1")


@pytest.mark.django_db
def test_member_feed_has_my_sessions_with_stable_uid_sequence_and_cancellation(
    client, member, session, lead_teacher, organiser
):
    services.register(session=session, member=member)
    dropped = SessionFactory(title="Dropped")
    services.register(session=dropped, member=member)
    services.cancel_session(session=dropped, by=organiser)
    SessionFactory(title="Not mine")
    feed = services.renew_calendar_feed(member=member)
    url = reverse("teaching:calendar-member-feed", kwargs={"token": feed.token})

    response = client.get(url)  # calendar apps are not signed in

    calendar, events = _events(response)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(calendar["X-WR-CALNAME"]).endswith(": my sessions")
    assert sorted(events) == ["Cardiac cycle", "Dropped (cancelled)"]
    live = events["Cardiac cycle"]
    assert str(live["UID"]) == f"{session.uid}@127.0.0.1"
    assert (live["SEQUENCE"], str(live["STATUS"]), live["DTSTART"].dt) == (
        0,
        "CONFIRMED",
        session.starts_at.replace(microsecond=0),
    )
    assert str(live["URL"]) == f"http://testserver/sessions/{session.pk}/"
    assert "DTSTAMP" in live
    cancelled = events["Dropped (cancelled)"]
    assert (cancelled["SEQUENCE"], str(cancelled["STATUS"])) == (1, "CANCELLED")


@pytest.mark.django_db
def test_member_feed_includes_sessions_i_teach_but_not_waitlisted_ones(
    client, session, lead_teacher
):
    full = SessionFactory(title="Waiting", capacity=1, target_years_mask=1 << 5)
    services.register(session=full, member=UserFactory(year=5))
    assert services.register(session=full, member=lead_teacher).status == "waitlisted"
    feed = services.renew_calendar_feed(member=lead_teacher)

    _, events = _events(
        client.get(reverse("teaching:calendar-member-feed", kwargs={"token": feed.token}))
    )

    assert sorted(events) == ["Cardiac cycle"]


@pytest.mark.django_db
def test_renewing_stops_the_old_link_and_revoking_stops_all(client, member):
    client.force_login(member)
    client.post(reverse("teaching:calendar-renew"))
    old = CalendarFeed.objects.get(member=member).token
    client.post(reverse("teaching:calendar-renew"))
    new = CalendarFeed.objects.get(member=member).token
    client.logout()

    def status(token):
        return client.get(
            reverse("teaching:calendar-member-feed", kwargs={"token": token})
        ).status_code

    assert (old != new, status(old), status(new)) == (True, 404, 200)
    client.force_login(member)
    client.post(reverse("teaching:calendar-revoke"))
    assert status(new) == 404


@pytest.mark.django_db
def test_series_feed_lists_the_series(client):
    series = SeriesFactory(title="Neuro")
    SessionFactory.create_batch(2, series=series)
    SessionFactory(title="Elsewhere")

    response = client.get(
        reverse("teaching:calendar-series-feed", kwargs={"token": series.calendar_token})
    )

    calendar, events = _events(response)
    assert (str(calendar["X-WR-CALNAME"]), len(events)) == ("Neuro", 2)


@pytest.mark.django_db
def test_calendar_page_offers_webcal_link(client, member):
    client.force_login(member)
    services.renew_calendar_feed(member=member)

    html = client.get(reverse("teaching:calendar-detail")).content.decode()

    token = CalendarFeed.objects.get(member=member).token
    assert f'href="webcal://testserver/calendar/{token}.ics"' in html
