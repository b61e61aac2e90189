"""The surveys panel on the member home page (nearpeer/evaluation/home.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Survey
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("teaching:home")).content.decode()


def test_panel_lists_open_surveys_for_me_that_i_have_not_answered(client, open_survey):
    member = UserFactory(year=2)
    now = timezone.now()
    Survey.objects.create(title="Not open yet", slug="later", opens_at=now + timedelta(days=1))
    Survey.objects.create(title="Closed", slug="closed", closes_at=now - timedelta(days=1))
    Survey.objects.create(title="Year 5 only", slug="y5", audience_years_mask=1 << 5)
    Survey.objects.create(title="Teachers only", slug="t", audience_role=Role.STUDENT_TEACHER)
    answered = Survey.objects.create(title="Done already", slug="done")
    services.submit_response(survey=answered, user=member, answers={}, consented=True)

    html = _home(client, member)

    answer_url = reverse("evaluation:survey-answer", kwargs={"slug": open_survey.slug})
    assert f'<a href="{answer_url}">End of year</a>' in html
    for hidden in ("Not open yet", "Closed", "Year 5 only", "Teachers only", "Done already"):
        assert hidden not in html


def test_no_surveys_panel_for_a_member_outside_the_audience(client, open_survey):
    html = _home(client, UserFactory(year=4))

    assert 'id="panel-surveys"' not in html
    assert "End of year" not in html


def test_no_surveys_panel_once_i_have_answered(client, open_survey):
    member = UserFactory(year=2)
    services.submit_response(survey=open_survey, user=member, answers={}, consented=True)

    html = _home(client, member)

    assert 'id="panel-surveys"' not in html
