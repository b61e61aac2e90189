"""The teaching portfolio's PDF: served at once for a usual portfolio, built by a background
job (core/jobs.py) for a long one, with the same bytes either way; the job and its file are the
teacher's own."""

import pytest
from django.test import TestCase
from django.urls import reverse
from reportlab import rl_config

from nearpeer.core.models import BackgroundJob
from nearpeer.members.tests.factories import committee, teacher
from nearpeer.teachers import pdf, services, views
from nearpeer.teachers.models import Observation
from nearpeer.teachers.tests.factories import past_session
from nearpeer.teaching.models import SessionKind


@pytest.fixture(autouse=True)
def _invariant_pdf(monkeypatch):
    """ReportLab stamps each PDF with the time and a random id unless asked not to: the same
    portfolio then gives the same bytes, so two builds can be compared."""
    monkeypatch.setattr(rl_config, "invariant", 1)


@pytest.fixture
def pat(db):
    me = teacher(name="Pat Portfolio")
    session = past_session(teachers=[me], title="Renal physiology")
    past_session(teachers=[me], hours_ago=30, title="Cardiac cycle")
    past_session(attendees=[me], kind=SessionKind.WORKSHOP, title="Teaching skills workshop")
    Observation.objects.create(
        session=session,
        teacher=me,
        observer=teacher(name="Obi Observer"),
        status=Observation.Status.SUBMITTED,
        strengths="Calm and clear",
        overall=5,
    )
    return me


def pdf_before_jobs(me) -> bytes:
    """What portfolio_pdf built inside the request before the PDF moved to a job."""
    data = services.portfolio(teacher=me)
    data["teacher"] = me
    return pdf.portfolio_pdf(data)


@pytest.fixture
def long(monkeypatch):
    """Every portfolio counts as long (Pat's has two sessions)."""
    monkeypatch.setattr(views, "DIRECT_PORTFOLIO_MAX_SESSIONS", 1)


def test_a_usual_portfolio_pdf_is_the_response_itself_from_the_button_or_the_link(client, pat):
    before = pdf_before_jobs(pat)
    client.force_login(pat)

    page = client.get(reverse("teachers:portfolio")).content.decode()
    button = client.post(reverse("teachers:portfolio-pdf"))
    link = client.get(reverse("teachers:portfolio-pdf"))

    assert f'<form method="post" action="{reverse("teachers:portfolio-pdf")}"' in page
    for response in (button, link):
        assert response["Content-Disposition"] == 'attachment; filename="teaching-portfolio.pdf"'
        assert response.content == before
    assert before.startswith(b"%PDF") and not BackgroundJob.objects.exists()


def test_a_long_portfolio_pdf_is_built_by_a_job_with_the_same_bytes(client, pat, long):
    before = pdf_before_jobs(pat)
    client.force_login(pat)

    link = client.get(reverse("teachers:portfolio-pdf"), follow=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = client.post(reverse("teachers:portfolio-pdf"))
    job = BackgroundJob.objects.get()
    page = client.get(started.headers["Location"]).content.decode()
    download = client.get(reverse("core:job-output", args=[job.pk]))

    # A GET (a link or a script) builds nothing: it is sent to the portfolio's button.
    assert link.redirect_chain == [(reverse("teachers:portfolio"), 302)]
    assert "its PDF is built in the background" in link.content.decode()
    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert (job.kind, job.status, job.started_by) == ("teachers.portfolio-pdf", "done", pat)
    assert "<li>Your portfolio&#x27;s PDF is ready.</li>" in page
    assert f'href="{reverse("teachers:portfolio")}"' in page
    assert download["Content-Disposition"] == 'attachment; filename="teaching-portfolio.pdf"'
    assert b"".join(download.streaming_content) == before


def test_pressing_download_twice_gives_one_build_and_no_one_else_sees_it(client, pat, long):
    # No worker runs here (the test's transaction never commits): the first stays queued.
    client.force_login(pat)
    first = client.post(reverse("teachers:portfolio-pdf"))
    second = client.post(reverse("teachers:portfolio-pdf"))
    job = BackgroundJob.objects.get()
    BackgroundJob.objects.filter(pk=job.pk).update(status="done")
    outsiders = {}
    for who in (committee(), teacher()):
        client.force_login(who)
        outsiders[who.pk] = [
            client.get(reverse(name, args=[job.pk])).status_code
            for name in ("core:job-detail", "core:job-output")
        ]
    client.force_login(committee())
    committee_build = client.post(reverse("teachers:portfolio-pdf"))

    assert first["Location"] == second["Location"] == reverse("core:job-detail", args=[job.pk])
    # The committee sees a teacher's portfolio page, never the teacher's own PDF job.
    assert list(outsiders.values()) == [[404, 404], [404, 404]]
    # Someone else's download builds their own portfolio (their key), not Pat's.
    assert committee_build.status_code == 200 and BackgroundJob.objects.count() == 1


def test_a_portfolio_job_refuses_a_starter_who_is_account_is_closed(client, pat, long):
    from nearpeer.core.jobs import execute_job

    client.force_login(pat)
    client.post(reverse("teachers:portfolio-pdf"))
    job = BackgroundJob.objects.get()
    pat.is_active = False  # the account closed while the job waited
    pat.save(update_fields=["is_active"])

    done = execute_job(job_id=job.pk)

    assert done.status == "failed" and not done.output


def test_erasing_the_teacher_deletes_the_built_pdf(client, pat, long):
    from nearpeer.core.privacy import erase_member_data

    client.force_login(pat)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("teachers:portfolio-pdf"))
    job = BackgroundJob.objects.get()
    storage, name = job.output.storage, job.output.name
    assert storage.exists(name)

    erase_member_data(member=pat)

    assert not storage.exists(name) and not BackgroundJob.objects.exists()
