"""Issue #8, finding 5: a plain-CSV import kept identifying columns (the filter was a
blocklist). Now only columns that look like questions by name and content are kept."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse

from nearpeer.evaluation.models import Question, Survey
from nearpeer.evaluation.parsing import ParseError, parse

HEADER = (
    "response_id,Student number,Surname,Date of birth,Postcode,NHS number,Username,"
    "IP,Start time,End time,Contact,Ref,Who,How useful were the sessions?,Comments\n"
)
PEOPLE = [
    ("s1234567", "Okafor", "2003-04-01", "LS2 9JT", "943 476 5919", "aokafor", "192.0.2.1"),
    ("s2345678", "Nguyen", "2002-11-23", "M13 9PL", "401 023 2137", "bnguyen", "192.0.2.2"),
    ("s3456789", "Smith", "2003-01-15", "EH8 9YL", "943 476 5870", "csmith", "192.0.2.3"),
    ("s4567890", "Patel", "2001-07-30", "B15 2TT", "401 023 2188", "dpatel", "198.51.100.4"),
    ("s5678901", "Jones", "2002-02-02", "CF10 3AT", "943 476 5889", "ejones", "198.51.100.5"),
    ("s6789012", "Kowalski", "2003-09-09", "BS8 1TH", "401 023 2196", "fkowal", "203.0.113.6"),
]
USEFUL = ["Agree", "Strongly agree", "Agree", "Neither agree nor disagree", "Agree", "Agree"]


def identifying_csv() -> bytes:
    lines = [HEADER]
    for n, (sid, surname, dob, postcode, nhs, user, ip) in enumerate(PEOPLE, start=1):
        lines.append(
            f"r{n},{sid},{surname},{dob},{postcode},{nhs},{user},{ip},"
            f"2026-03-0{n} 10:0{n},2026-03-0{n} 10:1{n},"
            # Innocent headers, identifying contents: emails, NHS numbers, first names.
            f"{user}@example.ac.uk,{nhs.replace(' ', '')},{surname}a,"
            f"{USEFUL[n - 1]},The recordings helped me revise for the exam {n}\n"
        )
    return "".join(lines).encode()


def test_only_question_columns_are_kept_and_the_preview_names_each_column():
    parsed = parse(identifying_csv(), fmt="csv")

    assert [q.text for q in parsed.questions] == ["How useful were the sessions?", "Comments"]
    assert parsed.preview() == [
        "Student number: dropped (its name looks identifying)",
        "Surname: dropped (its name looks identifying)",
        "Date of birth: dropped (its name looks identifying)",
        "Postcode: dropped (its name looks identifying)",
        "NHS number: dropped (its name looks identifying)",
        "Username: dropped (its name looks identifying)",
        "IP: dropped (its name looks identifying)",
        "Start time: dropped (its name looks identifying)",
        "End time: dropped (its name looks identifying)",
        "Contact: dropped (its answers look like email addresses)",
        "Ref: dropped (its answers look like NHS numbers)",
        "Who: dropped (its answers are mostly unique single words (names, user names or codes))",
        "How useful were the sessions?: question Q1",
        "Comments: question Comments",
    ]
    stored = {v for row in parsed.rows for values in row.answers.values() for v in values}
    assert not any("Okafor" in v or "@" in v or "s1234567" in v for v in stored)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (["192.0.2.1", "2001:db8::1"], "its answers look like IP addresses"),
        (["SW1A 1AA", "LS2 9JT"], "its answers look like postcodes"),
        (
            ["01/04/2003", "23/11/2002"],
            "its answers look like dates or times (dates of birth, start and end times)",
        ),
        (["1234567", "s7654321"], "its answers look like student or staff numbers"),
        (["Agree", "Agree", "Disagree", "Agree", "Agree"], None),
        (["It was good because it was short", "Longer sessions please"], None),
    ],
)
def test_content_screening(values, reason):
    from nearpeer.evaluation.screening import content_reason

    assert content_reason(values) == reason


def test_nhs_check_digit():
    from nearpeer.evaluation.screening import nhs_number_valid

    # 943 476 5919 is a valid NHS number; changing its last digit breaks the check.
    assert (nhs_number_valid("943 476 5919"), nhs_number_valid("943 476 5918")) == (True, False)


def test_the_lead_keeps_a_dropped_column_with_a_reason():
    parsed = parse(identifying_csv(), fmt="csv", keep={"Postcode": "Regional analysis approved"})

    assert [q.text for q in parsed.questions] == [
        "Postcode",
        "How useful were the sessions?",
        "Comments",
    ]
    assert "Postcode: question Postcode (kept by the lead: Regional analysis approved)" in (
        parsed.preview()
    )


def test_keep_needs_a_known_column_and_a_reason():
    with pytest.raises(ParseError) as unknown:
        parse(identifying_csv(), fmt="csv", keep={"Shoe size": "why not"})
    with pytest.raises(ParseError) as no_reason:
        parse(identifying_csv(), fmt="csv", keep={"Postcode": " "})

    assert unknown.value.errors[0] == "--keep 'Shoe size': no column 'Shoe size' in the file"
    assert no_reason.value.errors == ["--keep 'Postcode': give a reason for keeping it"]


def test_cli_dry_run_lists_columns_and_keep_flag(tmp_path, db):
    path = tmp_path / "export.csv"
    path.write_bytes(identifying_csv())
    out = StringIO()

    call_command(
        "evaluation",
        "import",
        str(path),
        "--format=csv",
        "--survey=s",
        "--dry-run",
        "--keep",
        "Surname=Needed to merge with the register (approved by the ethics committee)",
        stdout=out,
    )
    with pytest.raises(CommandError, match="write COLUMN=why it is needed"):
        call_command(
            "evaluation", "import", str(path), "--format=csv", "--survey=s", "--keep", "Surname"
        )

    text = out.getvalue()
    assert "  Surname: question Surname (kept by the lead: Needed to merge" in text
    assert "  Postcode: dropped (its name looks identifying)" in text
    assert Survey.objects.count() == 0


def test_import_form_previews_columns_and_takes_a_reason(client, lead, db):
    survey = Survey.objects.create(title="Imported", slug="imported")
    client.force_login(lead)
    url = reverse("evaluation:survey-import", kwargs={"slug": survey.slug})

    preview = client.post(
        url,
        {"file": io.BytesIO(identifying_csv()), "format": "csv", "dry_run": "on"},
        follow=True,
    )
    # The real import is a background job (core/jobs.py); here its task runs at commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            url,
            {
                "file": io.BytesIO(identifying_csv()),
                "format": "csv",
                "keep": "Postcode=Regional analysis approved",
            },
        )
    kept = client.get(started.headers["Location"])

    preview_messages = [str(m) for m in preview.context["messages"]]
    assert "Column Surname: dropped (its name looks identifying)" in preview_messages
    assert "Column Comments: question Comments" in preview_messages
    assert "Column Postcode: question Postcode (kept by the lead: Regional analysis approved)" in (
        kept.content.decode()
    )
    assert sorted(Question.objects.filter(survey=survey).values_list("text", flat=True)) == [
        "Comments",
        "How useful were the sessions?",
        "Postcode",
    ]
