"""Qualtrics exports of every vintage and Microsoft Forms in its real export shape (the files in
tests/data are written in the exact shapes of real exports; README.md there)."""

import datetime
import io

import openpyxl
import pytest

from nearpeer.evaluation.parsing import ParseError, parse

from .conftest import DATA


def _parse(name: str):
    return parse((DATA / name).read_bytes(), fmt="qualtrics")


def test_2017_layout_with_single_quoted_import_ids_is_read():
    parsed = _parse("qualtrics_2017_multi.csv")
    assert [q.qid for q in parsed.questions][:2] == ["Q1", "Q2"]
    assert [r.response_id for r in parsed.rows][:3] == ["R_1", "R_2", "R_3"]


def test_a_row_three_that_is_not_import_ids_is_still_refused():
    data = (DATA / "qualtrics_2017_multi.csv").read_bytes().replace(b"{'ImportId'", b"{'Other'")
    with pytest.raises(ParseError) as exc:
        parse(data, fmt="qualtrics")
    assert exc.value.errors[0].startswith("row 3: expected the Qualtrics ImportId header row")


@pytest.mark.parametrize("name", ["qualtrics_2017_multi.csv", "qualtrics_legacy_multi.csv"])
def test_checkbox_choices_are_one_multiple_answer_question_not_likert_items(name):
    parsed = _parse(name)
    by_qid = {q.qid: q for q in parsed.questions}
    assert "Q2_1" not in by_qid and "Q2_2" not in by_qid
    q2 = by_qid["Q2"]
    assert (q2.text, q2.kind, q2.options) == (
        "Which did you use?", "multi", ["Recordings", "Slides", "Live sessions"],
    )  # fmt: skip
    chose = [r.answers.get("Q2", []) for r in parsed.rows]
    assert chose[:2] == [["Recordings", "Live sessions"], ["Recordings", "Slides"]]
    # 7 of 10 respondents ticked Recordings: a share of people, not a "1" on a 1–5 scale.
    assert sum("Recordings" in c for c in chose) == 7
    assert (
        "columns Q2_1…Q2_3: one multiple-answer question Q2 with 3 choices (each column held 1 "
        "or its choice, or was blank)"
    ) in parsed.preview()


def test_a_matrix_of_ratings_stays_one_likert_item_per_row():
    parsed = _parse("qualtrics_2017_multi.csv")
    kinds = {q.qid: (q.kind, q.text) for q in parsed.questions}
    assert kinds["Q3_1"] == ("likert", "Rate each - Lectures")
    assert kinds["Q3_2"] == ("likert", "Rate each - Tutorials")


def _forms_workbook(quiz: bool) -> bytes:
    # Column shape of a Microsoft Forms "Open in Excel" export: ID, Start time, Completion time,
    # Email, Name, Last modified time, then the questions; a quiz adds Total points and Quiz
    # feedback after Name and Points/Feedback columns after each question. Multiple answers are
    # joined by ";" with a trailing ";". Times are Excel dates; Email is "anonymous" when the form
    # does not record names.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    if quiz:
        header += ["Total points", "Quiz feedback"]
    header += ["Which sessions did you attend?"]
    if quiz:
        header += ["Points - Which sessions did you attend?",
                   "Feedback - Which sessions did you attend?"]  # fmt: skip
    header += ["How useful was the teaching?", "What should we change?"]
    sheet.append(header)
    answers = [
        ("Anatomy;Physiology;", 4, "More cases"), ("Anatomy;", 5, ""),
        ("Physiology;Pharmacology;", 3, "Earlier start"), ("Anatomy;Pharmacology;", 4, ""),
        ("Anatomy;Physiology;Pharmacology;", 5, "Nothing"), ("Physiology;", 2, "Shorter talks"),
    ]  # fmt: skip
    start = datetime.datetime(2025, 3, 1, 18, 0)
    for n, (sessions, useful, change) in enumerate(answers, start=1):
        row = [n, start, start + datetime.timedelta(minutes=4), "anonymous", None, None]
        if quiz:
            row += [1, None]
        row += [sessions]
        if quiz:
            row += [1, None]
        row += [useful, change or None]
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("quiz", [False, True])
def test_microsoft_forms_export_shape_keeps_only_the_questions(quiz):
    parsed = parse(_forms_workbook(quiz), fmt="msforms")
    assert [(q.qid, q.text, q.kind) for q in parsed.questions][:2] == [
        ("Q1", "Which sessions did you attend?", "multi"),
        ("Q2", "How useful was the teaching?", "likert"),
    ]
    assert parsed.questions[0].options == ["Anatomy", "Pharmacology", "Physiology"]
    assert [r.response_id for r in parsed.rows] == ["1", "2", "3", "4", "5", "6"]
    assert parsed.rows[0].answers["Q1"] == ["Anatomy", "Physiology"]
    kept = {q.text for q in parsed.questions}
    assert not kept & {"Start time", "Completion time", "Email", "Name", "Total points",
                       "Points - Which sessions did you attend?"}  # fmt: skip


