"""First-use journeys in a browser, at desktop and phone widths, with screenshots."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nearpeer.members.tests.factories import committee
from nearpeer.teaching.models import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-{name}.png", full_page=True)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_committee_makes_a_twelve_week_series_with_a_reading_week_gap(
    width, page, phone_page, live_server, sign_in, axe
):
    page = phone_page if width == "phone" else page
    chair = committee(name="Cara Chair")
    first = timezone.localdate() + timedelta(days=7)
    gap = first + timedelta(weeks=5)
    sign_in(page, chair)

    page.goto(f"{live_server.url}/committee/series/new/")
    page.get_by_label("Title").fill("Year 2 cardiology")
    page.get_by_label("Year 2").check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("heading", name="Schedule sessions of “Year 2 cardiology”")
    ).to_be_visible()
    page.get_by_label("On", exact=True).select_option(str(first.weekday()))
    page.get_by_label("Starts at (24-hour)").fill("18:00")
    page.get_by_label("From").fill(first.isoformat())
    page.get_by_label("Number of sessions").fill("12")
    page.get_by_label("Dates to leave out").fill(f"{gap - timedelta(days=1)} to {gap}")
    page.get_by_label("Room").fill("Lecture theatre 2")
    page.get_by_role("button", name="Preview the dates").click()

    preview = page.locator(".schedule-preview li")
    expect(preview).to_have_count(12)  # waits for the preview to arrive (count() would not)
    assert axe(page) == []
    _shot(page, f"series-preview-{width}")
    page.get_by_role("button", name="Create these 12 sessions").click()

    expect(page.get_by_text("12 sessions of “Year 2 cardiology” created")).to_be_visible()
    days = [timezone.localtime(s.starts_at).date() for s in Session.objects.order_by("starts_at")]
    assert len(days) == 12 and gap not in days
    assert days[5] - days[4] == timedelta(weeks=2)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_member_browses_the_week_view(width, page, phone_page, live_server, sign_in, axe):
    from nearpeer.members.tests.factories import UserFactory
    from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

    page = phone_page if width == "phone" else page
    member = UserFactory(name="Ada Member", year=2)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    tz = timezone.get_current_timezone()
    series = SeriesFactory(title="Year 2 cardiology", target_years_mask=1 << 2)
    for offset, title in [(1, "Heart sounds"), (1, "ECG basics"), (3, "Murmurs")]:
        starts = timezone.datetime.combine(
            monday + timedelta(days=offset), timezone.datetime.min.time(), tzinfo=tz
        ) + timedelta(hours=17 + len(title) % 3)
        SessionFactory(
            title=title, series=series, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
    sign_in(page, member)

    page.goto(f"{live_server.url}/timetable/")
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_role("link", name="Next week").click()
    page.wait_for_load_state("networkidle")

    tuesday = page.locator(".week-day").nth(1)
    assert tuesday.locator(".session-line").count() == 2
    expect(page.locator(".week-day").nth(3).get_by_role("link", name="Murmurs")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert axe(page) == []
    _shot(page, f"timetable-week-{width}")
    page.get_by_role("link", name="Month", exact=True).click()
    page.wait_for_load_state("networkidle")
    if page.locator(".month-grid a", has_text="Murmurs").count() == 0:  # the week began last month
        page.get_by_role("link", name="Next month").click()
        page.wait_for_load_state("networkidle")
    expect(page.locator(".month-grid").get_by_role("link", name="Murmurs")).to_be_visible()
    assert axe(page) == []
    _shot(page, f"timetable-month-{width}")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_teacher_marks_attendance_on_a_phone(width, page, phone_page, live_server, sign_in, axe):
    from nearpeer.members.tests.factories import UserFactory, teacher
    from nearpeer.teaching import services
    from nearpeer.teaching.models import Attendance
    from nearpeer.teaching.tests.factories import SessionFactory

    page = phone_page if width == "phone" else page
    tutor = teacher(name="Tess Tutor")
    session = SessionFactory(title="Chest X-rays: a systematic approach to the film")
    session.teachers.add(tutor)
    students = [UserFactory(name=n) for n in ("Ada Early", "Bartholomew Longname-Smythe")]
    for s in students:
        services.register(session=session, member=s)
    sign_in(page, tutor)

    page.goto(f"{live_server.url}/teach/")
    assert axe(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.get_by_role("link", name=f"Register list for {session.title}").click()
    button = page.get_by_role("button", name="Mark Bartholomew Longname-Smythe present")
    box = button.bounding_box()
    assert box["height"] >= 44  # a thumb-sized target
    button.click()

    row = page.locator(f"#row-{students[1].pk}")
    row.locator(".badge-ok", has_text="Present").wait_for()
    assert row.get_by_role("button", name="Mark Bartholomew Longname-Smythe absent").is_visible()
    assert list(Attendance.objects.values_list("member__name", flat=True)) == [students[1].name]
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert axe(page) == []
    _shot(page, f"register-{width}")


def test_teachers_are_ticked_from_a_filtered_list_not_ctrl_click(page, live_server, sign_in, axe):
    from nearpeer.members.tests.factories import teacher

    chair = committee(name="Cara Chair")
    for name in ["Amal", "Bea", "Cy", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo"]:
        teacher(name=f"{name} Tutor")
    sign_in(page, chair)
    page.goto(f"{live_server.url}/committee/sessions/new/")

    page.get_by_label("Filter the names").fill("han")

    visible = page.locator("input.filterable-choice:visible")
    assert visible.count() == 1
    page.get_by_label("Hana Tutor").check()
    page.get_by_label("Filter the names").fill("")
    assert page.locator("input.filterable-choice:visible").count() == 10  # with the chair
    assert axe(page) == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_cancelling_a_series_asks_first_and_can_be_undone(
    width, page, phone_page, live_server, sign_in, axe
):
    from nearpeer.members.tests.factories import UserFactory
    from nearpeer.notifications.models import Notification
    from nearpeer.teaching.models import Registration
    from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

    page = phone_page if width == "phone" else page
    series = SeriesFactory(title="Renal block")
    sessions = [
        SessionFactory(
            series=series,
            title=f"Renal {n}",
            starts_at=timezone.now() + timedelta(days=n),
            ends_at=timezone.now() + timedelta(days=n, hours=1),
        )
        for n in (1, 2)
    ]
    for member in UserFactory.create_batch(3, year=2):
        Registration.objects.create(session=sessions[0], member=member, status="registered")
    sign_in(page, committee(name="Cara Chair"))

    page.goto(f"{live_server.url}/committee/series/{series.pk}/edit/")
    page.get_by_role("link", name="Cancel all upcoming sessions of this series…").click()
    asked = page.get_by_text("3 members with a place or on a waiting list will be told")
    assert asked.is_visible()
    assert axe(page) == []
    _shot(page, f"series-cancel-confirm-{width}")
    page.get_by_role("button", name="Yes, cancel 2 sessions").click()

    expect(page.get_by_text("2 upcoming sessions of “Renal block” cancelled.")).to_be_visible()
    assert set(Session.objects.values_list("status", flat=True)) == {"cancelled"}
    assert axe(page) == []
    _shot(page, f"series-cancel-undo-{width}")
    page.get_by_role("button", name="Undo the cancellation").click()

    expect(page.get_by_text("Undone: 2 sessions of “Renal block” back on.")).to_be_visible()
    assert set(Session.objects.values_list("status", flat=True)) == {"scheduled"}
    assert Notification.objects.count() == 0
