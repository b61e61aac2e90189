"""The parsers alone, without Django."""

import io

import openpyxl
import pytest

from nearpeer.evaluation.parsing import ParseError, parse

from .conftest import DATA


def test_qualtrics_export_keeps_questions_and_response_ids_and_drops_identifying_columns():
    parsed = parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")

    assert [(q.qid, q.kind) for q in parsed.questions] == [
        ("Q1", "single"),
        ("Q2", "multi"),
        ("Q3", "likert"),
        ("Q4", "single"),
        ("Q5", "text"),
    ]
    assert [r.response_id for r in parsed.rows][:3] == ["R_a1", "R_a2", "R_a3"]
    assert parsed.rows[1].answers["Q5"] == ['The "mock exam" was hard,\nbut fair.']
    assert parsed.rows[0].answers["Q2"] == ["1", "2"]
    assert "Q3" not in parsed.rows[4].answers
    assert {"IPAddress", "RecipientEmail", "LocationLatitude", "RecipientLastName"} <= set(
        parsed.dropped_columns
    )
    everything = repr(parsed)
    assert "10.0.0.1" not in everything and "person0@example.ac.uk" not in everything
    assert "Surname0" not in everything and "51.0" not in everything


def test_legacy_qualtrics_layout_uses_label_row_for_response_id():
    parsed = parse((DATA / "qualtrics_legacy.csv").read_bytes(), fmt="qualtrics")

    assert [(q.qid, q.kind) for q in parsed.questions] == [("Q1", "likert"), ("Q2", "text")]
    assert [(r.response_id, r.answers) for r in parsed.rows] == [
        ("R_l1", {"Q1": ["4"], "Q2": ["Keep them coming"]}),
        ("R_l2", {"Q1": ["5"]}),
    ]
    assert "ada@example.ac.uk" not in repr(parsed)


def test_type_override_wins_over_inference():
    parsed = parse(
        (DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics", types={"Q4": "text"}
    )

    assert parsed.questions[3].kind == "text"


def test_missing_importid_row_is_a_clear_error():
    lines = (DATA / "qualtrics_export.csv").read_bytes().split(b"\r\n")
    data = b"\r\n".join([lines[0], lines[1], *lines[3:]])

    with pytest.raises(ParseError) as exc:
        parse(data, fmt="qualtrics")

    assert exc.value.errors == [
        'row 3: expected the Qualtrics ImportId header row ({"ImportId": …}); export with three '
        "header rows, or use --format csv"
    ]


def test_ragged_row_and_bad_likert_value_are_reported_by_row_and_column():
    text = (DATA / "qualtrics_export.csv").read_bytes().decode("utf-8-sig")
    text = text.replace('2,"2,3",3,2,\r\n', '2,"2,3",Sometimes,2,\r\n')
    text += "x,y,z\r\n"

    with pytest.raises(ParseError) as exc:
        parse(text.encode(), fmt="qualtrics", types={"Q3": "likert"})

    assert exc.value.errors == [
        "row 17: 3 columns, expected 22 as in the header",
        "row 7, column Q3: 'Sometimes' is not a 5-point Likert answer",
    ]


def test_plain_csv_with_bom_quotes_and_identifying_column():
    data = (
        '\ufeffresponse_id,email,Year,Comments\r\n1,a@x.org,2,"one, two"\r\n2,b@x.org,2,"a\nb"\r\n'
    )

    parsed = parse(data.encode(), fmt="csv")

    assert [(q.qid, q.kind) for q in parsed.questions] == [("Year", "single"), ("Comments", "text")]
    assert parsed.dropped_columns == ["email"]
    assert parsed.rows[1].answers == {"Year": ["2"], "Comments": ["a\nb"]}


def test_msforms_workbook_multichoice_split_on_semicolons():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["ID", "Start time", "Completion time", "Email", "Name", "Which resources?", "Why?"]
    )
    sheet.append([1, "1/6/26", "1/6/26", "anonymous", None, "Recordings;Slides;", "Late, tired"])
    sheet.append([2, "1/6/26", "1/6/26", "anonymous", None, "Slides;", "Clashes with placement"])
    buffer = io.BytesIO()
    book.save(buffer)

    parsed = parse(buffer.getvalue(), fmt="msforms", types={"Q2": "text"})

    assert [(q.qid, q.kind, q.text) for q in parsed.questions] == [
        ("Q1", "multi", "Which resources?"),
        ("Q2", "text", "Why?"),
    ]
    assert parsed.rows[0].answers["Q1"] == ["Recordings", "Slides"]
    assert parsed.dropped_columns == ["Start time", "Completion time", "Email", "Name"]


def test_not_utf8_is_rejected():
    with pytest.raises(ParseError) as exc:
        parse(b"a,b\r\n\xff\xfe,1\r\n", fmt="csv")

    assert exc.value.errors == ["the file is not UTF-8 text (at byte offset 5)"]
