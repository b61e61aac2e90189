from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.teaching.models import Attendance, Material, Registration
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_until_full_then_waitlist_then_a_cancellation_promotes(
    page, phone_page, live_server, sign_in, axe
):
    session = SessionFactory(title="Heart sounds", capacity=1)
    ada = UserFactory(name="Ada Early", email="ada@example.ac.uk")
    ben = UserFactory(name="Ben Later", email="ben@example.ac.uk")
    url = f"{live_server.url}{session.get_absolute_url()}"

    sign_in(page, ada)
    page.goto(url)
    assert axe(page) == []
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You have a place at “Heart sounds”.")).to_be_visible()

    sign_in(phone_page, ben)
    phone_page.goto(url)
    phone_page.get_by_role("button", name="Join the waiting list").click()
    assert phone_page.locator(".badge-warn").inner_text() == "You are number 1 on the waiting list"

    page.get_by_role("button", name="Cancel my place").click()
    expect(page.get_by_text("Your place at “Heart sounds” is cancelled.")).to_be_visible()

    phone_page.reload()
    expect(phone_page.locator(".badge-ok", has_text="You have a place")).to_be_visible()
    assert Registration.objects.get(member=ben).status == "registered"


def test_member_checks_in_on_a_phone_with_the_code_the_teacher_shows(
    page, phone_page, live_server, sign_in, axe
):
    tutor = teacher(name="Tess Tutor")
    start = timezone.now() - timedelta(minutes=5)
    session = SessionFactory(
        title="Chest X-rays", starts_at=start, ends_at=start + timedelta(hours=1)
    )
    session.teachers.add(tutor)
    student = UserFactory(name="Sam Student")

    sign_in(page, tutor)
    page.goto(f"{live_server.url}/teach/sessions/{session.pk}/check-in/")
    code = page.locator(".checkin-code").inner_text()
    expect(page.locator("img.checkin-qr")).to_be_visible()
    assert axe(page) == []

    sign_in(phone_page, student)
    phone_page.goto(f"{live_server.url}/check-in/")
    assert axe(phone_page) == []
    phone_page.get_by_label("Check-in code").fill(code.lower())
    phone_page.get_by_role("button", name="Check in").click()

    expect(phone_page.get_by_text("You are checked in to “Chest X-rays”.")).to_be_visible()
    assert list(Attendance.objects.values_list("member__name", "method")) == [
        ("Sam Student", "code")
    ]


def test_main_pages_pass_axe(page, live_server, sign_in, axe):
    organiser = committee(name="Cora Committee", year=2)
    series = SeriesFactory(title="Cardio")
    upcoming = SessionFactory(title="ECGs", series=series)
    SessionFactory(title="Valves", mode="in_person", room="LT1")
    start = timezone.now() - timedelta(days=2)
    past = SessionFactory(title="Missed", starts_at=start, ends_at=start + timedelta(hours=1))
    Material.objects.create(session=past, kind="recording", title="Rec", url="https://e.org/r")
    Registration.objects.create(session=upcoming, member=organiser, status="registered")

    sign_in(page, organiser)
    found = {}
    for path in ("/", "/timetable/", upcoming.get_absolute_url(), "/committee/", "/catch-up/"):
        page.goto(live_server.url + path)
        found[path] = axe(page)

    assert found == {path: [] for path in found}
    page.goto(live_server.url + "/timetable/")
    page.get_by_label("Mode").select_option("in_person")
    page.wait_for_url("**mode=in_person**")
    assert page.locator(".session-card").count() == 1
