"""A guide is uploaded, peer-reviewed, endorsed by faculty, and found on a phone from the header
search by a word that is only inside its PDF. axe-core on every page on the way."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from nearpeer.library.models import Resource, Status
from nearpeer.members.tests.factories import UserFactory, faculty, teacher

from .factories import pdf_bytes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_review_endorse_and_find_by_a_word_inside_the_pdf(
    page, phone_page, live_server, sign_in, axe
):
    author = teacher(name="Ada Author")
    reviewer = teacher(name="Rex Reviewer")
    partner = faculty(name="Fay Faculty")
    learner = UserFactory(name="Lee Learner", year=2)
    base = live_server.url + "/library/"

    # The author writes the guide and attaches a PDF.
    sign_in(page, author)
    page.goto(base)
    assert axe(page) == []
    page.get_by_role("link", name="Add a resource").click()
    assert axe(page) == []
    page.get_by_label("Kind").select_option("guide")
    page.get_by_label("Title").fill("Thyroid function tests")
    page.get_by_label("Summary (what it covers, who it is for)").fill("Reading TSH and T4.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="Add a file").click()
    assert axe(page) == []
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "thyroid.pdf"
        pdf.write_bytes(pdf_bytes("Sick euthyroid syndrome: low T3 in critical illness."))
        page.get_by_label("File").set_input_files(str(pdf))
        page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("“thyroid.pdf” added.")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("link", name="Submit for review").click()
    assert axe(page) == []
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for peer review.")).to_be_visible()
    resource = Resource.objects.get()

    # A peer reviewer publishes it; a faculty partner endorses it.
    page.context.clear_cookies()
    sign_in(page, reviewer)
    page.goto(base + "review/")
    assert axe(page) == []
    page.get_by_role("link", name="Thyroid function tests").click()
    assert axe(page) == []
    page.get_by_label("Publish it").check()
    page.get_by_role("button", name="Record review").click()
    resource.refresh_from_db()
    assert resource.status == Status.PUBLISHED
    page.context.clear_cookies()
    sign_in(page, partner)
    page.goto(base + f"{resource.pk}/")
    page.get_by_role("button", name="Endorse (faculty)").click()
    expect(page.get_by_text("Faculty-endorsed by Fay Faculty")).to_be_visible()
    assert axe(page) == []

    # On a phone, a member types a word that is only inside the PDF into the header search.
    sign_in(phone_page, learner)
    phone_page.goto(live_server.url + "/")
    box = phone_page.get_by_role("searchbox", name="Search")
    box.fill("euthyroid")
    dropdown = phone_page.locator("#header-search-results")
    dropdown.get_by_role("link", name="Thyroid function tests").wait_for()
    assert axe(phone_page) == []
    box.press("Enter")
    phone_page.wait_for_url(re.compile(r"/search/\?q=euthyroid"))
    result = phone_page.locator(".search-result").first
    assert result.locator("mark").first.inner_text().lower() == "euthyroid"
    assert axe(phone_page) == []
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    _shot(phone_page, "search-phone")
    result.get_by_role("link", name="Thyroid function tests").click()
    expect(phone_page.get_by_text("Faculty-endorsed by Fay Faculty")).to_be_visible()
    assert axe(phone_page) == []
    _shot(phone_page, "resource-phone")


def _shot(page, name: str) -> None:
    """Screenshots only when asked for (NEARPEER_SHOTS=folder), to look at the phone layout."""
    folder = os.environ.get("NEARPEER_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/library-{name}.png", full_page=True)
