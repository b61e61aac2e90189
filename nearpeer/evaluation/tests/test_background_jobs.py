"""Evaluation's long work as background jobs (core/jobs.py): the survey import, the value
report's files and a large survey's grouped report file."""

import io
import re
import zipfile
from urllib.parse import urlencode

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from nearpeer.core.models import BackgroundJob
from nearpeer.evaluation import exports, services, views
from nearpeer.evaluation.indicators import platform_indicators
from nearpeer.evaluation.jobs import value_table
from nearpeer.evaluation.models import (
    Answer,
    Code,
    Coding,
    Question,
    Survey,
    ValueStatement,
)
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

from .conftest import DATA


@pytest.mark.django_db
def test_two_leads_importing_into_one_survey_get_one_import_and_a_dry_run_stays_on_the_page(
    client, lead
):
    survey = Survey.objects.create(title="S", slug="s")
    url = reverse("evaluation:survey-import", args=["s"])
    data = (DATA / "qualtrics_export.csv").read_bytes()
    client.force_login(lead)

    preview = client.post(url, {"file": io.BytesIO(data), "format": "qualtrics", "dry_run": "on"})
    # No worker runs here (the test's transaction never commits): the first stays queued.
    first = client.post(url, {"file": io.BytesIO(data), "format": "qualtrics"})
    second = client.post(url, {"file": io.BytesIO(data), "format": "qualtrics"}, follow=True)

    job = BackgroundJob.objects.get()
    assert preview.headers["Location"] == reverse("evaluation:survey-detail", args=["s"])
    assert first.headers["Location"] == second.redirect_chain[-1][0]
    assert second.redirect_chain[-1][0] == reverse("core:job-detail", args=[job.pk])
    assert "is already importing into this survey" in second.content.decode()
    assert job.upload.read() == data  # kept in storage for the worker
    assert survey.responses.count() == 0


# --- The grouped survey report's CSV/XLSX ---------------------------------------------------

# The page's groups: everyone, and a group too small to show (withheld), with suppression on.
QUERY = {"groups": "All=\nYear 1=Q1:1", "suppress": "on"}


def direct_download_before_jobs(survey, fmt: str) -> bytes:
    """What report_view built inside the request before the file moved to a job: the page's
    groups and suppression, then the export."""
    report = services.survey_report(
        survey=survey,
        groups=services.parse_groups(QUERY["groups"].splitlines()),
        suppress_below=settings.NEARPEER_MIN_GROUP_SIZE,
    )
    return exports.report_csv(report) if fmt == "csv" else exports.report_xlsx(report)


