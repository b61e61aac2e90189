"""Import a Qualtrics-format export and check every count of the grouped report."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer, Coding, Question, Response, Survey
from nearpeer.evaluation.parsing import ParseError, parse
from nearpeer.evaluation.stats import escape_cell

from .conftest import DATA

GROUPS = [
    "All=",
    "Pre-clinical=Q1:1|2",
    "Clinical=Q1:3|4|5|6",
    "Teachers=Q4:1",
    "Year 1=Q1:1",
]

# Worked out by hand from tests/data/qualtrics_export.csv (12 respondents; Year 1 has 2, so it is
# withheld under the minimum group size of 5). Each group's counts as asked for alone; asked for
# together, some are withheld so that no one can be isolated by subtraction (see below).
W = "withheld"
EXPECTED = [
    [
        "question",
        "item",
        "All N",
        "All %",
        "Pre-clinical N",
        "Pre-clinical %",
        "Clinical N",
        "Clinical %",
        "Teachers N",
        "Teachers %",
        "Year 1 N",
        "Year 1 %",
    ],
    ["(respondents)", "group size", "12", "100.0", "5", "100.0", "6", "100.0", "5", "100.0", W, W],
    ["Q1", "1", "2", "16.7", "2", "40.0", "0", "0.0", "0", "0.0", W, W],
    ["Q1", "2", "3", "25.0", "3", "60.0", "0", "0.0", "0", "0.0", W, W],
    ["Q1", "3", "2", "16.7", "0", "0.0", "2", "33.3", "2", "40.0", W, W],
    ["Q1", "4", "1", "8.3", "0", "0.0", "1", "16.7", "0", "0.0", W, W],
    ["Q1", "5", "2", "16.7", "0", "0.0", "2", "33.3", "2", "40.0", W, W],
    ["Q1", "6", "1", "8.3", "0", "0.0", "1", "16.7", "1", "20.0", W, W],
    ["Q1", "(no answer)", "1", "8.3", "0", "0.0", "0", "0.0", "0", "0.0", W, W],
    ["Q2", "1", "7", "58.3", "3", "60.0", "3", "50.0", "2", "40.0", W, W],
    ["Q2", "2", "5", "41.7", "3", "60.0", "2", "33.3", "2", "40.0", W, W],
    ["Q2", "3", "5", "41.7", "2", "40.0", "3", "50.0", "3", "60.0", W, W],
    ["Q2", "(no answer)", "1", "8.3", "1", "20.0", "0", "0.0", "0", "0.0", W, W],
    ["Q3", "1", "1", "8.3", "0", "0.0", "1", "16.7", "1", "20.0", W, W],
    ["Q3", "2", "2", "16.7", "1", "20.0", "1", "16.7", "1", "20.0", W, W],
    ["Q3", "3", "2", "16.7", "1", "20.0", "0", "0.0", "0", "0.0", W, W],
    ["Q3", "4", "4", "33.3", "1", "20.0", "3", "50.0", "2", "40.0", W, W],
    ["Q3", "5", "2", "16.7", "1", "20.0", "1", "16.7", "1", "20.0", W, W],
    ["Q3", "(no answer)", "1", "8.3", "1", "20.0", "0", "0.0", "0", "0.0", W, W],
    ["Q4", "1", "5", "41.7", "0", "0.0", "5", "83.3", "5", "100.0", W, W],
    ["Q4", "2", "6", "50.0", "5", "100.0", "1", "16.7", "0", "0.0", W, W],
    ["Q4", "(no answer)", "1", "8.3", "0", "0.0", "0", "0.0", "0", "0.0", W, W],
    ["Q5", "(answered)", "6", "50.0", "4", "80.0", "2", "33.3", "2", "40.0", W, W],
    ["Q5", "(no answer)", "6", "50.0", "1", "20.0", "4", "66.7", "3", "60.0", W, W],
]


# Clinical minus Teachers is one person, and all minus Pre-clinical minus Clinical is the one who
# skipped Q1: asked for together, Teachers and Pre-clinical are withheld too.
EXPECTED_TOGETHER = [EXPECTED[0]] + [
    r[:4] + [W, W] + r[6:8] + [W, W] + r[10:] for r in EXPECTED[1:]
]


def _report_csv(tmp_path, *args, slug: str = "imported") -> list[list[str]]:
    out = tmp_path / "report.csv"
    call_command("evaluation", "report", slug, *args, "--format", "csv", "-o", str(out))
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))


def _import(slug: str) -> str:
    out = io.StringIO()
    call_command(
        "evaluation",
        "import",
        str(DATA / "qualtrics_export.csv"),
        "--format",
        "qualtrics",
        "--survey",
        slug,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db
def test_import_command_then_every_count_of_the_grouped_report(tmp_path, settings):
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    output = _import("imported")
    group_args = [arg for g in GROUPS for arg in ("--group", g)]

    rows = _report_csv(tmp_path, *group_args)
    # Each group asked for alone, as the first report of a fresh copy of the survey (in the
    # same survey, every earlier report counts: see the next test).
    alone = {}
    for n, group in enumerate(("Pre-clinical=Q1:1|2", GROUPS[3])):
        _import(f"fresh-{n}")
        alone[group] = _report_csv(tmp_path, "--group", group, slug=f"fresh-{n}")

    assert "imported 12 responses, 56 answers" in output
    assert rows == EXPECTED_TOGETHER
    assert alone["Pre-clinical=Q1:1|2"] == [r[:2] + r[4:6] for r in EXPECTED]
    assert alone[GROUPS[3]] == [r[:2] + r[8:10] for r in EXPECTED]


@pytest.mark.django_db
def test_a_group_withheld_on_one_page_stays_withheld_when_asked_for_alone_later(tmp_path, settings):
    # Finding 4: the page with All, Pre-clinical and Clinical withholds Pre-clinical (all minus
    # both would isolate the one who skipped Q1). Asking for Pre-clinical alone afterwards
    # used to show it; every group shown before is now remembered, so it stays withheld.
    settings.NEARPEER_MIN_GROUP_SIZE = 5
    _import("imported")
    _report_csv(tmp_path, *[arg for g in GROUPS for arg in ("--group", g)])

    later = _report_csv(tmp_path, "--group", "Pre-clinical=Q1:1|2")

    assert later[1] == ["(respondents)", "group size", W, W]


@pytest.mark.django_db
def test_codes_on_free_text_become_report_items_with_full_path(imported_survey, tmp_path):
    codes = tmp_path / "codes.csv"
    codes.write_text(
        "response_id,question,code,coder\n"
        "R_a1,Q5,Resources/Recordings,alice\n"
        "R_a5,Q5,Resources/Recordings,alice\n"
        "R_a2,Q5,Assessment,alice\n"
        "R_a6,Q5,Giving back/Revision,alice\n"
    )
    call_command("evaluation", "import-codes", str(codes), "--survey", "imported")

    rows = _report_csv(tmp_path, "--group", "All=", "--group", "Pre-clinical=Q1:1|2")

    assert [r for r in rows if r[0] == "Q5"] == [
        ["Q5", "(answered)", "6", "50.0", "4", "80.0"],
        ["Q5", "Assessment", "1", "8.3", "1", "20.0"],
        ["Q5", "Giving back/Revision", "1", "8.3", "0", "0.0"],
        ["Q5", "Resources/Recordings", "2", "16.7", "2", "40.0"],
        ["Q5", "(no answer)", "6", "50.0", "1", "20.0"],
    ]


@pytest.mark.django_db
def test_small_cells_suppressed_so_subtraction_cannot_recover_them(imported_survey):
    groups = services.parse_groups(["All="])

    report = services.survey_report(survey=imported_survey, groups=groups, suppress_below=3)

    q4 = {r.item: r.cells[0] for r in report.rows if r.question == "Q4"}
    # "(no answer)" = 1 is below 3; alone it could be recovered as 12 − 5 − 6, so the next
    # smallest cell (5) is hidden as well.
    assert [(k, c.n, c.suppressed) for k, c in q4.items()] == [
        ("1", None, True),
        ("2", 6, False),
        ("(no answer)", None, True),
    ]


def test_csv_cells_starting_with_formula_characters_are_escaped():
    assert [escape_cell(v) for v in ["=1+1", "+x", "-3", "@a", "ok", 4]] == [
        "'=1+1",
        "'+x",
        "'-3",
        "'@a",
        "ok",
        4,
    ]


@pytest.mark.django_db
def test_report_xlsx_and_html_formats_write_files(imported_survey, tmp_path):
    import openpyxl

    call_command(
        "evaluation",
        "report",
        "imported",
        "--group",
        "All=",
        "--format",
        "xlsx",
        "-o",
        str(tmp_path / "r.xlsx"),
    )
    call_command(
        "evaluation",
        "report",
        "imported",
        "--group",
        "All=",
        "--format",
        "html",
        "-o",
        str(tmp_path / "r.html"),
    )

    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert [c.value for c in sheet[2]] == ["(respondents)", "group size", 12, 100]
    assert '<th scope="col">All N</th>' in (tmp_path / "r.html").read_text()


@pytest.mark.django_db
def test_import_with_errors_imports_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    text = (DATA / "qualtrics_export.csv").read_bytes().decode("utf-8-sig") + "1,2\r\n"
    bad.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as exc:
        call_command(
            "evaluation", "import", str(bad), "--format", "qualtrics", "--survey", "imported"
        )

    assert "row 17: 2 columns, expected 22 as in the header" in str(exc.value)
    assert (Survey.objects.count(), Response.objects.count(), Question.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_reimporting_the_same_response_ids_is_refused_and_adds_nothing(imported_survey):
    parsed = parse((DATA / "qualtrics_export.csv").read_bytes(), fmt="qualtrics")

    with pytest.raises(ParseError) as exc:
        services.import_responses(survey=imported_survey, parsed=parsed)

    assert exc.value.errors[0] == "response R_a1 is already imported into imported"
    assert Response.objects.count() == 12


@pytest.mark.django_db
def test_dry_run_imports_nothing():
    survey = Survey.objects.create(title="S", slug="s")
    out = io.StringIO()

    call_command(
        "evaluation",
        "import",
        str(DATA / "qualtrics_export.csv"),
        "--format",
        "qualtrics",
        "--survey",
        "s",
        "--dry-run",
        stdout=out,
    )

    assert out.getvalue().startswith("would import 12 responses, 56 answers")
    assert (survey.questions.count(), Response.objects.count(), Answer.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_codes_file_with_unknown_response_id_imports_nothing(imported_survey, tmp_path):
    codes = tmp_path / "codes.csv"
    codes.write_text(
        "response_id,question,code,coder\nR_a1,Q5,Resources,alice\nR_zz,Q5,Resources,alice\n"
    )

    with pytest.raises(CommandError) as exc:
        call_command("evaluation", "import-codes", str(codes), "--survey", "imported")

    assert "row 3, column response_id: unknown response id 'R_zz' in imported" in str(exc.value)
    assert (Coding.objects.count(), imported_survey.codes.count()) == (0, 0)


@pytest.mark.django_db
def test_codes_file_with_wrong_header_is_refused(imported_survey, tmp_path):
    codes = tmp_path / "codes.csv"
    codes.write_text("id,code\nR_a1,Resources\n")

    with pytest.raises(CommandError) as exc:
        call_command("evaluation", "import-codes", str(codes), "--survey", "imported")

    assert "row 1: columns must be exactly response_id,question,code,coder" in str(exc.value)


@pytest.mark.django_db
def test_codes_export_round_trips_and_escapes(imported_survey, tmp_path):
    code = services.get_or_create_code_path(survey=imported_survey, path="=Odd/Child")
    answer = Answer.objects.get(response__external_id="R_a9", question__qid="Q5")
    services.apply_code(code=code, coder="bob", answer=answer)

    text = services.export_codes_csv(survey=imported_survey)

    assert text.splitlines() == ["response_id,question,code,coder", "R_a9,Q5,'=Odd/Child,bob"]


@pytest.mark.django_db
def test_report_group_on_unknown_question_is_a_clear_error(imported_survey, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command(
            "evaluation", "report", "imported", "--group", "X=Q99:1", "-o", str(tmp_path / "x.csv")
        )

    assert str(exc.value) == "group 'X': no question Q99 in imported"


@pytest.mark.django_db
def test_import_into_a_question_of_another_type_is_refused(imported_survey):
    parsed = parse((DATA / "qualtrics_legacy.csv").read_bytes(), fmt="qualtrics")

    with pytest.raises(ParseError) as exc:
        services.import_responses(survey=imported_survey, parsed=parsed)

    assert exc.value.errors == [
        "column Q1: the survey has it as single, the file looks likert; if the answers fit,"
        " override its type with Q1=single (--type, or the form's type overrides)",
        "column Q2: the survey has it as multi, the file looks text; if the answers fit,"
        " override its type with Q2=multi (--type, or the form's type overrides)",
    ]
    assert Response.objects.count() == 12


@pytest.mark.django_db
def test_audience_by_year_phase_and_role():
    from nearpeer.members.models import Role
    from nearpeer.members.tests.factories import UserFactory, teacher

    y2, y3, t5 = UserFactory(year=2), UserFactory(year=3), teacher(year=5)
    clinical_teachers = Survey(
        slug="a", audience_phase="clinical", audience_role=Role.STUDENT_TEACHER
    )
    clinical_teachers.save()
    years = Survey.objects.create(slug="b", audience_years_mask=(1 << 2) | (1 << 3))

    assert [clinical_teachers.includes(u) for u in (y2, y3, t5)] == [False, False, True]
    assert list(clinical_teachers.audience()) == [t5]
    assert [years.includes(u) for u in (y2, y3, t5)] == [True, True, False]
    assert set(years.audience()) == {y2, y3}


@pytest.mark.django_db
def test_cached_report_follows_new_answers_and_codes(imported_survey):
    groups = services.parse_groups(["All="])
    first = services.survey_report(survey=imported_survey, groups=groups)
    Response.objects.create(survey=imported_survey, external_id="R_new")
    second = services.survey_report(survey=imported_survey, groups=groups)
    for n in range(4):
        Response.objects.create(survey=imported_survey, external_id=f"R_new{n}")
    later = services.survey_report(survey=imported_survey, groups=groups)
    code = services.get_or_create_code_path(survey=imported_survey, path="Later")
    services.apply_code(
        code=code, coder="c", answer=Answer.objects.filter(question__qid="Q5").first()
    )
    third = services.survey_report(survey=imported_survey, groups=groups)
    code.name = "Renamed"
    code.save()
    fourth = services.survey_report(survey=imported_survey, groups=groups)

    # One newcomer waits (all respondents before and after would single them out); five
    # (the minimum group size) are counted together.
    assert [r.groups[0].size for r in (first, second, later)] == [12, 12, 17]
    assert [r.waiting for r in (first, second, later)] == [0, 1, 0]
    assert [r.item for r in third.rows if r.question == "Q5"] == [
        "(answered)",
        "Later",
        "(no answer)",
    ]
    assert [r.item for r in fourth.rows if r.question == "Q5"] == [
        "(answered)",
        "Renamed",
        "(no answer)",
    ]
