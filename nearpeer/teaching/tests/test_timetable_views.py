from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.teaching.models import Attendance
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _at(day, hour=18, **kwargs):
    starts = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    starts += timedelta(hours=hour)
    return SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1), **kwargs)


def _monday_next_week():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def test_week_view_puts_sessions_under_their_day(client, member):
    monday = _monday_next_week()
    _at(monday + timedelta(days=1), title="Tuesday ECGs")
    _at(monday + timedelta(days=8), title="Next week's session")
    client.force_login(member)

    response = client.get(
        reverse("teaching:timetable"), {"view": "week", "date": monday.isoformat()}
    )

    days = response.context["weeks"][0]
    assert [d["date"] for d in days] == [monday + timedelta(days=i) for i in range(7)]
    assert [[s.title for s in d["sessions"]] for d in days] == [
        [],
        ["Tuesday ECGs"],
        [],
        [],
        [],
        [],
        [],
    ]
    html = response.content.decode()
    assert f"date={(monday + timedelta(days=7)).isoformat()}" in html and "18:00" in html


def test_month_view_shows_the_month_only(client, member):
    first = (_monday_next_week() + timedelta(days=40)).replace(day=1)
    _at(first + timedelta(days=2), title="In the month")
    _at(first - timedelta(days=1), title="Month before")
    client.force_login(member)

    response = client.get(reverse("teaching:timetable"), {"view": "month", "date": str(first)})

    listed = [
        s.title
        for w in response.context["weeks"]
        for d in w
        if d["in_range"]
        for s in d["sessions"]
    ]
    assert listed == ["In the month"] and response.context["session_count"] == 1


def test_search_and_date_range_in_the_list(client, member):
    monday = _monday_next_week()
    _at(monday, title="Heart sounds")
    _at(monday + timedelta(days=14), title="Heart failure")
    _at(monday, title="Renal physiology", description="kidney")
    client.force_login(member)

    response = client.get(
        reverse("teaching:timetable"),
        {"q": "heart", "date_from": str(monday), "date_to": str(monday + timedelta(days=2))},
    )

    assert [s.title for s in response.context["page"].object_list] == ["Heart sounds"]


def test_member_is_offered_only_series_with_sessions_and_no_other_years(client, member):
    SessionFactory(series=SeriesFactory(title="Running series", target_years_mask=1 << 2))
    SeriesFactory(title="Empty series", target_years_mask=1 << 2)
    SeriesFactory(title="Year 5 series", target_years_mask=1 << 5)
    client.force_login(member)

    form = client.get(reverse("teaching:timetable")).context["form"]

    assert [s.title for s in form.fields["series"].queryset] == ["Running series"]
    assert "year" not in form.fields  # a year-2 member may attend year 2 only


def test_checked_in_replaces_cancel_my_place(client, member, session):
    from nearpeer.teaching import services

    services.register(session=session, member=member)
    Attendance.objects.create(session=session, member=member)
    client.force_login(member)

    detail = client.get(session.get_absolute_url()).content.decode()
    listing = client.get(reverse("teaching:timetable")).content.decode()

    assert "Checked in" in detail and "Cancel my place" not in detail
    assert ">Checked in</span>" in listing


@pytest.mark.parametrize("n", [1, 3])
def test_week_view_query_count(client, member, n, django_assert_num_queries):
    monday = _monday_next_week()
    for i in range(n):
        _at(monday + timedelta(days=i), series=SeriesFactory())
    client.force_login(member)

    params = {"view": "week", "date": monday.isoformat()}
    # Session, user and roles, the scope check; the cached part (series choices, sessions,
    # their teachers; the visible_to subqueries folded in, no count as the week is not
    # paginated); the member's own badges. A second request reads the cached part and roles,
    # and confirms the scope in the same query as the badges (services.timetable_live).
    with django_assert_num_queries(8):
        cold = client.get(reverse("teaching:timetable"), params)
    with django_assert_num_queries(3):
        warm = client.get(reverse("teaching:timetable"), params)

    label = f"{n} session{'s' if n > 1 else ''} this week"
    assert label in cold.content.decode() and label in warm.content.decode()


def test_cancelling_a_session_asks_first_saying_who_is_told(client, organiser, session, member):
    from nearpeer.teaching import services

    services.register(session=session, member=member)
    client.force_login(organiser)
    url = reverse("teaching:session-cancel", args=[session.pk])

    page = client.get(url).content.decode()
    session.refresh_from_db()

    assert "1 member registered or waiting will be told" in page
    assert session.status == "scheduled"
    client.post(url)
    session.refresh_from_db()
    assert session.status == "cancelled"


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response.url.endswith("icons/nearpeer.svg")
