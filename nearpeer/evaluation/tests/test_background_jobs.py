"""Evaluation's long work as background jobs (core/jobs.py): the survey import, the value
report's files and a large survey's grouped report file."""

import io
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
from nearpeer.evaluation.models import Survey
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

from .conftest import DATA


@pytest.mark.django_db
def test_value_report_file_is_built_in_the_background_and_downloaded_from_the_job_page(
    client, lead, imported_survey
):
    client.force_login(lead)
    url = reverse("evaluation:value-report-build", args=["imported"])

    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(url, {"format": "xlsx"})
    job = BackgroundJob.objects.get()
    page = client.get(started.headers["Location"]).content.decode()
    download = client.get(reverse("core:job-output", args=[job.pk]))

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert "<li>The XLSX file is ready.</li>" in page
    assert f'href="{reverse("core:job-output", args=[job.pk])}"' in page
    assert download["Content-Disposition"] == 'attachment; filename="imported-value.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert "Value creation" in book.sheetnames


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
