"""A teacher's year in one flow: apply, be accepted, teach, get feedback, show a certificate."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nearpeer.members.tests.factories import UserFactory, committee
from nearpeer.teachers import services
from nearpeer.teachers.tests.factories import CallFactory
from nearpeer.teaching.models import Attendance, Material, Session
from nearpeer.teaching.services import record_material_view
from nearpeer.teaching.tests.factories import SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(_browser):
    contexts = []

    def _new(**kwargs):
        context = _browser.new_context(**kwargs)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield _new
    for context in contexts:
        context.close()


def test_apply_accepted_teach_feedback_live_and_recording_then_certificate(
    page, phone_page, new_page, live_server, sign_in, axe, settings, tmp_path
):
    settings.NEARPEER_FEEDBACK_MIN_ANSWERS = 3
    settings.NEARPEER_MIN_GROUP_SIZE = 3
    call = CallFactory(title="Year 2 renal lectures", questions=["Why this topic?"])
    boss = committee(name="Cora Committee")
    applicant = UserFactory(name="Nia Newteacher", year=4, email="nia@example.ac.uk")
    starts = timezone.now() + timedelta(days=3)
    session = SessionFactory(
        title="Renal physiology", starts_at=starts, ends_at=starts + timedelta(hours=1)
    )

    # 1. Apply.
    sign_in(page, applicant)
    page.goto(f"{live_server.url}/teachers/calls/{call.pk}/")
    assert axe(page) == []
    page.get_by_role("link", name="Apply to teach").click()
    page.get_by_label("Topics you would like to teach").fill("Renal physiology")
    page.get_by_label("Why this topic?").fill("I struggled with it and now love explaining it")
    page.get_by_label("I would like to teach with an experienced co-teacher").check()
    assert axe(page) == []
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_text("Application sent.")).to_be_visible()

    # 2. Accepted by the committee, on a phone, and assigned to the session.
    sign_in(phone_page, boss)
    phone_page.goto(f"{live_server.url}/teachers/calls/{call.pk}/applications/")
    assert axe(phone_page) == []
    phone_page.get_by_label(f"Select application {call.applications.get().pk}").check()
    phone_page.get_by_label("Action").select_option("accept")
    phone_page.get_by_label("Message to the selected applicants").fill("Welcome!")
    phone_page.get_by_role("button", name="Apply to selected").click()
    expect(phone_page.get_by_text("Done for 1 application.")).to_be_visible()
    phone_page.get_by_role("link", name="Nia Newteacher").click()
    phone_page.get_by_label("Session").select_option(str(session.pk))
    phone_page.get_by_role("button", name="Assign to this session").click()
    expect(phone_page.get_by_text("Assigned.")).to_be_visible()

    # 3. Teach: the session takes place (time moves on); one attends, one watches later.
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    attendee = UserFactory(name="Ade Attendee", email="ade@example.ac.uk")
    viewer = UserFactory(name="Vi Viewer", email="vi@example.ac.uk")
    Attendance.objects.create(session=session, member=attendee)
    recording = Material.objects.create(
        session=session, kind=Material.Kind.RECORDING, title="Recording", url="https://v.example/r"
    )
    session.refresh_from_db()
    # Two more people on each side, so each side reaches the threshold of three.
    for n in range(2):
        live = UserFactory(email=f"live{n}@example.ac.uk")
        Attendance.objects.create(session=session, member=live)
        services.submit_feedback(session=session, user=live, values={"overall": "4"})
        later = UserFactory(email=f"later{n}@example.ac.uk")
        record_material_view(material=recording, member=later)
        services.submit_feedback(session=session, user=later, values={"overall": "3"})

    # 4. Feedback from the attendee (live) and from a member who opened the recording.
    attendee_page = new_page()
    sign_in(attendee_page, attendee)
    attendee_page.goto(f"{live_server.url}/teachers/feedback/")
    attendee_page.get_by_role("link", name="Give feedback on Renal physiology").click()
    attendee_page.get_by_role("group", name="Overall, how useful was this session?").get_by_label(
        "5 – excellent"
    ).check()
    attendee_page.get_by_label("What worked well?").fill("The nephron drawings")
    assert axe(attendee_page) == []
    attendee_page.get_by_role("button", name="Send feedback").click()
    expect(attendee_page.get_by_text("your answer is anonymous")).to_be_visible()

    viewer_page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    sign_in(viewer_page, viewer)
    # Opens the recording (a link elsewhere: follow the app's redirect, not the video site).
    opened = viewer_page.request.get(
        f"{live_server.url}/materials/{recording.pk}/", max_redirects=0
    )
    assert (opened.status, opened.headers["location"]) == (302, "https://v.example/r")
    viewer_page.goto(f"{live_server.url}/notifications/")
    viewer_page.get_by_role("link", name="Watched “Renal physiology”?").first.click()
    expect(viewer_page.get_by_text("you watched the recording")).to_be_visible()
    viewer_page.get_by_role("group", name="Overall, how useful was this session?").get_by_label(
        "2"
    ).check()
    viewer_page.get_by_label("What could be better?").fill("Sound was quiet")
    viewer_page.get_by_role("button", name="Send feedback").click()
    expect(viewer_page.get_by_text("your answer is anonymous")).to_be_visible()

    # 5. The teacher sees live and recording side by side.
    page.goto(f"{live_server.url}/teachers/sessions/{session.pk}/feedback/")
    expect(page.get_by_text("3 live answers, 3 from recording viewers.")).to_be_visible()
    row = page.get_by_role("row", name="Overall, how useful was this session?")
    assert row.inner_text().split("\t")[1:] == ["4.33 (3)", "2.67 (3)"]
    expect(page.get_by_text("The nephron drawings")).to_be_visible()
    assert axe(page) == []

    # 6. Certificate: issue for this term, download the PDF, open the verify page.
    page.goto(f"{live_server.url}/teachers/certificates/")
    assert axe(page) == []
    page.get_by_role("button", name="Issue a certificate for this term").click()
    assert page.get_by_text("Valid: issued and signed by").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    verify_url = page.url

    anonymous = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    anonymous.goto(verify_url)
    assert anonymous.get_by_text("Valid: issued and signed by").is_visible()
    expect(anonymous.get_by_text("Nia Newteacher")).to_be_visible()
    assert axe(anonymous) == []


def test_teacher_downloads_the_portfolio_pdf_at_once_or_from_its_job_page(
    page, live_server, sign_in, axe, monkeypatch
):
    from pathlib import Path

    from reportlab import rl_config

    from nearpeer.members.tests.factories import teacher
    from nearpeer.teachers import views
    from nearpeer.teachers.tests.factories import past_session

    monkeypatch.setattr(rl_config, "invariant", 1)  # the same portfolio, the same bytes
    me = teacher(name="Pat Portfolio", email="pat-b@example.ac.uk")
    past_session(teachers=[me], title="Renal physiology")
    sign_in(page, me)
    page.goto(f"{live_server.url}/teachers/portfolio/")
    button = page.get_by_role("button", name="Download PDF")

    with page.expect_download(timeout=30_000) as usual:
        button.click()
    # The same portfolio counted as long: the button leads to the job's page, which offers it.
    monkeypatch.setattr(views, "DIRECT_PORTFOLIO_MAX_SESSIONS", 0)
    button.click()
    status = page.locator("#job-status")
    status.get_by_text("Done").wait_for(timeout=30_000)
    assert axe(page) == []
    with page.expect_download(timeout=30_000) as long:
        status.get_by_role("link", name="Download teaching-portfolio.pdf").click()

    assert usual.value.suggested_filename == long.value.suggested_filename
    assert Path(long.value.path()).read_bytes() == Path(usual.value.path()).read_bytes()
    assert Path(usual.value.path()).read_bytes().startswith(b"%PDF")
