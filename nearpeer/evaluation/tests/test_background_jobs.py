"""Evaluation's long work as background jobs (core/jobs.py): the survey import and the value
report's files."""

import io

import openpyxl
import pytest
from django.test import TestCase
from django.urls import reverse

from nearpeer.core.models import BackgroundJob
from nearpeer.evaluation.models import Survey

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
