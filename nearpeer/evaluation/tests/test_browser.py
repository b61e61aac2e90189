import pytest

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer, Survey
from nearpeer.evaluation.parsing import parse
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

from .conftest import DATA


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_pages_have_no_serious_axe_violations_and_selection_codes_a_passage(
    page, live_server, sign_in, axe
):
    lead = UserFactory(roles=[Role.EVALUATION_LEAD], year=2, email="lead-b@example.ac.uk")
    survey = Survey.objects.create(title="Imported", slug="imported", audience_years_mask=1 << 2)
    services.import_responses(
        survey=survey, parsed=parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")
    )
    services.get_or_create_code_path(survey=survey, path="Resources/Recordings")
    services.add_question(survey=survey, kind="multi", text="Which?", options=["A", "B"])
    sign_in(page, lead)
    results = {}
    for name, path in [
        ("home", "/evaluation/"),
        ("detail", "/evaluation/surveys/imported/"),
        ("report", "/evaluation/surveys/imported/report/?groups=All%3D"),
        ("answer", "/evaluation/surveys/imported/answer/"),
        ("themes", "/evaluation/surveys/imported/themes/"),
        ("value", "/evaluation/surveys/imported/value/"),
        ("agreement", "/evaluation/surveys/imported/agreement/"),
        ("coding", "/evaluation/surveys/imported/coding/"),
    ]:
        page.goto(live_server.url + path)
        results[name] = axe(page)

    text = page.locator('.eval-text[data-unit^="answer:"]').first
    text.evaluate(
        """el => { const node = el.firstChild; const r = document.createRange();
        r.setStart(node, 10); r.setEnd(node, 24); const s = window.getSelection();
        s.removeAllRanges(); s.addRange(r);
        document.dispatchEvent(new MouseEvent('mouseup', {bubbles: true})); }"""
    )
    form = page.locator("form.eval-apply").first
    passage = form.locator('input[name="passage"]').input_value()
    form.get_by_role("button", name="Apply code").click()
    page.wait_for_load_state("networkidle")

    assert results == {k: [] for k in results}
    coding = services.Coding.objects.get()
    answer = Answer.objects.get(pk=coding.answer_id)
    assert (answer.value[coding.start : coding.end], passage) == (
        answer.value[10:24],
        answer.value[10:24],
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_answers_are_held_back_until_the_lead_closes_the_survey(
    phone_page, page, live_server, sign_in, axe, settings
):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    survey = Survey.objects.create(title="Spring", slug="spring", audience_years_mask=1 << 2)
    likert = services.add_question(survey=survey, kind="likert", text="Useful?", options=[])
    for _ in range(5):  # one complete batch, already written
        services.submit_response(
            survey=survey, user=UserFactory(year=2), answers={likert.pk: ["4"]}, consented=True
        )
    member = UserFactory(year=2, email="member-b@example.ac.uk")
    lead = UserFactory(roles=[Role.EVALUATION_LEAD], year=4, email="lead-c@example.ac.uk")

    sign_in(phone_page, member)
    phone_page.goto(f"{live_server.url}/evaluation/surveys/spring/answer/")
    phone_page.get_by_label("Agree", exact=True).check()
    phone_page.get_by_role("button", name="Send").click()
    phone_page.wait_for_load_state("networkidle")
    thanked = phone_page.locator(".messages").inner_text()
    sign_in(page, lead)
    page.goto(f"{live_server.url}/evaluation/surveys/spring/report/")
    first_report = page.locator("main").inner_text()
    page.goto(f"{live_server.url}/evaluation/surveys/spring/")
    held = page.locator("main").inner_text()
    detail_axe = axe(page)
    page.screenshot(path="/work/shots/h8a-survey-held-back.png", full_page=True)
    page.get_by_label("Close now").check()
    page.get_by_role("button", name="Close survey").click()
    page.wait_for_load_state("networkidle")
    closed = page.locator("main").inner_text()
    page.goto(f"{live_server.url}/evaluation/surveys/spring/report/")
    report = page.locator("main").inner_text()
    report_axe = axe(page)
    page.screenshot(path="/work/shots/h8a-report-waiting.png", full_page=True)

    assert "stored without your name" in thanked
    assert "Answered here: 6 · Held back: 1" in held
    assert "1 answer held back until now was added" in closed
    # Five were reported before; the sixth, written alone at closing, waits for more.
    assert "n = 5" in first_report and "Not counted yet: 1 answer held back" in first_report
    assert "n = 5" in report and "Not counted yet: 1 response" in report
    assert (detail_axe, report_axe) == ([], [])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_downloads_a_small_report_at_once_and_a_large_one_from_its_job_page(
    page, live_server, sign_in, axe, monkeypatch
):
    from pathlib import Path

    from nearpeer.evaluation import views

    lead = UserFactory(roles=[Role.EVALUATION_LEAD], year=2, email="lead-d@example.ac.uk")
    survey = Survey.objects.create(title="Imported", slug="imported")
    services.import_responses(
        survey=survey, parsed=parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")
    )
    sign_in(page, lead)
    page.goto(live_server.url + "/evaluation/surveys/imported/report/?groups=All%3D")
    button = page.get_by_role("button", name="Comma-separated values for any spreadsheet (.csv)")

    with page.expect_download(timeout=30_000) as small:
        button.click()
    direct = Path(small.value.path()).read_bytes()
    # The same report counted as large: the button leads to the job's page, which offers it.
    monkeypatch.setattr(views, "DIRECT_REPORT_MAX_RESPONSES", 0)
    button.click()
    status = page.locator("#job-status")
    status.get_by_text("Done").wait_for(timeout=30_000)
    assert axe(page) == []
    with page.expect_download(timeout=30_000) as large:
        status.get_by_role("link", name="Download imported-report.csv").click()
    status.get_by_role("link", name="Back to the report").click()

    assert small.value.suggested_filename == large.value.suggested_filename
    assert Path(large.value.path()).read_bytes() == direct
    assert direct.decode().startswith("question,item,All N,All %")
    page.get_by_role("heading", name="Report: Imported").wait_for(timeout=30_000)
    assert page.url.endswith("/evaluation/surveys/imported/report/?groups=All%3D")
