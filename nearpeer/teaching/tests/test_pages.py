from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory, faculty
from nearpeer.teaching import services
from nearpeer.teaching.models import Attendance, Material, Registration, Series, Session
from nearpeer.teaching.models import SessionTeacher as ST
from nearpeer.teaching.tests.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _taught_session(teacher, **kwargs):
    session = SessionFactory(**kwargs)
    ST.objects.create(session=session, teacher=teacher)
    return session


def _past(**kwargs):
    start = timezone.now() - timedelta(days=3)
    return SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1), **kwargs)


# --- Timetable ----------------------------------------------------------------------------------


def test_timetable_lists_my_years_sessions_with_places_and_my_status(client, member, session):
    SessionFactory(title="Year 6 finals prep", target_years_mask=1 << 6)
    services.register(session=session, member=member)
    client.force_login(member)

    response = client.get(reverse("teaching:timetable"))

    html = response.content.decode()
    assert "Cardiac cycle" in html and "Year 6 finals prep" not in html
    assert "1 of 2 places left" in html and "You have a place" in html
    assert "With Tom Teacher" in html


def test_timetable_filters_by_kind_mode_and_series(client, member):
    series = SeriesFactory(title="Renal")
    SessionFactory(title="Renal tutorial", kind="tutorial", series=series)
    SessionFactory(title="Renal lecture", kind="lecture", series=series)
    SessionFactory(title="Skills lab", kind="clinical_skills", mode="in_person", room="Lab 1")
    client.force_login(member)
    url = reverse("teaching:timetable")

    by_kind = client.get(url, {"kind": "tutorial"}).content.decode()
    by_series = client.get(url, {"series": series.pk}).content.decode()
    by_mode = client.get(url, {"mode": "in_person"}).content.decode()

    assert ("Renal tutorial" in by_kind, "Renal lecture" in by_kind) == (True, False)
    assert ("Renal lecture" in by_series, "Skills lab" in by_series) == (True, False)
    assert ("Skills lab" in by_mode, "Renal lecture" in by_mode) == (True, False)


def test_timetable_year_filter_for_committee(client, organiser):
    SessionFactory(title="For year 1", target_years_mask=1 << 1)
    SessionFactory(title="For year 3", target_years_mask=1 << 3)
    client.force_login(organiser)

    html = client.get(reverse("teaching:timetable"), {"year": 3}).content.decode()

    assert ("For year 3" in html, "For year 1" in html) == (True, False)


