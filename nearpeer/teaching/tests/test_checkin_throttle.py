"""Issue #8, finding 8: check-in codes could be guessed without limit."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from nearpeer.teaching import services
from nearpeer.teaching.models import Attendance
from nearpeer.teaching.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
CHECKIN = reverse("teaching:checkin-create")


def test_wrong_codes_pause_check_in_for_that_member(client, lead_teacher, member, settings):
    cache.clear()
    settings.NEARPEER_CHECKIN_ATTEMPT_LIMIT = 10
    start = timezone.now() - timedelta(minutes=5)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    session.teachers.add(lead_teacher)
    code = services.get_checkin_code(session=session).code
    client.force_login(member)

    wrong = [client.post(CHECKIN, {"code": "ZZZZZZ"}).status_code for _ in range(10)]
    right = client.post(CHECKIN, {"code": code})

    assert wrong == [400] * 10
    assert right.status_code == 429
    assert "Too many check-in attempts" in right.content.decode()
    assert Attendance.objects.count() == 0
    cache.clear()
