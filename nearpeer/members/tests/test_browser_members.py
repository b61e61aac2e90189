import pytest

from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory, committee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_asks_for_a_year_and_the_committee_approves(page, live_server, sign_in, axe):
    user = UserFactory(name="Ada Year2", email="ada@example.ac.uk", year=2)
    chair = committee(name="Cara Chair", email="cara@example.ac.uk")
    sign_in(page, user)

    page.goto(f"{live_server.url}/members/profile/")
    assert axe(page) == []
    page.get_by_role("link", name="Ask the committee to change your year").click()
    assert axe(page) == []
    page.get_by_label("Year of study").select_option("4")
    page.get_by_label("This year is an intercalated BSc year").check()
    page.get_by_role("button", name="Send the request").click()

    assert "You asked for: Year 4 (intercalated BSc)" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/members/profile/password/")
    assert axe(page) == []

    page.context.clear_cookies()
    sign_in(page, chair)
    page.goto(f"{live_server.url}/members/committee/year-requests/")
    assert axe(page) == []
    page.get_by_role("button", name="Approve Ada Year2's request").click()
    page.get_by_text("Ada Year2's request (Year 4 (intercalated BSc)) approved.").wait_for()
    user.refresh_from_db()
    assert (user.year, user.intercalating) == (4, True)


def test_committee_imports_roster_and_grants_a_role(page, live_server, sign_in, axe):
    # A superuser: only they change another person's roles.
    chair = committee(name="Cara Chair", email="cara@example.ac.uk", is_superuser=True)
    sign_in(page, chair)

    page.goto(f"{live_server.url}/members/committee/roster/")
    assert axe(page) == []
    page.get_by_label("Roster CSV file").set_input_files(
        files=[
            {
                "name": "roster.csv",
                "mimeType": "text/csv",
                "buffer": b"email,name,year\nnew.one@x.org,New One,1\nnew.two@x.org,New Two,5\n",
            }
        ]
    )
    page.get_by_role("button", name="Preview import").click()
    page.get_by_role("heading", name="Preview: nothing is saved yet").wait_for()
    assert axe(page) == []
    assert User.objects.filter(email__startswith="new.").count() == 0
    page.get_by_role("button", name="Import these 2 rows").click()

    # The import runs as a background job; its page reports the result and leads on.
    status = page.locator("#job-status")
    status.get_by_text("Done").wait_for()
    assert "Roster imported: 2 new, 0 updated, 0 unchanged." in status.inner_text()
    assert axe(page) == []
    status.locator("a").last.click()
    page.get_by_label("Name or email").fill("New Two")
    page.get_by_role("button", name="Search").click()
    row = page.locator("tbody tr")
    row.get_by_label("Student-teacher").check()
    row.get_by_role("button", name="Save roles of New Two").click()  # HTMX swaps the row

    page.get_by_text("Roles of New Two: granted student_teacher.").wait_for()
    assert sorted(User.objects.get(email="new.two@x.org").roles) == ["student_teacher"]


def test_password_reset_and_lockout_pages_pass_axe(page, live_server, axe):
    UserFactory(email="ada@example.ac.uk")

    page.goto(f"{live_server.url}/members/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert axe(page) == []
    page.get_by_label("Email").fill("ada@example.ac.uk")
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    assert axe(page) == []

    for _ in range(6):
        page.goto(f"{live_server.url}/members/sign-in/")
        page.get_by_label("Email").fill("ada@example.ac.uk")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Too many sign-in attempts").wait_for()
    assert axe(page) == []