def test_timetable_htmx_request_gets_only_the_results_fragment(client, member, session):
    client.force_login(member)

    response = client.get(
        reverse("teaching:timetable"), {"kind": "lecture"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html and "Cardiac cycle" in html


def test_timetable_paginates(client, member):
    SessionFactory.create_batch(21)
    client.force_login(member)

    first = client.get(reverse("teaching:timetable")).content.decode()
    second = client.get(reverse("teaching:timetable"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert second.count('class="card session-card') == 1


# --- Member home and catch-up -------------------------------------------------------------------


def test_home_shows_places_waitlist_position_and_catch_up(client, member, session):
    a, b = UserFactory.create_batch(2)
    services.register(session=session, member=a)
    services.register(session=session, member=b)
    services.register(session=session, member=member)
    missed = _past(title="Missed lecture")
    Material.objects.create(session=missed, kind="recording", title="Rec", url="https://v.org/1")
    client.force_login(member)

    html = client.get(reverse("teaching:home")).content.decode()

    assert "Waiting list: number 1" in html
    assert "Missed lecture" in html


@pytest.mark.parametrize("n", [1, 3])
def test_home_query_count(client, member, n, django_assert_num_queries):
    for i in range(n):
        s = SessionFactory(capacity=1 if i else 5, series=SeriesFactory())
        if i:
            services.register(session=s, member=UserFactory())
        services.register(session=s, member=member)
        missed = _past()
        Material.objects.create(session=missed, kind="slides", title="S", url="https://v.org/")
    client.force_login(member)

    # Session, user and roles; my registrations, my teaching and what I attended and opened
    # (one query, services.home_state); the year's cached "coming up" and "catch up"
    # candidates (three queries, cold only); the sessions part rendered for these inputs (two,
    # cold only); 6 for the other apps' home panels (one or two each, never per item:
    # nearpeer/core/tests/test_home_panels.py fills every panel with 1 and 3 items).
    with django_assert_num_queries(15):
        response = client.get(reverse("teaching:home"))
    # Warm: session, user and my state; roles, the unread count, the due cards, the tutorials
    # candidates and the surveys not yet closed come from the cache too (the survey markers
    # query runs only when a survey is open to the member).
    with django_assert_num_queries(3):
        warm = client.get(reverse("teaching:home"))

    for html in (response.content.decode(), warm.content.decode()):
        assert html.count('badge-ok">You have a place') == 1
        assert html.count("Waiting list: number 1") == n - 1


def test_catch_up_lists_missed_sessions_with_materials_and_watched_state(client, member):
    attended = _past(title="Was there")
    Material.objects.create(session=attended, kind="slides", title="S1", url="https://v.org/a")
    Attendance.objects.create(session=attended, member=member)
    missed = _past(title="Missed it")
    watched = Material.objects.create(
        session=missed, kind="recording", title="Rec", url="https://v.org/b"
    )
    Material.objects.create(session=missed, kind="slides", title="Slides", url="https://v.org/c")
    _past(title="No materials")
    services.record_material_view(material=watched, member=member)
    client.force_login(member)

    html = client.get(reverse("teaching:catch-up")).content.decode()

    assert ("Missed it" in html, "Was there" in html, "No materials" in html) == (
        True,
        False,
        False,
    )
    assert html.count("Opened</span>") == 1 and html.count("Not opened yet") == 1


# --- Session detail, register, cancel -----------------------------------------------------------


def test_session_detail_shows_places_teachers_and_register_button(client, member, session):
    client.force_login(member)

    html = client.get(session.get_absolute_url()).content.decode()

    assert "2 of 2 left" in html and "Tom Teacher" in html
    assert ">Register</button>" in html


def test_register_through_full_to_waitlist_and_cancel_promotes(client, session):
    a, b, c = UserFactory.create_batch(3)
    url = reverse("teaching:session-register", kwargs={"pk": session.pk})
    for m in (a, b, c):
        client.force_login(m)
        client.post(url)

    page = client.get(session.get_absolute_url()).content.decode()
    assert "You are number 1 on the waiting list" in page

    client.force_login(a)
    mine = Registration.objects.get(member=a)
    response = client.post(
        reverse("teaching:registration-cancel", kwargs={"pk": mine.pk}), follow=True
    )

    assert "Your place at “Cardiac cycle” is cancelled." in response.content.decode()
    assert Registration.objects.get(member=c).status == "registered"


def test_register_after_deadline_shows_message_and_writes_nothing(client, member):
    session = SessionFactory(
        title="Closed one", registration_closes_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(member)

    response = client.post(
        reverse("teaching:session-register", kwargs={"pk": session.pk}), follow=True
    )

    assert "Registration for “Closed one” closed on" in response.content.decode()
    assert Registration.objects.count() == 0


def test_cancelling_someone_elses_registration_is_404_and_changes_nothing(client, member, session):
    other = services.register(session=session, member=UserFactory())
    client.force_login(member)

    response = client.post(reverse("teaching:registration-cancel", kwargs={"pk": other.pk}))

    other.refresh_from_db()
    assert (response.status_code, other.status) == (404, "registered")


def test_session_of_another_year_is_404(client, member):
    hidden = SessionFactory(target_years_mask=1 << 5)
    client.force_login(member)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert (
        client.post(reverse("teaching:session-register", kwargs={"pk": hidden.pk})).status_code
        == 404
    )
    assert Registration.objects.count() == 0


# --- Teacher pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3])
def test_register_list_query_count(client, session, lead_teacher, n, django_assert_num_queries):
    session.capacity = 2
    session.save()
    people = UserFactory.create_batch(n)
    for m in people:
        services.register(session=session, member=m)
    Attendance.objects.create(session=session, member=people[0])
    client.force_login(lead_teacher)

    with django_assert_num_queries(7):
        response = client.get(reverse("teaching:attendance-list", kwargs={"pk": session.pk}))

    html = response.content.decode()
    assert html.count('<li class="register-row') == n
    assert html.count("Present</span>") == 1


def test_teacher_marks_attendance_by_hand(client, session, lead_teacher, member):
    services.register(session=session, member=member)
    client.force_login(lead_teacher)
    url = reverse("teaching:attendance-mark", kwargs={"pk": session.pk})

    client.post(url, {"member": member.pk, "present": "on"})
    marked = list(Attendance.objects.values_list("member_id", "method"))
    fragment = client.post(url, {"member": member.pk}, HTTP_HX_REQUEST="true").content.decode()

    assert marked == [(member.pk, "teacher")]
    assert Attendance.objects.count() == 0
    assert (
        fragment.lstrip().startswith('<li class="register-row"')
        and f'id="row-{member.pk}"' in fragment
        and 'Mark<span class="sr-only"> Ada Member</span> present' in fragment
    )


def test_teacher_cannot_mark_someone_not_on_the_register(client, session, lead_teacher, member):
    client.force_login(lead_teacher)

    response = client.post(
        reverse("teaching:attendance-mark", kwargs={"pk": session.pk}),
        {"member": member.pk, "present": "on"},
        follow=True,
    )

    assert "Ada Member is not on the register of “Cardiac cycle”." in response.content.decode()
    assert Attendance.objects.count() == 0


def test_teacher_home_lists_my_sessions_with_counts(client, session, lead_teacher, member):
    services.register(session=session, member=member)
    client.force_login(lead_teacher)

    html = client.get(reverse("teaching:teacher-home")).content.decode()

    assert "Cardiac cycle" in html and '<span class="count">1 / 2</span>' in html


# --- Committee ----------------------------------------------------------------------------------


def _this_term(**kwargs):
    start = timezone.now() + timedelta(minutes=5)
    return SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1), **kwargs)


def test_dashboard_counts_registrations_and_attendance_by_year(client, organiser):
    s = _this_term(capacity=10)
    year2 = UserFactory.create_batch(3, year=2)
    year3 = UserFactory(year=3)
    s.target_years_mask = (1 << 2) | (1 << 3)
    s.save()
    for m in [*year2, year3]:
        services.register(session=s, member=m)
    Attendance.objects.create(session=s, member=year2[0])
    client.force_login(organiser)

    response = client.get(reverse("teaching:dashboard"))

    assert response.context["by_year"] == [
        {"year": 2, "registered": 3, "attended": 1},
        {"year": 3, "registered": 1, "attended": 0},
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_dashboard_query_count(client, organiser, n, django_assert_num_queries):
    for _ in range(n):
        s = _this_term(series=SeriesFactory())
        m = UserFactory()
        services.register(session=s, member=m)
        Attendance.objects.create(session=s, member=m)
    client.force_login(organiser)

    with django_assert_num_queries(9):
        response = client.get(reverse("teaching:dashboard"))

    assert response.content.decode().count('Edit<span class="sr-only">') == n


def test_committee_creates_a_session_from_the_form(client, organiser, lead_teacher):
    client.force_login(organiser)
    start = timezone.localtime() + timedelta(days=3)

    response = client.post(
        reverse("teaching:session-create"),
        {
            "title": "Acid-base",
            "kind": "lecture",
            "mode": "in_person",
            "room": "LT2",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": 40,
            "target_years": ["1", "2"],
            "teachers": [lead_teacher.pk],
        },
    )

    session = Session.objects.get(title="Acid-base")
    assert response.headers["Location"] == session.get_absolute_url()
    assert (session.target_years, list(session.teachers.all())) == ([1, 2], [lead_teacher])


def test_session_form_errors_are_shown_with_field_names(client, organiser):
    client.force_login(organiser)

    response = client.post(reverse("teaching:session-create"), {"title": "", "mode": "online"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Target years: Choose at least one target year." in html
    assert "Title: This field is required." in html
    assert Session.objects.count() == 0


def test_committee_creates_series_with_generated_slug(client, organiser):
    client.force_login(organiser)

    client.post(
        reverse("teaching:series-create"),
        {"title": "Year 1 anatomy", "kind": "lecture", "target_years": ["1"]},
    )

    assert list(Series.objects.values_list("slug", "target_years_mask")) == [("year-1-anatomy", 2)]


def test_faculty_sees_every_session_but_cannot_register(client):
    partner = faculty()
    s = SessionFactory(title="Year 4 ward round", target_years_mask=1 << 4)
    client.force_login(partner)

    html = client.get(s.get_absolute_url()).content.decode()

    assert "Year 4 ward round" in html and ">Register</button>" not in html


def test_committee_cancels_a_session_from_its_page_and_registrants_are_told(
    client, organiser, session, member, django_capture_on_commit_callbacks
):
    services.register(session=session, member=member)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teaching:session-cancel", kwargs={"pk": session.pk}), follow=True
        )

    session.refresh_from_db()
    assert "“Cardiac cycle” is cancelled; registrants are told." in response.content.decode()
    assert (session.status, session.sequence) == ("cancelled", 1)
    assert list(member.notifications.values_list("title", flat=True)) == [
        "Cancelled: Cardiac cycle"
    ]
    client.force_login(member)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "This session has been cancelled." in page and "Cancel my place" not in page


def test_committee_edit_form_moves_a_session_and_bumps_sequence(client, organiser, session):
    client.force_login(organiser)
    url = reverse("teaching:session-edit", kwargs={"pk": session.pk})
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "description"}
    start = timezone.localtime(session.starts_at + timedelta(days=1))
    data.update(
        mode="in_person",
        room="Seminar room 3",
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        teachers=[t.pk for t in session.teachers.all()],
    )
    data.pop("id", None)
    data.pop("meeting_url", None)

    response = client.post(url, data)

    session.refresh_from_db()
    assert response.headers["Location"] == session.get_absolute_url()
    assert (session.room, session.sequence) == ("Seminar room 3", 1)


def test_dashboard_links_to_each_committee_tool(client, organiser):
    client.force_login(organiser)

    html = client.get(reverse("teaching:dashboard")).content.decode()

    wanted = [
        reverse(name)
        for name in (
            "members:member-list",
            "members:roster-import",
            "tutorials:home",
            "questions:review-list",
            "questions:flag-list",
            "questions:paper-list",
            "questions:tag-list",
            "questions:import-upload",
            "evaluation:home",
        )
    ]
    assert [url for url in wanted if f'href="{url}"' not in html] == []


def test_home_links_other_roles_only_for_people_who_have_them(client, member, organiser):
    client.force_login(member)
    plain = client.get(reverse("teaching:home")).content.decode()
    client.force_login(organiser)
    committee = client.get(reverse("teaching:home")).content.decode()

    dashboard = f'href="{reverse("teaching:dashboard")}"'
    assert (dashboard in plain, 'aria-label="Your other roles"' in committee) == (False, True)
