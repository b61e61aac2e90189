"""Microsoft Forms exports in the column shapes Microsoft's documentation (and first-party
threads) describe: tests/data/README.md names the source of each shape. One test per shape."""

import pytest

from nearpeer.evaluation.parsing import RANKING_REASON, parse

from .conftest import DATA

META = "Microsoft Forms metadata, not a question"


@pytest.fixture(scope="module")
def survey():
    return parse((DATA / "msforms_survey_documented.xlsx").read_bytes(), fmt="msforms")


@pytest.fixture(scope="module")
def quiz():
    return parse((DATA / "msforms_quiz_documented.xlsx").read_bytes(), fmt="msforms")


def _question(parsed, text):
    (question,) = [q for q in parsed.questions if q.text == text]
    return question


def _answers(parsed, text):
    qid = _question(parsed, text).qid
    return [r.answers.get(qid) for r in parsed.rows]


def test_each_row_is_a_response_named_by_the_id_column(survey):
    assert [r.response_id for r in survey.rows] == [str(n) for n in range(1, 9)]


def test_built_in_columns_are_named_as_metadata_never_questions(survey):
    dropped = {d.header: d.reason for d in survey.decisions if not d.kept}
    for header in ("Start time", "Completion time", "Email", "Name", "Last modified time"):
        assert dropped[header] == META


def test_multiple_answers_with_a_trailing_semicolon_are_one_question(survey):
    question = _question(survey, "Which teaching sessions did you attend?")
    assert (question.kind, question.options) == ("multi", ["Anatomy", "Pharmacology", "Physiology"])
    assert _answers(survey, "Which teaching sessions did you attend?")[:3] == [
        ["Anatomy", "Physiology"], ["Anatomy"], ["Physiology", "Pharmacology"],
    ]  # fmt: skip


def test_a_single_answer_choice_is_single_choice(survey):
    question = _question(survey, "Which session was most useful?")
    assert (question.kind, question.options) == (
        "single",
        ["Anatomy", "Pharmacology", "Physiology"],
    )


def test_a_rating_exports_its_number_and_reads_as_a_scale(survey):
    question = _question(survey, "How would you rate the course overall?")
    assert question.kind == "likert"
    assert _answers(survey, "How would you rate the course overall?") == [
        ["4"], ["5"], ["3"], ["4"], ["5"], ["2"], ["4"], ["3"],
    ]  # fmt: skip


def test_likert_statements_are_one_column_each_with_forms_own_labels(survey):
    """Forms writes the chosen label ("Neutral" is its default middle point), one column per
    statement, headed by the statement alone."""
    for statement in ("The sessions started on time", "The tutors explained clearly"):
        assert _question(survey, statement).kind == "likert"
    assert _answers(survey, "The sessions started on time") == [
        ["4"], ["5"], ["3"], ["4"], ["5"], ["2"], ["4"], ["1"],
    ]  # fmt: skip


def test_a_ranking_is_named_and_left_out_not_read_as_multiple_choice(survey):
    header = "Rank these resources from most to least useful"
    assert header not in {q.text for q in survey.questions}
    dropped = {d.header: d.reason for d in survey.decisions if not d.kept}
    assert dropped[header] == RANKING_REASON.format(n=3)


def test_a_ranking_kept_on_purpose_keeps_each_order_as_text():
    header = "Rank these resources from most to least useful"
    parsed = parse(
        (DATA / "msforms_survey_documented.xlsx").read_bytes(), fmt="msforms",
        keep={header: "the order is what we asked"},
    )  # fmt: skip
    assert _question(parsed, header).kind == "text"
    assert _answers(parsed, header)[:2] == [
        ["Recordings;Slides;Books;"], ["Slides;Recordings;Books;"],
    ]  # fmt: skip


def test_a_date_question_is_named_and_left_out_by_the_screening(survey):
    dropped = {d.header: d.reason for d in survey.decisions if not d.kept}
    assert dropped["When did you sit the mock exam?"] == (
        "its answers look like dates or times (dates of birth, start and end times)"
    )


def test_a_net_promoter_score_is_a_single_choice_of_the_numbers_given(survey):
    question = _question(survey, "How likely are you to recommend the course to a friend?")
    assert (question.kind, question.options) == ("single", ["3", "4", "6", "7", "8", "9", "10"])


def test_free_text_is_kept_as_typed(survey):
    question = _question(survey, "What should we change?")
    assert question.kind == "text"
    assert _answers(survey, "What should we change?")[:2] == [["More cases from the wards"], None]


def test_quiz_columns_are_metadata_and_the_questions_keep_their_answers(quiz):
    assert [(q.text, q.kind) for q in quiz.questions] == [
        ("Which nerve supplies the deltoid?", "single"),
        ("Select the branches of the facial nerve", "multi"),
        ("Name the muscle that abducts the arm beyond 15 degrees", "single"),
    ]
    dropped = {d.header: d.reason for d in quiz.decisions if not d.kept}
    quiz_columns = ["Total points", "Quiz feedback"] + [
        f"{kind} - {q.text}" for q in quiz.questions for kind in ("Points", "Feedback")
    ]
    assert {h: dropped[h] for h in quiz_columns} == dict.fromkeys(quiz_columns, META)
    assert _answers(quiz, "Select the branches of the facial nerve")[0] == [
        "Temporal", "Zygomatic", "Buccal"
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_likert_statement_reaches_the_report_as_a_five_point_item():
    from nearpeer.evaluation import services
    from nearpeer.evaluation.models import Survey

    survey = Survey.objects.create(title="Forms", slug="forms")
    parsed = parse((DATA / "msforms_survey_documented.xlsx").read_bytes(), fmt="msforms")
    services.import_responses(survey=survey, parsed=parsed)
    qid = _question(parsed, "The sessions started on time").qid

    report = services.survey_report(survey=survey, groups=[])

    assert survey.questions.get(qid=qid).kind == "likert"
    assert report.likert_counts[qid] == [[1, 1, 1, 3, 2]]
