"""True/false, extended matching, short answer and numerical through writing, practice, the
review queue, mock papers and item analysis."""

import pytest
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.questions import itemstats, services
from nearpeer.questions.models import Attempt, Paper, PaperStatus, Question, ReviewCard

from .factories import make_question, tag

EMQ_OPTIONS = [{"text": t, "correct": False} for t in ("Asthma", "COPD", "Pneumonia", "PE")]
EMQ_DETAILS = {"stems": [{"text": "Night wheeze, age 9", "key": 0},
                         {"text": "Pleuritic pain after a flight", "key": 3}]}  # fmt: skip
NUMBER_DETAILS = {
    "accepted": [{"value": 5.2, "tolerance": 0.1, "credit": 1.0}],
    "units": [{"unit": "mmol/L", "multiplier": 1.0}],
}


def emq():
    return make_question(qtype="emq", options=EMQ_OPTIONS, details=EMQ_DETAILS, title="Breath")


def numerical():
    return make_question(qtype="numerical", options=[], details=NUMBER_DETAILS, title="Glucose")


def short():
    return make_question(
        qtype="short", options=[], title="Amphibian",
        details={"accepted": [{"text": "Frog", "credit": 1.0}, {"text": "Toad", "credit": 0.5}]},
    )  # fmt: skip


def _write(client, **fields):
    data = {
        "title": "New", "stem": "Which?", "explanation": "Because.",
        "specialty": [tag("Respiratory").pk], **fields,
    }  # fmt: skip
    return client.post(reverse("questions:question-create"), data)


@pytest.mark.django_db
def test_writer_makes_each_new_type_with_the_answer_box(client):
    client.force_login(UserFactory())
    _write(client, title="TF", qtype="truefalse", answers="False")
    _write(
        client, title="EMQ", qtype="emq", option_0="Asthma", option_1="COPD", option_2="PE",
        answers="Night wheeze => A\nFlight then pain => C",
    )  # fmt: skip
    _write(client, title="SA", qtype="short", answers="Frog\n50% toad*")
    _write(client, title="NUM", qtype="numerical", answers="5.2 +- 0.1\nunit: mmol/L = 1")
    versions = {q.latest_version.title: q.latest_version for q in Question.objects.all()}
    assert versions["TF"].options == [
        {"text": "True", "correct": False}, {"text": "False", "correct": True},
    ]  # fmt: skip
    assert versions["EMQ"].details["stems"] == [
        {"text": "Night wheeze", "key": 0}, {"text": "Flight then pain", "key": 2},
    ]  # fmt: skip
    assert versions["SA"].details["accepted"] == [
        {"text": "Frog", "credit": 1.0}, {"text": "toad*", "credit": 0.5},
    ]  # fmt: skip
    assert versions["NUM"].details == {
        "accepted": [{"value": 5.2, "tolerance": 0.1, "credit": 1.0}],
        "units": [{"unit": "mmol/L", "multiplier": 1.0}],
    }


@pytest.mark.django_db
def test_writer_is_told_when_an_emq_stem_has_no_key(client):
    client.force_login(UserFactory())
    response = _write(
        client, qtype="emq", option_0="Asthma", option_1="COPD", answers="Night wheeze"
    )
    assert "Line 1: write the stem, then =&gt; and the letter of its key." in (
        response.content.decode()
    )
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_practising_an_emq_gives_a_share_per_stem_and_queues_it(client):
    question = emq()
    member = UserFactory()
    client.force_login(member)
    page = client.get(reverse("questions:question-practise", kwargs={"pk": question.pk}))
    assert '<select name="stem-1" id="stem-1" required>' in page.content.decode()
    response = client.post(
        reverse("questions:question-practise", kwargs={"pk": question.pk}),
        {"stem-0": "0", "stem-1": "1", "confidence": "2"},
        follow=True,
    )
    attempt = Attempt.objects.get(member=member)
    assert (attempt.credit, attempt.correct, attempt.response) == (0.5, False, {"stems": [0, 1]})
    assert (
        "Partly right (50% of the marks): the answer is 1A 2D; you answered 1A 2B."
        in response.content.decode()
    )
    assert ReviewCard.objects.filter(member=member, question=question).exists()


@pytest.mark.django_db
def test_practising_short_answer_accepts_a_variant(client):
    question = short()
    client.force_login(UserFactory())
    response = client.post(
        reverse("questions:question-practise", kwargs={"pk": question.pk}),
        {"text": "  frog ", "confidence": "3"}, follow=True,
    )  # fmt: skip
    assert Attempt.objects.get().credit == 1.0
    assert '<p class="result result-right" role="status">\n  Right.' in response.content.decode()


@pytest.mark.django_db
def test_practising_numerical_refuses_what_is_not_a_number(client):
    question = numerical()
    client.force_login(UserFactory())
    url = reverse("questions:question-practise", kwargs={"pk": question.pk})
    refused = client.post(url, {"text": "about five", "confidence": "2"})
    assert "Type a number (and a unit if the question asks)." in refused.content.decode()
    client.post(url, {"text": "5.25 mmol/L", "confidence": "2"})
    assert Attempt.objects.get().credit == 1.0


