import pytest
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_page_signs_in_and_passes_axe(page, live_server, sign_in, axe):
    user = UserFactory(name="Ada Year2", email="ada@example.ac.uk")
    page.goto(f"{live_server.url}/members/sign-in/")
    assert axe(page) == []

    sign_in(page, user)

    expect(page.locator(".nav").get_by_text("Ada")).to_be_visible()