def xlsx_parts(data: bytes) -> dict:
    """A workbook's parts but its creation time (docProps/core.xml), which XlsxWriter stamps."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def same_file(a: bytes, b: bytes, fmt: str) -> bool:
    return a == b if fmt == "csv" else xlsx_parts(a) == xlsx_parts(b)


@pytest.fixture
def large(monkeypatch):
    """Every survey counts as large (the imported one has 12 responses)."""
    monkeypatch.setattr(views, "DIRECT_REPORT_MAX_RESPONSES", 11)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_surveys_report_file_is_built_by_a_job_with_the_direct_downloads_content(
    client, lead, imported_survey, large, fmt
):
    before = direct_download_before_jobs(imported_survey, fmt)
    cache.clear()  # the job builds the report again, not from the cached one
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            reverse("evaluation:report-build", args=["imported"]),
            {"format": fmt, "query": urlencode(QUERY)},
        )
    job = BackgroundJob.objects.get()
    page = client.get(started.headers["Location"]).content.decode()
    download = client.get(reverse("core:job-output", args=[job.pk]))
    built = b"".join(download.streaming_content)

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert (job.kind, job.status) == ("evaluation.survey-report", "done")
    assert f"<li>The {fmt.upper()} file is ready.</li>" in page
    back = reverse("evaluation:report-view", args=["imported"]) + "?" + urlencode(QUERY)
    assert f'href="{back.replace("&", "&amp;")}"' in page
    assert download["Content-Disposition"] == f'attachment; filename="imported-report.{fmt}"'
    assert same_file(built, before, fmt)
    if fmt == "csv":  # the small group stays withheld and small counts suppressed in the file
        assert "Year 1 N,Year 1 %" in built.decode()
        assert "group size,12,100.0,withheld,withheld" in built.decode()
        assert "suppressed" in built.decode()


@pytest.mark.django_db
def test_a_small_surveys_report_file_is_the_response_itself_from_the_button_or_the_link(
    client, lead, imported_survey
):
    before = {fmt: direct_download_before_jobs(imported_survey, fmt) for fmt in ("csv", "xlsx")}
    client.force_login(lead)
    url = reverse("evaluation:report-view", args=["imported"])

    page = client.get(url, QUERY).content.decode()
    button = {
        fmt: client.post(
            reverse("evaluation:report-build", args=["imported"]),
            {"format": fmt, "query": urlencode(QUERY)},
        )
        for fmt in ("csv", "xlsx")
    }
    link = {fmt: client.get(url, {**QUERY, "format": fmt}) for fmt in ("csv", "xlsx")}

    # The form carries the page's groups (not a format) to the download.
    assert f'name="query" value="{urlencode(QUERY).replace("&", "&amp;")}"' in page
    for fmt in ("csv", "xlsx"):
        for response in (button[fmt], link[fmt]):
            assert response["Content-Disposition"] == (
                f'attachment; filename="imported-report.{fmt}"'
            )
            assert same_file(response.content, before[fmt], fmt)
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db
def test_two_leads_downloading_the_same_large_report_get_one_build(
    client, lead, imported_survey, large
):
    other = UserFactory(roles=[Role.EVALUATION_LEAD], name="Other Lead")
    url = reverse("evaluation:report-build", args=["imported"])
    same = {"format": "csv", "query": urlencode(QUERY)}

    # No worker runs here (the test's transaction never commits): the first stays queued.
    client.force_login(lead)
    first = client.post(url, same)
    other_groups = client.post(url, {"format": "csv", "query": "groups=All%3D"})
    other_format = client.post(url, {**same, "format": "xlsx"})
    client.force_login(other)
    second = client.post(url, same, follow=True)
    link = client.get(reverse("evaluation:report-view", args=["imported"]), {"format": "csv"})

    assert first.headers["Location"] == second.redirect_chain[-1][0]
    assert "is already building this file" in second.content.decode()
    assert len({first["Location"], other_groups["Location"], other_format["Location"]}) == 3
    assert BackgroundJob.objects.filter(kind="evaluation.survey-report").count() == 3
    # A link with ?format= to a large survey's file builds nothing in the request: the page.
    assert link.status_code == 200 and "attachment" not in link.get("Content-Disposition", "")
    assert "Press a Download button" in link.content.decode()


@pytest.mark.django_db
def test_only_evaluation_leads_start_or_read_a_report_build(client, lead, imported_survey, large):
    member = UserFactory(year=2)
    client.force_login(member)
    refused = client.post(
        reverse("evaluation:report-build", args=["imported"]),
        {"format": "csv", "query": ""},
    )
    client.force_login(lead)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("evaluation:report-build", args=["imported"]), {"format": "csv", "query": ""}
        )
    job = BackgroundJob.objects.get()
    other_lead = UserFactory(roles=[Role.EVALUATION_LEAD])
    client.force_login(member)
    member_sees = [
        client.get(reverse(name, args=[job.pk])).status_code
        for name in ("core:job-detail", "core:job-output")
    ]
    client.force_login(other_lead)
    lead_sees = [
        client.get(reverse(name, args=[job.pk])).status_code
        for name in ("core:job-detail", "core:job-output")
    ]

    assert refused.status_code == 404 and job.started_by == lead
    assert member_sees == [404, 404]
    assert lead_sees == [200, 200]


# --- The value-creation report's PDF/XLSX --------------------------------------------------


@pytest.fixture
def value_survey(imported_survey):
    """The imported survey with two statements in its value table."""
    theme = services.get_or_create_code_path(survey=imported_survey, path="Confidence")
    for quote in ("I finally got ECGs", "I teach now"):
        ValueStatement.objects.create(
            survey=imported_survey,
            cycle="immediate",
            audience="attendees",
            theme=theme,
            quote=quote,
        )
    return imported_survey


@pytest.fixture
def large_value(monkeypatch):
    """Every value report counts as large (the one above has 29 characters of quotes)."""
    monkeypatch.setattr(views, "DIRECT_VALUE_MAX_CHARS", 28)


def value_file_before_jobs(survey, fmt: str) -> bytes:
    """What value_report built inside the request before large files moved to a job."""
    table, indicators = value_table(survey), platform_indicators()
    if fmt == "pdf":
        return exports.value_pdf(table, indicators, title=f"Value created: {survey.title}")
    return exports.value_xlsx(table, indicators)


@pytest.mark.django_db
def test_a_large_value_reports_file_is_built_by_a_job_and_downloaded_from_its_page(
    client, lead, value_survey, large_value
):
    before = value_file_before_jobs(value_survey, "xlsx")
    client.force_login(lead)
    url = reverse("evaluation:value-report-build", args=["imported"])

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(url, {"format": "xlsx"})
    job = BackgroundJob.objects.get()
    page = client.get(started.headers["Location"]).content.decode()
    download = client.get(reverse("core:job-output", args=[job.pk]))
    built = b"".join(download.streaming_content)

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert (job.kind, job.status) == ("evaluation.value-report", "done")
    assert "<li>The XLSX file is ready.</li>" in page
    assert f'href="{reverse("core:job-output", args=[job.pk])}"' in page
    assert f'href="{reverse("evaluation:value-report", args=["imported"])}"' in page
    assert download["Content-Disposition"] == 'attachment; filename="imported-value.xlsx"'
    assert same_file(built, before, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(built))
    assert [c.value for c in book["Value creation"][2]][:2] == [
        "Immediate value",
        "Confidence: “I finally got ECGs”\nConfidence: “I teach now”",
    ]


@pytest.mark.django_db
def test_a_value_report_builds_progress_shows_on_the_polled_job_page(
    client, lead, value_survey, large_value, monkeypatch
):
    """While the worker writes the file, the job's htmx fragment (polled every second) says so,
    one step of two."""
    client.force_login(lead)
    seen = {}
    write = exports.value_xlsx

    def watching(*args, **kwargs):
        job = BackgroundJob.objects.get()
        fragment = client.get(
            reverse("core:job-detail", args=[job.pk]), headers={"HX-Request": "true"}
        )
        seen["fragment"] = fragment.content.decode()
        return write(*args, **kwargs)

    monkeypatch.setattr(exports, "value_xlsx", watching)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("evaluation:value-report-build", args=["imported"]), {"format": "xlsx"})
    job = BackgroundJob.objects.get()
    after = client.get(reverse("core:job-detail", args=[job.pk]), headers={"HX-Request": "true"})

    fragment = seen["fragment"]
    assert fragment.lstrip().startswith('<div id="job-status"') and "<html" not in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert "<strong>Writing the XLSX file</strong>: 1 of 2." in fragment
    assert '<progress max="2" value="1"' in fragment
    assert "hx-trigger" not in after.content.decode()  # polling stops when the job ends


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_small_value_reports_file_is_the_response_itself_from_the_button_or_the_link(
    client, lead, value_survey, fmt
):
    before = value_file_before_jobs(value_survey, fmt)
    client.force_login(lead)

    button = client.post(
        reverse("evaluation:value-report-build", args=["imported"]), {"format": fmt}
    )
    link = client.get(reverse("evaluation:value-report", args=["imported"]), {"format": fmt})

    for response in (button, link):
        assert response["Content-Disposition"] == f'attachment; filename="imported-value.{fmt}"'
        if fmt == "xlsx":
            assert same_file(response.content, before, fmt)
        else:  # reportlab stamps the time and a random document id in the file
            assert response.content.startswith(b"%PDF") and before.startswith(b"%PDF")
    assert not BackgroundJob.objects.exists()


@pytest.mark.django_db
def test_two_leads_building_the_same_large_value_report_get_one_build_and_a_link_builds_none(
    client, lead, value_survey, large_value, django_assert_num_queries
):
    other = UserFactory(roles=[Role.EVALUATION_LEAD], name="Other Lead")
    build = reverse("evaluation:value-report-build", args=["imported"])
    page = reverse("evaluation:value-report", args=["imported"])

    # No worker runs here (the test's transaction never commits): the first stays queued.
    client.force_login(lead)
    first = client.post(build, {"format": "pdf"})
    other_format = client.post(build, {"format": "xlsx"})
    client.force_login(other)
    second = client.post(build, {"format": "pdf"}, follow=True)
    # session, user (roles cached by the request before), survey, the quotes' length; the
    # insert that the active job refuses (in a savepoint: 4); the job holding the key with who
    # started it.
    with django_assert_num_queries(9):
        client.post(build, {"format": "pdf"})
    link = client.get(page, {"format": "pdf"})

    assert first.headers["Location"] == second.redirect_chain[-1][0]
    assert "Other Lead" not in second.content.decode()
    assert "is already building this file" in second.content.decode()
    assert first["Location"] != other_format["Location"]
    assert BackgroundJob.objects.filter(kind="evaluation.value-report").count() == 2
    # A link with ?format= to a large report's file builds nothing in the request: the page.
    assert link.status_code == 200 and "attachment" not in link.get("Content-Disposition", "")
    assert "Press PDF or XLSX" in link.content.decode()
    assert "it is prepared in the background" in link.content.decode()


@pytest.mark.django_db
def test_only_evaluation_leads_start_or_read_a_value_report_build(
    client, lead, value_survey, large_value
):
    member = UserFactory(year=2)
    client.force_login(member)
    refused = client.post(
        reverse("evaluation:value-report-build", args=["imported"]), {"format": "pdf"}
    )
    client.force_login(lead)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("evaluation:value-report-build", args=["imported"]), {"format": "pdf"})
    job = BackgroundJob.objects.get()
    seen = {}
    for who in (member, UserFactory(roles=[Role.EVALUATION_LEAD])):
        client.force_login(who)
        seen[who] = [
            client.get(reverse(name, args=[job.pk])).status_code
            for name in ("core:job-detail", "core:job-output")
        ]
    client.logout()
    anonymous = client.get(reverse("core:job-output", args=[job.pk]))

    assert refused.status_code == 404 and job.status == "done"
    assert list(seen.values()) == [[404, 404], [200, 200]]
    assert anonymous.status_code in (302, 404)


# --- A long codes CSV ---------------------------------------------------------------------


def codes_csv(survey, *, bad_row: bool = False) -> bytes:
    """One code on every free-text answer of the survey (and a row naming no response)."""
    answers = Answer.objects.filter(
        response__survey=survey, question__kind=Question.Kind.TEXT
    ).select_related("response", "question")
    lines = ["response_id,question,code,coder"]
    lines += [f"{a.response.label},{a.question.qid},Confidence/Exams,ana" for a in answers]
    if bad_row:
        lines.append("R_nobody,Q1,Confidence,ana")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def long_codes(monkeypatch):
    """Every codes CSV counts as long (the imported survey's has a dozen lines)."""
    monkeypatch.setattr(views, "DIRECT_CODES_MAX_LINES", 1)


def post_codes(client, data: bytes, *, dry_run: bool = False):
    form = {"file": io.BytesIO(data)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(reverse("evaluation:codes-import", args=["imported"]), form)


@pytest.mark.django_db
def test_a_long_codes_csv_is_imported_by_a_job_all_or_nothing_after_a_dry_run(
    client, lead, imported_survey, long_codes
):
    data = codes_csv(imported_survey)
    n = data.count(b"\n") - 1
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        checked = post_codes(client, data, dry_run=True)
    check = BackgroundJob.objects.get()
    after_check = Coding.objects.count()
    with TestCase.captureOnCommitCallbacks(execute=True):
        imported = post_codes(client, data)
    job = BackgroundJob.objects.exclude(pk=check.pk).get()
    page = client.get(imported.headers["Location"]).content.decode()

    assert n >= 2
    assert checked.headers["Location"] == reverse("core:job-detail", args=[check.pk])
    assert (check.status, check.result["summary"]) == ("done", [f"Checked {n} codings."])
    assert after_check == 0
    assert imported.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert job.status == "done" and f"<li>Imported {n} codings.</li>" in page
    assert Coding.objects.filter(code__name="Exams", coder="ana").count() == n
    assert not job.upload and not check.upload  # the uploads are deleted when the job ends


@pytest.mark.django_db
def test_a_long_codes_csv_with_one_bad_row_imports_nothing_and_names_the_row(
    client, lead, imported_survey, long_codes
):
    data = codes_csv(imported_survey, bad_row=True)
    last = data.count(b"\n")
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = post_codes(client, data)
    job = BackgroundJob.objects.get()
    page = client.get(started.headers["Location"]).content.decode()

    assert job.status == "failed"
    assert job.errors == [
        f"row {last}, column response_id: unknown response id 'R_nobody' in imported",
        "No codes were imported.",
    ]
    assert "Nothing was changed." in page
    assert not Coding.objects.exists() and not Code.objects.filter(name="Exams").exists()


@pytest.mark.django_db
def test_a_short_codes_csv_is_imported_in_the_request(client, lead, imported_survey):
    data = codes_csv(imported_survey)
    client.force_login(lead)

    response = post_codes(client, data)
    page = client.get(response.headers["Location"]).content.decode()

    n = data.count(b"\n") - 1
    assert response.headers["Location"] == reverse("evaluation:coding-workspace", args=["imported"])
    assert f"Imported {n} codings." in page
    assert Coding.objects.count() == n and not BackgroundJob.objects.exists()


@pytest.mark.django_db
def test_two_leads_importing_the_same_long_codes_csv_get_one_import(
    client, lead, imported_survey, long_codes, django_assert_num_queries
):
    other = UserFactory(roles=[Role.EVALUATION_LEAD], name="Other Lead")
    data = codes_csv(imported_survey)

    # No worker runs here (the test's transaction never commits): the first stays queued.
    client.force_login(lead)
    first = post_codes(client, data)
    client.force_login(other)
    # session, user, roles, survey; the insert that the active job refuses (in a savepoint:
    # 4); the job holding the key with who started it. (The message is kept in a cookie.)
    with django_assert_num_queries(9):
        second = post_codes(client, data)
    page = client.get(second.headers["Location"]).content.decode()

    job = BackgroundJob.objects.get()
    assert first.headers["Location"] == second.headers["Location"]
    assert second.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert "is already importing codes into this survey" in page
    assert job.status == "queued" and job.upload.read() == data
    assert not Coding.objects.exists()


@pytest.mark.django_db
def test_a_value_report_pdf_with_more_quotes_in_a_cell_than_a_page_holds_is_built(
    client, lead, imported_survey
):
    """One row per statement: a cell of 30 long quotes used to be one table row taller than a
    page, which reportlab cannot lay out (the build failed)."""
    theme = services.get_or_create_code_path(survey=imported_survey, path="Confidence")
    ValueStatement.objects.bulk_create(
        ValueStatement(
            survey=imported_survey, cycle="immediate", audience="attendees", theme=theme,
            quote=f"Quote {i}: " + "word " * 190,
        )
        for i in range(30)
    )  # fmt: skip
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(
            reverse("evaluation:value-report-build", args=["imported"]), {"format": "pdf"}
        )
    job = BackgroundJob.objects.get()
    built = b"".join(client.get(reverse("core:job-output", args=[job.pk])).streaming_content)

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert (job.status, job.errors) == ("done", [])
    assert built.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", built)) >= 10


# --- A large REFI-QDA project ---------------------------------------------------------------


@pytest.fixture
def coded_export(imported_survey):
    """The survey's codings exported as .qdpx, then removed from the survey."""
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    code = services.get_or_create_code_path(survey=imported_survey, path="Resources/Recordings")
    services.apply_code(code=code, coder="ana@example.ac.uk", answer=answer, start=0, end=5)
    data = services.export_qdpx(survey=imported_survey)
    Coding.objects.all().delete()
    Code.objects.all().delete()
    return data


def post_qdpx(client, data: bytes, *, dry_run: bool = False):
    form = {"file": io.BytesIO(data)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(reverse("evaluation:qdpx-import", args=["imported"]), form)


@pytest.mark.django_db
def test_a_large_refi_project_is_checked_then_imported_by_a_job(
    client, lead, imported_survey, coded_export, monkeypatch
):
    monkeypatch.setattr(views, "DIRECT_QDPX_MAX_BYTES", 1)
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        checked = post_qdpx(client, coded_export, dry_run=True)
    check = BackgroundJob.objects.get()
    after_check = Coding.objects.count()
    with TestCase.captureOnCommitCallbacks(execute=True):
        imported = post_qdpx(client, coded_export)
    job = BackgroundJob.objects.exclude(pk=check.pk).get()
    page = client.get(imported.headers["Location"]).content.decode()

    assert checked.headers["Location"] == reverse("core:job-detail", args=[check.pk])
    assert check.status == "done" and check.result["summary"][0].startswith("Would import 1 coding")
    assert after_check == 0
    assert job.status == "done" and "Imported 1 coding" in page
    assert Coding.objects.filter(code__name="Recordings", coder="ana@example.ac.uk").count() == 1
    assert not job.upload and not check.upload


@pytest.mark.django_db
def test_a_large_refi_project_matching_nothing_fails_and_changes_nothing(
    client, lead, imported_survey, coded_export, monkeypatch
):
    monkeypatch.setattr(views, "DIRECT_QDPX_MAX_BYTES", 1)
    # The same project with its sources renamed: they match no answer of the survey.
    source, other_buffer = zipfile.ZipFile(io.BytesIO(coded_export)), io.BytesIO()
    with zipfile.ZipFile(other_buffer, "w") as out:
        for name in source.namelist():
            out.writestr(name, source.read(name).replace(b"R_a1", b"R_zz"))
    other = other_buffer.getvalue()
    client.force_login(lead)

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = post_qdpx(client, other)
    job = BackgroundJob.objects.get()

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert job.status == "failed" and job.errors[0].startswith("Nothing imported: 1 of")
    assert not Coding.objects.exists() and not Code.objects.exists()


@pytest.mark.django_db
def test_a_small_refi_project_is_imported_in_the_request(
    client, lead, imported_survey, coded_export
):
    client.force_login(lead)
    response = post_qdpx(client, coded_export)
    assert response.headers["Location"] == reverse("evaluation:coding-workspace", args=["imported"])
    assert not BackgroundJob.objects.exists()
    assert Coding.objects.filter(code__name="Recordings").count() == 1


@pytest.mark.django_db
def test_a_refi_upload_without_a_file_says_so(client, lead, imported_survey):
    client.force_login(lead)
    response = client.post(reverse("evaluation:qdpx-import", args=["imported"]), {}, follow=True)
    assert "File: This field is required." in response.content.decode()
    assert not BackgroundJob.objects.exists()
