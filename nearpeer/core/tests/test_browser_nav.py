"""The main menu on a phone: one "Menu" button (a <details>), working by keyboard and without
JavaScript, the header search still in reach; on a desktop the links in a row. The members
list becomes cards on a phone. Screenshots go to $NEARPEER_SHOTS_DIR when it is set."""

import os

import pytest
from playwright.sync_api import expect

from nearpeer.core.tests.browser import PHONE
from nearpeer.members.tests.factories import UserFactory, committee

SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-{name}.png")


def _header_height(page) -> float:
    return page.evaluate(
        "() => document.querySelector('.site-header').getBoundingClientRect().height"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_menu_opens_by_keyboard_and_leads_to_a_page(phone_page, live_server, sign_in, axe):
    page = phone_page
    sign_in(page, committee(email="boss@example.ac.uk"))
    page.goto(f"{live_server.url}/")
    menu = page.locator("summary.nav-toggle")
    timetable = page.get_by_role("navigation", name="Main").get_by_role("link", name="Timetable")

    closed = (menu.is_visible(), timetable.is_visible(), page.get_by_label("Search").is_visible())
    height = _header_height(page)
    same_row = menu.bounding_box()["y"] < page.get_by_label("Search").bounding_box()["y"]
    _shot(page, "nav-phone-closed")
    menu.focus()
    page.keyboard.press("Enter")
    opened = (
        timetable.is_visible(),
        page.evaluate("() => document.querySelector('details.nav-menu').open"),
    )
    _shot(page, "nav-phone-open")
    findings = axe(page)
    timetable.click()
    page.wait_for_load_state()

    assert closed == (True, False, True)
    # Brand and Menu on one row, the search on the next: no longer three lines of links.
    assert (same_row, height < 150) == (True, True)
    assert opened == (True, True)
    assert findings == []
    assert page.url == f"{live_server.url}/timetable/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_desktop_shows_the_links_in_a_row_and_no_menu_button(page, live_server, sign_in):
    sign_in(page, UserFactory(year=2, email="m@example.ac.uk"))
    page.goto(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Main")

    _shot(page, "nav-desktop")

    assert page.locator("summary.nav-toggle").is_visible() is False
    expect(nav.get_by_role("link", name="Timetable")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_menu_works_without_javascript(width, _browser, live_server, client):
    from django.conf import settings

    member = UserFactory(year=2, email="nojs@example.ac.uk")
    client.force_login(member)
    viewport = PHONE if width == "phone" else {"width": 1280, "height": 900}
    context = _browser.new_context(viewport=viewport, java_script_enabled=False)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Library")
        before = link.is_visible()
        if width == "phone":
            page.locator("summary.nav-toggle").click()
        after = link.is_visible()
    finally:
        context.close()

    assert (before, after) == (width == "desktop", True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_members_list_is_cards_on_a_phone(phone_page, live_server, sign_in, axe):
    page = phone_page
    UserFactory.create_batch(3, year=3)
    UserFactory(
        year=4,
        name="Bartholomew Featherstonehaugh-Longname",
        email="a.very.long.address.indeed@students.example.ac.uk",
    )
    sign_in(page, committee(email="boss@example.ac.uk"))
    page.goto(f"{live_server.url}/members/committee/members/")

    row = page.locator("table.stack tbody tr").first
    display = row.evaluate("el => getComputedStyle(el).display")
    wide = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    wrap = page.locator(".table-wrap").evaluate("w => w.scrollWidth - w.clientWidth")
    label = page.locator("td[data-label=Email]").first.evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-members-phone.png", full_page=True)

    assert (display, wide, wrap, label) == ("block", 0, 0, '"Email: "')
    assert axe(page) == []
