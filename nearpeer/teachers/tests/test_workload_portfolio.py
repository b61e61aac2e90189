"""Workload (hours per term with preparation, cap) and the portfolio page, PDF and CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from nearpeer.members.tests.factories import committee, teacher
from nearpeer.teachers import services
from nearpeer.teachers.models import Observation
from nearpeer.teachers.tests.factories import past_session
from nearpeer.teachers.workload import TaughtSession, workload
from nearpeer.teaching.models import SessionKind, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

T0 = datetime(2026, 10, 5, 18, 0)


def test_workload_adds_delivery_and_preparation_by_kind():
    sessions = [
        TaughtSession("lecture", T0, T0 + timedelta(hours=1)),
        TaughtSession("tutorial", T0, T0 + timedelta(minutes=90)),
        TaughtSession("unknown", T0, T0 + timedelta(hours=2)),
    ]

    load = workload(sessions, prep_hours={"lecture": 4, "tutorial": 1}, cap=8)

    assert (load.sessions, load.delivery_hours, load.preparation_hours) == (3, 4.5, 5.0)
    assert (load.total_hours, load.over_cap, load.hours_left) == (9.5, True, 0.0)


@pytest.mark.django_db
def test_teacher_sees_a_warning_past_the_cap(client, settings):
    settings.NEARPEER_TEACHER_TERM_HOURS_CAP = 6
    busy = teacher()
    past_session(teachers=[busy])  # 1 h + 4 h preparation
    client.force_login(busy)
    under = client.get("/teachers/workload/")
    past_session(teachers=[busy], hours_ago=5)
    over = client.get("/teachers/workload/")

    assert "past the society" not in under.text and "5.0 of 6.0 hours" in under.text
    assert "past the society" in over.text and "10.0 of 6.0 hours" in over.text


@pytest.mark.django_db
def test_committee_view_lists_free_teachers_first_when_filling_a_session(client, settings):
    settings.NEARPEER_TEACHER_TERM_HOURS_CAP = 6
    clashing, overloaded, _free = teacher(name="Cla"), teacher(name="Ove"), teacher(name="Fre")
    starts = timezone.now() + timedelta(hours=3)
    target = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    other = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
    SessionTeacher.objects.create(session=other, teacher=clashing)
    past_session(teachers=[overloaded])
    past_session(teachers=[overloaded], hours_ago=5)
    client.force_login(committee())

    response = client.get(f"/teachers/committee/workload/?session={target.pk}")

    rows = response.context["rows"]
    assert [(r.teacher.name, r.clash, r.load.over_cap) for r in rows] == [
        ("Fre", False, False),
        ("Ove", False, True),
        ("Cla", True, False),
    ]
    assert "Teaching at that time" in response.text and "Over the cap" in response.text


@pytest.mark.django_db
def test_portfolio_page_pdf_and_csv(client):
    me = teacher(name="Pat Portfolio")
    session = past_session(teachers=[me], title='=HYPERLINK("x")')
    past_session(attendees=[me], kind=SessionKind.WORKSHOP, title="Teaching skills workshop")
    Observation.objects.create(
        session=session,
        teacher=me,
        observer=teacher(name="Obi Observer"),
        status=Observation.Status.SUBMITTED,
        strengths="Calm and clear",
        overall=5,
    )
    client.force_login(me)

    page = client.get("/teachers/portfolio/")
    pdf = client.get("/teachers/portfolio.pdf")
    rows = list(csv.reader(io.StringIO(client.get("/teachers/portfolio.csv").content.decode())))

    assert "1 session taught, 1.0 hours" in page.text
    assert "Calm and clear" in page.text and "Teaching skills workshop" in page.text
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Disposition"].startswith("attachment")
    assert rows[0] == ["date", "session", "kind", "hours", "attended", "recording viewers"]
    assert rows[1][1:] == ['\'=HYPERLINK("x")', "Lecture", "1.0", "0", "0"]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3])
def test_committee_workload_queries_do_not_grow(client, n, django_assert_num_queries):
    for _ in range(n):
        past_session(teachers=[teacher()])
    boss = committee()
    client.force_login(boss)
    boss.roles  # noqa: B018

    # session, user, teachers, their sessions, upcoming sessions (roles from the cache)
    with django_assert_num_queries(5):
        response = client.get("/teachers/committee/workload/")
    assert response.text.count('data-label="Teacher"') == n


@pytest.mark.django_db
def test_erasure_deletes_applications_and_certificates(client):
    from nearpeer.members.services import erase_member

    me = teacher()
    session = past_session(teachers=[me])
    cert = services.issue_session_certificate(holder=me, session=session)

    erase_member(member=me, by=committee())

    assert client.get(f"/certificates/{cert.code}.jwt").status_code == 404
