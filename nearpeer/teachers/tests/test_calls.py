"""Calls for teachers: applying, blind review, bulk decisions, assignment, training."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.notifications.models import Notification
from nearpeer.teachers import services
from nearpeer.teachers.models import Application, Call
from nearpeer.teachers.tests.factories import CallFactory, past_session
from nearpeer.teaching.models import SessionKind, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _apply(call, user, **kw):
    return services.apply_to_call(call=call, applicant=user, topics=kw.pop("topics", "Renal"), **kw)


def test_apply_through_the_form_answers_the_calls_own_questions(client):
    call = CallFactory(questions=["Why do you want to teach?"])
    reviewer = teacher()
    call.reviewers.set([reviewer])
    member = UserFactory(name="Mo Member")
    client.force_login(member)

    missing = client.post(f"/teachers/calls/{call.pk}/apply/", {"topics": "Renal"})
    ok = client.post(
        f"/teachers/calls/{call.pk}/apply/",
        {"topics": "Renal", "q0": "To give back", "wants_co_teacher": "on"},
    )

    application = Application.objects.get()
    assert missing.status_code == 200 and "This field is required" in missing.text
    assert ok.status_code == 302 and ok["Location"] == f"/teachers/applications/{application.pk}/"
    assert application.answers == {"Why do you want to teach?": "To give back"}
    assert application.wants_co_teacher is True
    assert Notification.objects.filter(recipient=reviewer).count() == 1


def test_closed_calls_and_second_applications_are_refused():
    closed = CallFactory(closes_at=timezone.now() - timedelta(minutes=1))
    call = CallFactory()
    member = UserFactory()
    _apply(call, member)

    with pytest.raises(services.TeachersError, match="closed"):
        _apply(closed, member)
    with pytest.raises(services.TeachersError, match="already applied"):
        _apply(call, member)


def test_blind_review_hides_names_and_years_from_reviewers_not_from_the_committee(client):
    call = CallFactory(blind_review=True)
    reviewer = teacher()
    call.reviewers.set([reviewer])
    applicant = UserFactory(name="Zed Distinctive-Name", year=3)
    application = _apply(call, applicant)

    pages = {}
    for who, user in (("reviewer", reviewer), ("committee", committee())):
        client.force_login(user)
        pages[who] = [
            client.get(f"/teachers/calls/{call.pk}/applications/").text,
            client.get(f"/teachers/applications/{application.pk}/").text,
            client.get(f"/teachers/applications/{application.pk}/review/").text,
        ]

    assert all("Distinctive-Name" not in t and "year 3" not in t for t in pages["reviewer"])
    assert all(f"pplicant {application.pk}" in t for t in pages["reviewer"])
    assert all("Distinctive-Name" in t for t in pages["committee"])


def test_open_review_shows_names_to_reviewers(client):
    call = CallFactory(blind_review=False)
    reviewer = teacher()
    call.reviewers.set([reviewer])
    _apply(call, UserFactory(name="Open Name"))
    client.force_login(reviewer)

    assert "Open Name" in client.get(f"/teachers/calls/{call.pk}/applications/").text


def test_reviews_score_every_category_and_show_as_means(client):
    call = CallFactory(review_categories=["Knowledge", "Plan"])
    application = _apply(call, UserFactory())
    r1, r2 = teacher(), teacher()
    call.reviewers.set([r1, r2])
    services.save_review(application=application, reviewer=r1, scores={"Knowledge": 4, "Plan": 2})
    client.force_login(r2)
    client.post(f"/teachers/applications/{application.pk}/review/", {"c0": "5", "c1": "3"})

    with pytest.raises(services.TeachersError, match="Plan: give a score"):
        services.save_review(application=application, reviewer=r1, scores={"Knowledge": 4})
    page = client.get(f"/teachers/calls/{call.pk}/applications/")
    assert '<td data-label="Knowledge">4.5</td>' in page.text
    assert '<td data-label="Plan">2.5</td>' in page.text


def test_bulk_decisions_accept_grant_the_role_and_message_everyone(client):
    call = CallFactory()
    a, b, c = (_apply(call, UserFactory()) for _ in range(3))
    client.force_login(committee())

    response = client.post(
        f"/teachers/calls/{call.pk}/decisions/",
        {"decision": "accept", "applications": [a.pk, b.pk], "message": "Welcome aboard"},
    )

    a.refresh_from_db()
    c.refresh_from_db()
    assert response.status_code == 302
    assert (a.status, a.decision_message, c.status) == ("accepted", "Welcome aboard", "submitted")
    assert a.applicant.__class__.objects.get(pk=a.applicant_id).has_role(Role.STUDENT_TEACHER)
    assert Notification.objects.filter(body="Welcome aboard").count() == 2


def test_interview_is_off_by_default_and_a_foreign_id_fails_the_whole_request():
    call, other_call = CallFactory(), CallFactory()
    mine = _apply(call, UserFactory())
    foreign = _apply(other_call, UserFactory())
    boss = committee()

    assert Call._meta.get_field("interview_step").default is False
    with pytest.raises(services.TeachersError, match="no interview step"):
        services.decide_applications(
            call=call, application_ids=[mine.pk], decision="interview", message="", by=boss
        )
    with pytest.raises(services.TeachersError, match="not open in this call"):
        services.decide_applications(
            call=call,
            application_ids=[mine.pk, foreign.pk],
            decision="decline",
            message="",
            by=boss,
        )
    mine.refresh_from_db()
    assert mine.status == "submitted"
    call.interview_step = True
    call.save()
    services.decide_applications(
        call=call, application_ids=[mine.pk], decision="interview", message="Tue 5pm?", by=boss
    )
    mine.refresh_from_db()
    assert mine.status == "interview"


def test_assignment_needs_acceptance_and_training_when_the_call_asks(client):
    call = CallFactory(training_required=True)
    applicant = UserFactory(name="New Teacher")
    application = _apply(call, applicant)
    session = SessionFactory()
    boss = committee()

    with pytest.raises(services.TeachersError, match="Only accepted"):
        services.assign_to_session(application=application, session=session, by=boss)
    services.decide_applications(
        call=call, application_ids=[application.pk], decision="accept", message="", by=boss
    )
    application.refresh_from_db()
    with pytest.raises(services.TeachersError, match="teacher-training workshop"):
        services.assign_to_session(application=application, session=session, by=boss)
    past_session(attendees=[applicant], kind=SessionKind.WORKSHOP)
    services.assign_to_session(application=application, session=session, by=boss)

    assert SessionTeacher.objects.filter(session=session, teacher=applicant).exists()


@pytest.mark.parametrize("n", [1, 3])
def test_application_list_queries_do_not_grow(client, n, django_assert_num_queries):
    call = CallFactory()
    boss = committee()
    for _ in range(n):
        services.save_review(
            application=_apply(call, UserFactory()),
            reviewer=boss,
            scores=dict.fromkeys(call.categories, 3),
        )
    client.force_login(boss)
    boss.roles  # noqa: B018  (read once, as the middleware would)

    # session, user, call, applications, reviews (roles from the cache filled above)
    with django_assert_num_queries(5):
        response = client.get(f"/teachers/calls/{call.pk}/applications/")
    assert response.text.count('name="applications"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_call_list_queries_do_not_grow(client, n, django_assert_num_queries):
    for _ in range(n):
        CallFactory()
    member = UserFactory()
    client.force_login(member)

    # session, user, roles, calls
    with django_assert_num_queries(4):
        response = client.get("/teachers/calls/")
    assert response.text.count('class="card"') == n


def test_assignment_past_the_cap_warns_the_teacher_and_the_committee(client, settings):
    settings.NEARPEER_TEACHER_TERM_HOURS_CAP = 6
    call = CallFactory()
    application = _apply(call, UserFactory(name="Busy Bee"))
    boss = committee()
    services.decide_applications(
        call=call, application_ids=[application.pk], decision="accept", message="", by=boss
    )
    past_session(teachers=[application.applicant])  # 5 hours with preparation
    client.force_login(boss)

    response = client.post(
        f"/teachers/applications/{application.pk}/assign/",
        {"session": SessionFactory(starts_at=timezone.now() + timedelta(hours=2)).pk},
        follow=True,
    )

    assert "Busy Bee is now past the term" in response.text
    assert Notification.objects.filter(
        recipient=application.applicant, title__contains="past 6 hours"
    ).exists()


def test_teacher_issues_a_certificate_for_one_session(client):
    me = teacher()
    session = past_session(teachers=[me], title="Acid-base")
    client.force_login(me)

    response = client.post("/teachers/certificates/issue/", {"session": session.pk}, follow=True)
    stranger = client.post("/teachers/certificates/issue/", {"session": past_session().pk})

    assert "Near-peer teacher: Acid-base" in response.text and "Valid:" in response.text
    assert stranger.status_code == 404


def test_call_form_limits_lengths_and_names_the_field_and_line(client):
    client.force_login(committee())
    data = {
        "title": "Examiners",
        "kind": "examiners",
        "closes_at": "2030-01-01T18:00",
        "status": "open",
        "description": "x" * 5001,
        "questions_text": "Why?\n" + "y" * 301,
        "categories_text": "",
    }

    response = client.post("/teachers/calls/new/", data)

    assert response.status_code == 200
    assert "Ensure this value has at most 5000 characters" in response.text
    assert "Questions for applicants, line 2: at most 300 characters." in response.text
    assert not Call.objects.exists()
