"""The two ways in for someone new, in a browser at desktop and phone widths."""

import os
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from nearpeer.members import invitations
from nearpeer.members.models import AccessRequest
from nearpeer.members.tests.factories import UserFactory, committee

SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_invited_member_sets_a_password_and_signs_in(
    width, live_server, page, phone_page, sign_in, axe
):
    page = phone_page if width == "phone" else page
    newcomer = UserFactory(name="Ivy Invited", email="ivy@example.ac.uk", password=None)
    invitations.send_invitations(members=[newcomer], by=None)
    path = re.search(r"/members/welcome/\S+/", mail.outbox[0].body).group(0)

    page.goto(live_server.url + path)
    assert axe(page) == []
    _shot(page, f"invitation-{width}")
    page.locator("#id_new_password1").fill("correct-horse-battery-9")
    page.locator("#id_new_password2").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Save password and sign in").click()

    expect(page.get_by_text("Welcome, Ivy. Your password is saved.")).to_be_visible()
    if page.locator("summary.nav-toggle").is_visible():  # on a phone, behind the Menu button
        page.locator("summary.nav-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, newcomer, password="correct-horse-battery-9")
    assert page.locator(".nav").get_by_text("Ivy").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_requested_account_is_approved_by_the_committee(
    width, live_server, page, phone_page, sign_in, axe
):
    page = phone_page if width == "phone" else page
    chair = committee(name="Cara Chair", email="cara@example.ac.uk")
    page.goto(f"{live_server.url}/members/sign-in/")
    page.get_by_role("link", name="request access").click()
    assert axe(page) == []
    page.get_by_label("Your name").fill("Rhi Request")
    page.get_by_label("Your university email").fill("rhi@example.ac.uk")
    page.get_by_label("Year of study").select_option("1")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()

    sign_in(page, chair)
    page.goto(f"{live_server.url}/members/committee/members/")
    page.get_by_role("link", name="Requests for access (1 waiting)").click()
    assert axe(page) == []
    _shot(page, f"access-requests-{width}")
    page.get_by_role("button", name="Approve Rhi Request").click()

    expect(page.get_by_text("Rhi Request is now a member")).to_be_visible()
    assert AccessRequest.objects.get().status == "approved"
    assert [m.to for m in mail.outbox] == [["rhi@example.ac.uk"]]
    page.goto(f"{live_server.url}/members/committee/members/?q=Rhi")
    assert page.locator("#main").get_by_text("Invited", exact=True).is_visible()
    assert axe(page) == []
    _shot(page, f"members-invited-{width}")