def test_screening_keeps_a_small_scale_and_a_choices_column_but_still_drops_names():
    from nearpeer.evaluation.screening import content_reason

    assert content_reason(["4", "5", "2", "3", "1"]) is None
    assert content_reason(["A;B;", "A;", "B;C;", "A;C;", "A;B;C;", "B;"]) is None
    assert content_reason(["Ada Lovelace", "Ben Okri", "Cy Twombly", "Di Fox", "Ed Sheeran"]) == (
        "its answers are mostly unique single words (names, user names or codes)"
    )


@pytest.mark.parametrize(
    "name", ["qualtrics_qualtRics_sample.csv", "qualtrics_qualtRics_sample_legacy.csv"]
)
def test_real_qualtrics_exports_of_both_layouts_give_the_same_survey(name):
    parsed = _parse(name)
    assert [(q.qid, q.text) for q in parsed.questions] == [
        ("Q1", "This is a multiple choice question."), ("Q2", "This is a free text question."),
    ]  # fmt: skip
    assert [(r.response_id, r.answers) for r in parsed.rows] == [
        ("R_2YPOQ602ER1jkf1", {"Q1": ["2"], "Q2": ["Hello World!"]})
    ]


def _workbook(header: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Header rows of real Microsoft Forms quiz exports, as public code that reads such exports
# spells them (tests/data/README.md): "Total points" and "Quiz feedback" come before "Last
# modified time", newer exports add "Grade posted time", and a question whose title repeats a
# metadata column ("ID", "Name") gets a "2" while its Points/Feedback columns keep the title.
REAL_QUIZ_HEADERS = [
    ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback",
     "Last modified time", "Which sessions did you attend?",
     "Points - Which sessions did you attend?", "Feedback - Which sessions did you attend?"],
    ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback",
     "Grade posted time", "ID2", "Points - ID2", "Feedback - ID2",
     "Which sessions did you attend?", "Points - Which sessions did you attend?",
     "Feedback - Which sessions did you attend?"],
]  # fmt: skip


@pytest.mark.parametrize("header", REAL_QUIZ_HEADERS)
def test_microsoft_forms_quiz_headers_of_real_exports_keep_only_the_questions(header):
    start = datetime.datetime(2025, 3, 1, 18, 0)
    rows = []
    for n, sessions in enumerate(["Anatomy;Physiology;", "Anatomy;", "Physiology;",
                                  "Anatomy;Physiology;", "Physiology;"], start=1):  # fmt: skip
        values = {"ID": n, "Start time": start, "Completion time": start, "Email": "anonymous",
                  "Total points": 1, "Grade posted time": start, "ID2": f"S{n:03}",
                  "Which sessions did you attend?": sessions}  # fmt: skip
        rows.append([values.get(h) for h in header])
    parsed = parse(_workbook(header, rows), fmt="msforms")
    assert [(q.text, q.kind) for q in parsed.questions] == [
        ("Which sessions did you attend?", "multi")
    ]
    assert parsed.rows[0].answers[parsed.questions[0].qid] == ["Anatomy", "Physiology"]
    dropped = {d.header: d.reason for d in parsed.decisions if not d.kept}
    assert all(h in dropped for h in header if h not in ("ID", "Which sessions did you attend?"))
    if "Grade posted time" in header:
        assert dropped["Grade posted time"] == "Microsoft Forms metadata, not a question"


def test_the_web_preview_names_each_questions_type_and_the_merged_columns(client, lead):
    from django.urls import reverse

    from nearpeer.evaluation.models import Survey

    survey = Survey.objects.create(title="2017 export", slug="export-2017")
    client.force_login(lead)
    preview = client.post(
        reverse("evaluation:survey-import", kwargs={"slug": survey.slug}),
        {
            "file": io.BytesIO((DATA / "qualtrics_2017_multi.csv").read_bytes()),
            "format": "qualtrics",
            "dry_run": "on",
        },
        follow=True,
    )
    shown = [str(m) for m in preview.context["messages"]]
    # The type each question is read as is guessed from its answers: the preview says it.
    assert [m for m in shown if m.startswith("Question ")] == [
        "Question Q1, read as Likert (5-point): How useful were the recordings?",
        "Question Q2, read as Multiple choice: Which did you use?",
        "Question Q3_1, read as Likert (5-point): Rate each - Lectures",
        "Question Q3_2, read as Likert (5-point): Rate each - Tutorials",
    ]
    assert (
        "Columns Q2_1…Q2_3: one multiple-answer question Q2 with 3 choices (each column held 1 "
        "or its choice, or was blank)"
    ) in shown
    assert not any(m.startswith("Column columns") for m in shown)
    assert survey.responses.count() == 0
