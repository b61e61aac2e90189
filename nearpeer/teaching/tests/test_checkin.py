from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching import services
from nearpeer.teaching.models import Attendance, CheckInCode
from nearpeer.teaching.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
CHECKIN = reverse("teaching:checkin-create")


def _session_starting(minutes_from_now: int, teacher, **kwargs):
    start = timezone.now() + timedelta(minutes=minutes_from_now)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1), **kwargs)
    session.teachers.add(teacher)
    return session


def _display(client, session):
    return client.get(reverse("teaching:checkin-display", kwargs={"pk": session.pk}))


def test_teacher_screen_shows_code_and_qr_during_the_session(client, lead_teacher):
    session = _session_starting(-10, lead_teacher)
    client.force_login(lead_teacher)

    html = _display(client, session).content.decode()

    code = CheckInCode.objects.get(session=session).code
    assert f'<p class="checkin-code" aria-label="Check-in code">{code}</p>' in html
    assert 'src="data:image/svg+xml' in html
    assert len(code) == 6 and not set(code) & set("01OIL")


def test_teacher_screen_hides_code_before_the_window(client, lead_teacher):
    session = _session_starting(60, lead_teacher)
    client.force_login(lead_teacher)

    html = _display(client, session).content.decode()

    code = CheckInCode.objects.get(session=session).code
    assert code not in html and "Check-in opens at" in html


def test_member_checks_in_with_the_code_in_any_case_and_spacing(client, lead_teacher, member):
    session = _session_starting(-5, lead_teacher, title="Murmurs")
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    response = client.post(CHECKIN, {"code": f" {code[:3].lower()} {code[3:]}"}, follow=True)

    assert "You are checked in to “Murmurs”." in response.content.decode()
    assert list(Attendance.objects.values_list("member_id", "method")) == [(member.pk, "code")]


def test_qr_link_prefills_the_code_without_writing(client, lead_teacher, member):
    session = _session_starting(-5, lead_teacher)
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    html = client.get(CHECKIN, {"code": code}).content.decode()

    assert f'value="{code}"' in html and Attendance.objects.count() == 0


def test_expired_code_gives_clear_message_and_writes_nothing(client, lead_teacher, member):
    session = _session_starting(-120, lead_teacher, title="Old one")
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    response = client.post(CHECKIN, {"code": code})

    html = response.content.decode()
    assert response.status_code == 400
    assert "That code expired at" in html and "check-in for “Old one” has closed" in html
    assert Attendance.objects.count() == 0


def test_window_margin_is_configurable(client, lead_teacher, member, settings):
    settings.NEARPEER_CHECKIN_CLOSES_MINUTES_AFTER = 90
    session = _session_starting(-120, lead_teacher)
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    client.post(CHECKIN, {"code": code})

    assert Attendance.objects.filter(session=session, member=member).count() == 1


def test_code_not_open_yet(client, lead_teacher, member):
    session = _session_starting(120, lead_teacher, title="Later")
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    html = client.post(CHECKIN, {"code": code}).content.decode()

    assert "Check-in for “Later” opens at" in html and Attendance.objects.count() == 0


def test_wrong_code_and_code_of_another_years_session(client, lead_teacher, member):
    other_year = _session_starting(-5, lead_teacher, target_years_mask=1 << 5)
    code = services.get_checkin_code(session=other_year).code
    client.force_login(member)

    wrong = client.post(CHECKIN, {"code": "ZZZZZZ"}).content.decode()
    hidden = client.post(CHECKIN, {"code": code}).content.decode()

    message = "That code is not right. Check the code your teacher shows."
    assert message in wrong and message in hidden
    assert Attendance.objects.count() == 0


def test_checking_in_twice_keeps_one_row(lead_teacher):
    session = _session_starting(-5, lead_teacher)
    code = services.get_checkin_code(session=session).code
    member = UserFactory()

    first = services.check_in(member=member, code=code)
    second = services.check_in(member=member, code=code)

    assert (first.pk, Attendance.objects.count()) == (second.pk, 1)


def test_teacher_screen_count_refreshes_as_an_htmx_fragment(client, lead_teacher, member):
    session = _session_starting(-5, lead_teacher)
    services.check_in(member=member, code=services.get_checkin_code(session=session).code)
    client.force_login(lead_teacher)

    html = client.get(
        reverse("teaching:checkin-display", kwargs={"pk": session.pk}), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert html.strip().startswith('<p id="checkin-count"') and "1 checked in." in html


def test_cancelled_session_code_is_refused(lead_teacher, member, organiser):
    session = _session_starting(-5, lead_teacher, title="Called off")
    code = services.get_checkin_code(session=session).code
    services.cancel_session(session=session, by=organiser)

    with pytest.raises(services.TeachingError, match="“Called off” was cancelled."):
        services.check_in(member=member, code=code)
    assert Attendance.objects.count() == 0
