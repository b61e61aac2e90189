"""Practice keeps its filters; a mock asks before submitting; results explain each question."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions import services
from nearpeer.questions.models import Attempt, PaperStatus, Sitting

from .factories import make_question, tag

SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


@pytest.fixture
def paper(db):
    cardio = tag("Cardiology")
    for i in range(3):
        make_question(tags=[cardio], title=f"Cardio {i}", explanation=f"Because of reason {i}.")
    paper = services.build_paper_from_blueprint(
        title="Year 3 mock", by=committee(), blueprint={cardio: 3}, duration_minutes=30
    )
    services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
    return paper


def _attempt_link(client, response) -> str:
    attempt = Attempt.objects.latest("pk")
    html = client.get(reverse("questions:attempt-detail", args=[attempt.pk])).content.decode()
    start = html.index('href="/questions/practise/')
    return html[start + 6 : html.index('"', start + 6)].replace("&amp;", "&")


@pytest.mark.django_db
def test_another_question_keeps_the_chosen_specialty_and_year(client):
    cardio, neuro = tag("Cardiology"), tag("Neurology")
    make_question(tags=[cardio], years=(3,))
    make_question(tags=[neuro], years=(3,))
    client.force_login(UserFactory(year=3))

    first = client.get(reverse("questions:practice-next"), {"specialty": cardio.pk, "year": 3})
    client.post(first.url, {"answer": "0", "confidence": "2"})
    link = _attempt_link(client, first)

    assert link == f"/questions/practise/?specialty={cardio.pk}&year=3"


@pytest.mark.django_db
def test_submit_asks_first_with_unanswered_count_and_time_left(client, paper):
    client.force_login(UserFactory())
    client.post(reverse("questions:sitting-start", args=[paper.pk]))
    sitting = Sitting.objects.get()
    client.post(reverse("questions:sitting-detail", args=[sitting.pk]) + "?q=1", {"answer": "0"})

    page = client.get(reverse("questions:sitting-submit", args=[sitting.pk]))

    html = page.content.decode()
    assert "2 of 3 questions not answered." in html
    assert page.context["minutes_left"] in (29, 30)
    sitting.refresh_from_db()
    assert not sitting.finished
    client.post(reverse("questions:sitting-submit", args=[sitting.pk]))
    sitting.refresh_from_db()
    assert sitting.finished


@pytest.mark.django_db
def test_result_shows_each_question_with_my_answer_the_key_and_explanation(client, paper):
    client.force_login(UserFactory())
    client.post(reverse("questions:sitting-start", args=[paper.pk]))
    sitting = Sitting.objects.get()
    client.post(reverse("questions:sitting-detail", args=[sitting.pk]) + "?q=1", {"answer": "1"})
    client.post(reverse("questions:sitting-submit", args=[sitting.pk]))

    html = client.get(reverse("questions:sitting-result", args=[sitting.pk])).content.decode()

    assert html.count("Because of reason") == 3
    assert html.count(">your answer</span>") == 1 and html.count(">key</span>") == 3
    assert html.count(">not answered</span>") == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_mock_submit_asks_first_then_results_explain(
    width, paper, page, phone_page, live_server, sign_in, axe
):
    page = phone_page if width == "phone" else page
    candidate = UserFactory(name="Cal Candidate")
    sign_in(page, candidate)
    page.goto(f"{live_server.url}/questions/papers/")
    page.get_by_role("button", name="Start Year 3 mock").click()
    page.locator("#answer-0").check()
    page.get_by_role("button", name="Save and next").click()
    # The save has landed once the next question shows; a click before that would abort it.
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()

    page.get_by_role("link", name="Submit my answers…").click()

    expect(page.get_by_text("2 of 3 questions not answered.")).to_be_visible()
    assert axe(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-mock-confirm-{width}.png", full_page=True)
    assert not Sitting.objects.get().finished
    page.get_by_role("button", name="Yes, submit now").click()
    # Reload only once the result page has loaded: a reload racing the submit's navigation fails
    # with "Not attached to an active page".
    expect(page.locator(".result-item")).to_have_count(3)
    page.reload()  # without the one-off message
    assert page.locator(".result-item").count() == 3
    assert axe(page) == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-mock-result-{width}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_practice_keeps_its_filters(width, page, phone_page, live_server, sign_in, axe):
    page = phone_page if width == "phone" else page
    cardio, neuro = tag("Cardiology"), tag("Neurology")
    for i in range(3):
        make_question(tags=[cardio], years=(3,), title=f"Cardio {i}")
    make_question(tags=[neuro], years=(3,), title="Neuro only")
    sign_in(page, UserFactory(year=3))
    page.goto(f"{live_server.url}/questions/")
    page.get_by_label("Specialty").select_option(label="Cardiology")
    page.get_by_role("button", name="Give me a question").click()

    seen = []
    for _ in range(3):
        seen.append(page.locator("h1").inner_text())
        page.locator("#answer-0").check()
        page.get_by_label("Certain").check()
        page.get_by_role("button", name="Check my answer").click()
        assert axe(page) == []
        page.get_by_role("link", name="Another question").click()

    assert all("Cardio" in title for title in seen) and len(set(seen)) == 3, seen
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-practice-filters-{width}.png", full_page=True)


def _answer(member, question, *, correct: bool, confidence: int):
    version = question.published_version
    key = version.key_mask
    return Attempt.objects.create(
        member=member,
        question=question,
        version=version,
        selected_mask=key if correct else (key << 1) or 1,
        correct=correct,
        confidence=confidence,
        source="practice",
    )


@pytest.mark.django_db
def test_progress_shows_accuracy_by_specialty_and_calibration(client):
    member = UserFactory()
    cardio = make_question(tags=[tag("Cardiology")])
    neuro = make_question(tags=[tag("Neurology")])
    _answer(member, cardio, correct=True, confidence=3)
    _answer(member, cardio, correct=False, confidence=3)
    _answer(member, neuro, correct=False, confidence=1)
    _answer(UserFactory(), neuro, correct=True, confidence=3)  # someone else's
    client.force_login(member)

    response = client.get(reverse("questions:progress"))

    specialties = {
        name: [(m["n"], m["share"]) for m in months]
        for name, months in response.context["specialties"]
    }
    assert specialties == {"Cardiology": [(2, 50)], "Neurology": [(1, 0)]}
    assert [(r["label"], r["n"], r["share"]) for r in response.context["calibration"]] == [
        ("I guessed", 1, 0),
        ("Certain", 2, 50),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_progress_query_count(client, n, django_assert_num_queries):
    member = UserFactory()
    for i in range(n):
        _answer(member, make_question(tags=[tag(f"Specialty {i}")]), correct=True, confidence=2)
    client.force_login(member)

    # session, user, by specialty and month, calibration, and the header navigation's roles
    with django_assert_num_queries(5):
        response = client.get(reverse("questions:progress"))

    assert len(response.context["specialties"]) == n


@pytest.mark.django_db
def test_opening_a_paper_asks_first(client):
    cardio = tag("Cardiology")
    make_question(tags=[cardio])
    boss = committee()
    paper = services.build_paper_from_blueprint(
        title="Draft mock", by=boss, blueprint={cardio: 1}, duration_minutes=20
    )
    client.force_login(boss)
    url = reverse("questions:paper-status", args=[paper.pk])

    page = client.get(url, {"status": "open"}).content.decode()
    paper.refresh_from_db()
    assert "Members can start it straight away: 1 question, 20 minutes" in page
    assert paper.status == PaperStatus.DRAFT

    client.post(url, {"status": "open"})
    paper.refresh_from_db()
    assert paper.status == PaperStatus.OPEN
