from datetime import date, time

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.teaching.models import Session
from nearpeer.teaching.recurrence import (
    Schedule,
    ScheduleError,
    occurrences,
    parse_exceptions,
)
from nearpeer.teaching.tests.factories import SeriesFactory

READING_WEEK = "2027-02-15 to 2027-02-19"


def test_twelve_weeks_with_reading_week_ends_a_week_later():
    schedule = Schedule(
        first_date=date(2027, 1, 12),
        weekday=1,
        count=12,
        exceptions=parse_exceptions(READING_WEEK),
    )

    dates = occurrences(schedule)

    assert len(dates) == 12
    assert date(2027, 2, 16) not in dates
    assert (dates[0], dates[4], dates[5], dates[-1]) == (
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 2, 23),
        date(2027, 4, 6),
    )


def test_fortnightly_until_a_date_starts_on_the_first_matching_weekday():
    dates = occurrences(
        Schedule(first_date=date(2027, 1, 1), weekday=0, interval=2, until=date(2027, 2, 8))
    )

    assert dates == [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either a number of sessions or an end date"),
        ({"count": 3, "until": date(2027, 3, 1)}, "either a number of sessions or an end date"),
        ({"count": 61}, "between 1 and 60"),
        ({"until": date(2026, 12, 1)}, "end date is before the first date"),
        ({"until": date(2029, 1, 1)}, "at most 60 at once"),
    ],
)
def test_impossible_schedules_say_what_to_change(kwargs, message):
    with pytest.raises(ScheduleError, match=message):
        occurrences(Schedule(first_date=date(2027, 1, 1), weekday=0, **kwargs))


def test_bad_exception_line_is_named():
    with pytest.raises(ScheduleError, match="Line 2 of the dates to leave out"):
        parse_exceptions("2027-02-16\nnext tuesday")


@pytest.fixture
def series(db):
    return SeriesFactory(title="Year 2 cardiology", target_years_mask=1 << 2, kind="lecture")


def _schedule_data(**extra):
    return {
        "title": "Cardiology",
        "number_titles": "on",
        "interval": "1",
        "weekday": "1",
        "start_time": "18:00",
        "duration": "90",
        "first_date": "2027-01-12",
        "count": "12",
        "exceptions": READING_WEEK,
        "mode": "in_person",
        "room": "Lecture theatre 2",
        "capacity": "80",
        **extra,
    }


def test_preview_creates_nothing_then_create_makes_the_sessions(client, organiser, series):
    client.force_login(organiser)
    url = reverse("teaching:series-schedule", args=[series.pk])

    preview = client.post(url, _schedule_data(action="preview"))
    assert len(preview.context["preview"]) == 12 and Session.objects.count() == 0

    client.post(url, _schedule_data(action="create"))

    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    local = [timezone.localtime(s.starts_at) for s in sessions]
    assert len(sessions) == 12
    assert [s.title for s in sessions[:2]] == ["Cardiology 1", "Cardiology 2"]
    # 18:00 London time on both sides of the clock change (28 March 2027).
    assert {t.time() for t in local} == {time(18, 0)}
    assert {(s.ends_at - s.starts_at).seconds for s in sessions} == {90 * 60}
    assert date(2027, 2, 16) not in {t.date() for t in local}
    assert {(s.target_years_mask, s.capacity, s.room) for s in sessions} == {
        (1 << 2, 80, "Lecture theatre 2")
    }


def test_schedule_errors_are_shown_on_the_form(client, organiser, series):
    client.force_login(organiser)

    response = client.post(
        reverse("teaching:series-schedule", args=[series.pk]),
        _schedule_data(count="", exceptions="soon", action="preview"),
    )

    assert response.status_code == 400
    assert "Line 1 of the dates to leave out" in response.content.decode()


def test_edit_this_and_following_moves_the_rest_of_the_series(client, organiser, series, member):
    client.force_login(organiser)
    client.post(
        reverse("teaching:series-schedule", args=[series.pk]), _schedule_data(action="create")
    )
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    third = sessions[2]
    data = {
        "series": series.pk,
        "title": third.title,
        "description": "",
        "kind": "lecture",
        "mode": "in_person",
        "room": "Seminar room 4",
        "meeting_url": "",
        "starts_at": "2027-01-26T17:30",
        "ends_at": "2027-01-26T19:30",
        "capacity": "40",
        "registration_closes_at": "",
        "target_years": ["2"],
        "apply_to": "following",
    }

    response = client.post(reverse("teaching:session-edit", args=[third.pk]), data)

    assert response.status_code == 302
    after = list(Session.objects.filter(series=series).order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in after] == (
        ["18:00", "18:00"] + ["17:30"] * 10
    )
    assert {(s.room, s.capacity) for s in after[2:]} == {("Seminar room 4", 40)}
    assert [s.title for s in after] == [s.title for s in sessions]
    assert after[0].room == "Lecture theatre 2"
