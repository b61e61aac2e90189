"""A lead builds groups from lists, without the NAME=QID:VALUE syntax."""

import os

import pytest
from django.urls import reverse

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Survey
from nearpeer.evaluation.parsing import parse
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

from .conftest import DATA

SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


@pytest.mark.django_db
def test_two_groups_from_lists_equal_the_typed_syntax(client, lead, imported_survey):
    client.force_login(lead)
    url = reverse("evaluation:report-view", args=["imported"])

    built = client.get(
        url,
        {
            "g1-name": "Taught",
            "g1-values": ["Q4:0"],
            "g2-name": "Did not teach",
            "g2-values": ["Q4:1"],
        },
    )
    typed = client.get(url, {"groups": "Taught=Q4:1\nDid not teach=Q4:2"})

    def figures(response):
        report = response.context["report"]
        return [(g.name, g.size, g.withheld) for g in report.groups], [
            [(c.n, c.suppressed) for c in row.cells] for row in report.rows
        ]

    assert figures(built) == figures(typed)
    assert built.context["built_text"] == "Taught=Q4:1\nDid not teach=Q4:2"


@pytest.mark.django_db
def test_group_with_answers_but_no_name_is_refused(client, lead, imported_survey):
    client.force_login(lead)

    response = client.get(
        reverse("evaluation:report-view", args=["imported"]), {"g1-values": ["Q4:0"]}
    )

    assert response.context["builders"][0].errors == {"name": ["Give the group a name."]}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_lead_builds_a_two_group_report_without_typing_syntax(
    width, page, phone_page, live_server, sign_in, axe
):
    page = phone_page if width == "phone" else page
    lead = UserFactory(roles=[Role.EVALUATION_LEAD], year=2, email="lead-c@example.ac.uk")
    survey = Survey.objects.create(title="Imported", slug="imported", audience_years_mask=1 << 2)
    services.import_responses(
        survey=survey, parsed=parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")
    )
    sign_in(page, lead)
    page.goto(f"{live_server.url}/evaluation/surveys/imported/report/")
    assert axe(page) == []

    for slot, name, answers in [
        (1, "Years 1-3", ["1", "2", "3"]),
        (2, "Years 4-6", ["4", "5", "6"]),
    ]:
        group = page.get_by_role("group", name=f"Group {slot}")
        group.get_by_label("Group name").fill(name)
        group.get_by_text("Who is in it").click()
        for answer in answers:
            group.locator(f'input[value="Q1:{int(answer) - 1}"]').check()
    page.get_by_role("button", name="Show report").click()
    page.wait_for_load_state("networkidle")

    names = page.locator(".report-groups li").all_inner_texts()
    assert [n.split(":")[0] for n in names] == ["Years 1-3", "Years 4-6"]
    assert "Q1:1|2|3" in page.locator(".advanced code").text_content()
    assert axe(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-report-builder-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/evaluation/surveys/imported/agreement/")
    assert axe(page) == []


@pytest.mark.django_db
def test_survey_slug_is_made_from_the_title_when_left_empty(client):
    committee_lead = UserFactory(roles=[Role.EVALUATION_LEAD, Role.COMMITTEE])
    Survey.objects.create(title="Old", slug="end-of-year-feedback")
    client.force_login(committee_lead)

    client.post(
        reverse("evaluation:survey-create"),
        {
            "title": "End of year feedback",
            "slug": "",
            "information_sheet": "Why we ask.",
            "consent_statement": "I agree.",
        },
    )

    assert Survey.objects.filter(slug="end-of-year-feedback-2").exists()


@pytest.mark.django_db
def test_apply_code_returns_to_the_same_page_and_text(client, lead, imported_survey):
    from nearpeer.evaluation.models import Answer

    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    code = services.get_or_create_code_path(survey=imported_survey, path="Resources/Recordings")
    client.force_login(lead)

    response = client.post(
        reverse("evaluation:coding-apply", args=["imported"]),
        {"unit": f"answer:{answer.pk}", "code": code.pk, "passage": "", "page": "2"},
    )

    assert response.url == (
        reverse("evaluation:coding-workspace", args=["imported"]) + f"?page=2#u-answer{answer.pk}"
    )


def _chart_texts(response) -> list[str]:
    """Every text drawn in an SVG chart (its title, group labels, legend, axis)."""
    import re

    return re.findall(r"<text[^>]*>([^<]*)</text>", response.content.decode())


@pytest.mark.django_db
def test_chart_draws_the_groups_built_from_the_lists(client, lead, imported_survey):
    client.force_login(lead)
    query = {
        "g1-name": "Early years",
        "g1-values": ["Q1:0", "Q1:1", "Q1:2"],
        "g2-name": "Later years",
        "g2-values": ["Q1:3", "Q1:4", "Q1:5"],
    }

    page = client.get(reverse("evaluation:report-view", args=["imported"]), query)
    chart = client.get(reverse("evaluation:report-chart", args=["imported", "Q3"]), query)

    shown = [g.name for g in page.context["report"].groups if not g.withheld]
    texts = _chart_texts(chart)
    # "Later years" has fewer than NEARPEER_MIN_GROUP_SIZE people: withheld, so no bar either.
    assert shown == ["Early years"]
    drawn = [n for n in ("Early years", "Later years", "All respondents") if n in texts]
    assert drawn == shown


@pytest.mark.django_db
def test_chart_follows_the_tables_small_cell_suppression(client, lead, imported_survey):
    client.force_login(lead)
    plain = {"groups": "All="}
    suppressed = {"groups": "All=", "suppress": "on"}
    url = reverse("evaluation:report-chart", args=["imported", "Q3"])

    report = client.get(reverse("evaluation:report-view", args=["imported"]), suppressed).context[
        "report"
    ]
    hidden = [cell.suppressed for row in report.rows if row.question == "Q3" for cell in row.cells]

    assert any(hidden)  # a Likert level of Q3 is hidden in the table…
    assert services.likert_chart_bars(report, "Q3") == []  # …so the chart draws no bar for it
    assert "All" in _chart_texts(client.get(url, plain))
    assert "All" not in _chart_texts(client.get(url, suppressed))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_coder_keeps_their_place_after_apply_code(
    width, page, phone_page, live_server, sign_in, axe, monkeypatch
):
    from nearpeer.evaluation import views
    from nearpeer.evaluation.models import Coding

    monkeypatch.setattr(views, "UNITS_PER_PAGE", 2)
    page = phone_page if width == "phone" else page
    lead = UserFactory(roles=[Role.EVALUATION_LEAD], year=2, email="lead-k@example.ac.uk")
    survey = Survey.objects.create(title="Imported", slug="imported", audience_years_mask=1 << 2)
    services.import_responses(
        survey=survey, parsed=parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")
    )
    services.get_or_create_code_path(survey=survey, path="Access/Recordings")
    answers, _ = services.coding_units(survey)
    target = answers[3]
    sign_in(page, lead)

    page.goto(f"{live_server.url}/evaluation/surveys/imported/coding/?page=2")
    unit = page.locator(f"#u-answer{target.pk}")
    unit.get_by_label("Memo").fill("kept my place")
    unit.get_by_role("button", name="Apply code").click()
    page.wait_for_load_state()

    assert page.url.endswith(f"/coding/?page=2#u-answer{target.pk}")
    assert page.locator(f"#u-answer{target.pk}").is_visible()
    # The browser scrolls to the fragment once the page has laid out; wait for it (fails if never).
    # Scrolled to the very top, the box may sit a fraction of a pixel above it.
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= -1 && r.top < innerHeight; }",
        arg=f"u-answer{target.pk}",
        timeout=5_000,
    )
    assert Coding.objects.get().memo == "kept my place"
    assert axe(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-coding-place-{width}.png")
