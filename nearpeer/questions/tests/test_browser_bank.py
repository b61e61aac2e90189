"""The committee's bank pages in Chromium: tags, import with preview, a flag; axe on each."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions import services
from nearpeer.questions.models import Comment, Question

from .factories import make_question, tag

DATA = Path(__file__).parent / "data"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_committee_manages_tags_imports_and_resolves_a_flag(page, live_server, sign_in, axe):
    boss = committee(name="Cora Committee")
    question = make_question(author=boss, tags=[tag("Cardiology")], title="Inferior STEMI")
    flag = services.flag_question(question=question, by=UserFactory(), reason="B is right too.")
    base = live_server.url + "/questions/"
    sign_in(page, boss)

    page.goto(base)
    page.get_by_role("link", name="Tags").click()
    assert axe(page) == []
    page.get_by_label("Kind").select_option("system")
    page.get_by_label("Name").fill("Cardiovascular")
    page.get_by_role("button", name="Create tag").click()
    expect(page.get_by_text("System tag “Cardiovascular” created.")).to_be_visible()
    page.get_by_role("link", name="Cardiology").click()
    assert axe(page) == []

    page.goto(base + "import/")
    assert axe(page) == []
    page.get_by_label("File").set_input_files(str(DATA / "sample.gift"))
    page.get_by_label("Format").select_option("gift")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="4 questions ready to import")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Import 4 questions").click()
    expect(page.get_by_text("Imported 4 questions (drafts credited to you).")).to_be_visible()
    assert Question.objects.filter(author=boss).count() == 5

    page.goto(base)
    page.get_by_role("link", name="Open error reports").click()
    assert axe(page) == []
    page.get_by_role("link", name=f"Q{question.pk} · Inferior STEMI").click()
    assert axe(page) == []
    page.get_by_label("Reply to the member who reported it").fill("Clarified the stem.")
    page.get_by_role("button", name="Mark resolved").click()
    assert page.get_by_text("Report resolved: the member who sent it has been told.").is_visible()
    assert Comment.objects.get(pk=flag.pk).reply == "Clarified the stem."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_exports_the_filtered_questions_from_the_bank_page(
    page, live_server, sign_in, axe
):
    from nearpeer.questions import formats

    cardio = tag("Cardiology")
    make_question(tags=[cardio], title="Inferior STEMI")
    make_question(tags=[tag("Renal medicine")], title="Nephrotic syndrome")
    member = UserFactory()
    sign_in(page, member)

    page.goto(live_server.url + "/questions/")
    page.get_by_role("link", name="Export questions (Moodle XML, GIFT, Anki)").click()
    assert axe(page) == []
    page.get_by_label("Format").select_option("gift")
    page.get_by_label("Specialty").select_option(str(cardio.pk))
    page.get_by_label("Year").select_option("")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert [q.title for q in formats.parse_gift(text).questions] == ["Inferior STEMI"]
    assert download.value.suggested_filename.endswith(".txt")
