"""New question types and the per-item import preview in Chromium at phone width, with axe."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions.models import Attempt

from .factories import make_question

DATA = Path(__file__).parent / "data"
EMQ_OPTIONS = [{"text": t, "correct": False} for t in ("Asthma", "COPD", "Pneumonia", "PE")]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_member_answers_an_emq_and_a_number_on_a_phone(phone_page, live_server, sign_in, axe):
    page = phone_page
    emq = make_question(
        qtype="emq", options=EMQ_OPTIONS, title="Breathless",
        details={"stems": [{"text": "Night wheeze, age 9", "key": 0},
                           {"text": "Pain after a long flight", "key": 3}],
                 "hints": ["Think of the age first."]},
    )  # fmt: skip
    number = make_question(
        qtype="numerical", options=[], title="Glucose",
        details={"accepted": [{"value": 7.0, "tolerance": 0.0, "credit": 1.0}],
                 "units": [{"unit": "mmol/L", "multiplier": 1.0}]},
    )  # fmt: skip
    member = UserFactory()
    sign_in(page, member)
    page.goto(f"{live_server.url}/questions/{emq.pk}/practise/")
    assert axe(page) == []
    page.get_by_label("1. Night wheeze, age 9").select_option("0")
    page.get_by_label("2. Pain after a long flight").select_option("1")
    page.screenshot(path="/work/shots/h13-emq-practise-390.png", full_page=True)
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Partly right (50% of the marks)")).to_be_visible()
    assert axe(page) == []
    page.screenshot(path="/work/shots/h13-emq-result-390.png", full_page=True)

    page.goto(f"{live_server.url}/questions/{number.pk}/practise/")
    page.get_by_label("Your answer (a number, with a unit: mmol/L)").fill("7 mmol/L")
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Right.")).to_be_visible()
    assert sorted(Attempt.objects.filter(member=member).values_list("credit", flat=True)) == [
        0.5, 1.0,
    ]  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_committee_sees_what_changes_and_ticks_to_leave_out_the_rest(
    phone_page, live_server, sign_in, axe
):
    page = phone_page
    sign_in(page, committee())
    page.goto(live_server.url + "/questions/import/")
    page.get_by_label("File").set_input_files(str(DATA / "gift_moodle_questions.gift.txt"))
    page.get_by_label("Format").select_option("gift")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="8 questions ready to import")).to_be_visible()
    assert axe(page) == []
    page.screenshot(path="/work/shots/h13-import-preview-390.png", full_page=True)
    page.get_by_label("Leave out the 1 unsupported item and import the other 8").check()
    page.get_by_role("button", name="Import 8 questions").click()
    expect(page.get_by_text("Imported 8 questions (drafts credited to you).")).to_be_visible()