@pytest.mark.django_db
def test_mock_paper_scores_partial_credit_and_item_analysis_uses_it(client):
    boss = committee()
    questions = [emq(), numerical(), make_question(qtype="truefalse", options=[
        {"text": "True", "correct": True}, {"text": "False", "correct": False}])]  # fmt: skip
    paper = Paper.objects.create(title="Mixed mock", created_by=boss)
    items = services.add_paper_items(paper=paper, questions=questions)
    services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
    candidate = UserFactory()
    sitting = services.start_sitting(paper=paper, candidate=candidate)
    client.force_login(candidate)
    url = reverse("questions:sitting-detail", kwargs={"pk": sitting.pk})
    client.post(url + "?q=1", {"stem-0": "0", "stem-1": "2", "goto": "2"})
    client.post(url + "?q=2", {"text": "5.2", "goto": "3"})
    client.post(url + "?q=3", {"answer": "1", "goto": "3"})
    services.submit_sitting(sitting=sitting)
    sitting.refresh_from_db()
    assert sitting.score == 1.5
    result = client.get(reverse("questions:sitting-result", kwargs={"pk": sitting.pk}))
    page = result.content.decode()
    assert "<strong>1.5 / 3</strong>" in page
    assert "50% of the marks: you answered 1A 2C" in page
    assert sorted(Attempt.objects.filter(member=candidate).values_list("credit", flat=True)) == [
        0.0, 0.5, 1.0,
    ]  # fmt: skip
    responses = services.paper_responses(paper)
    assert [(r.item, r.response, r.key, r.credit) for r in responses] == [
        ("Q1", "1A 2C", "1A 2D", 0.5),
        ("Q2", '"5.2"', "5.2 ± 0.1 mmol/L", 1.0),
        ("Q3", "B", "A", 0.0),
    ]
    assert items[0].position == 1
    facility = {i.item: i.facility for i in itemstats.analyse(responses).items}
    assert facility == {"Q1": 0.5, "Q2": 1.0, "Q3": 0.0}


@pytest.mark.django_db
def test_reviewers_see_stems_accepted_answers_feedback_and_hints(client):
    author = UserFactory()
    matching = make_question(
        qtype="emq", options=EMQ_OPTIONS, author=author,
        details={**EMQ_DETAILS, "feedback": {"partial": "Half there."}, "hints": ["Think age."]},
    )  # fmt: skip
    answer = short()
    client.force_login(matching.author)
    page = client.get(reverse("questions:question-detail", kwargs={"pk": matching.pk}))
    html = page.content.decode()
    assert "<li>Night wheeze, age 9 → <strong>A</strong></li>" in html
    assert "<dt>Partly right</dt><dd>Half there.</dd>" in html
    assert "<h3>Hints</h3><ol><li>Think age.</li></ol>" in html
    client.force_login(answer.author)
    page = client.get(reverse("questions:question-detail", kwargs={"pk": answer.pk}))
    assert '<li>Toad <span class="badge">50% of the marks</span></li>' in page.content.decode()
    client.force_login(UserFactory())
    practise = client.get(reverse("questions:question-practise", kwargs={"pk": matching.pk}))
    assert "<summary>Need a hint?</summary><ol><li>Think age.</li></ol>" in (
        practise.content.decode()
    )


@pytest.mark.django_db
def test_editing_an_imported_emq_keeps_its_stems_option_feedback_and_hints(client):
    from nearpeer.questions.models import Status

    options = [dict(o) for o in EMQ_OPTIONS]
    options[0]["feedback"] = "Nocturnal symptoms."
    question = make_question(
        qtype="emq", options=options, status=Status.DRAFT,
        details={**EMQ_DETAILS, "hints": ["Think age."], "feedback": {"correct": "Yes."}},
    )  # fmt: skip
    client.force_login(question.author)
    url = reverse("questions:question-edit", kwargs={"pk": question.pk})
    form = client.get(url).content.decode()
    assert "Night wheeze, age 9 =&gt; A\nPleuritic pain after a flight =&gt; D" in form
    data = {
        "title": "Breath v2", "qtype": "emq", "stem": "Which?", "explanation": "Because.",
        "specialty": [question.tags.first().pk], "blind_review": "on",
        "answers": "Night wheeze, age 9 => A\nPleuritic pain after a flight => C",
        **{f"option_{i}": o["text"] for i, o in enumerate(EMQ_OPTIONS)},
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    version = Question.objects.get(pk=question.pk).latest_version
    assert version.details["stems"][1] == {"text": "Pleuritic pain after a flight", "key": 2}
    assert version.details["hints"] == ["Think age."]
    assert version.details["feedback"] == {"correct": "Yes."}
    assert version.options[0]["feedback"] == "Nocturnal symptoms."
