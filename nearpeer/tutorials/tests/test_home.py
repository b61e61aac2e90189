"""The tutorials panel on the member home page (nearpeer/tutorials/home.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.members.tests.factories import UserFactory
from nearpeer.tutorials.models import TutorialGroup
from nearpeer.tutorials.tests.factories import ProgrammeFactory, SlotFactory, sign_up

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("teaching:home")).content.decode()


def _published_group(member, **programme_fields) -> TutorialGroup:
    programme = ProgrammeFactory(status="published", **programme_fields)
    group = TutorialGroup.objects.create(
        programme=programme, slot=SlotFactory(programme=programme, weekday=1, start_time="18:00")
    )
    group.members.add(sign_up(programme, member))
    return group


def test_panel_lists_open_programmes_for_my_year_that_i_have_not_joined(client):
    member = UserFactory(year=2)
    mine = ProgrammeFactory(title="Year 2 OSCE")
    ProgrammeFactory(title="Year 5 finals", target_years_mask=1 << 5)
    ProgrammeFactory(title="Closed early", signup_deadline=timezone.now() - timedelta(hours=1))
    sign_up(ProgrammeFactory(title="Already joined"), member)

    html = _home(client, member)

    assert f'<a href="{mine.get_absolute_url()}">Year 2 OSCE</a> — sign up by' in html
    for hidden in ("Year 5 finals", "Closed early", "Already joined"):
        assert hidden not in html


def test_panel_links_my_published_groups_until_their_weeks_are_over(client):
    member = UserFactory(year=2)
    group = _published_group(member, title="Anatomy tutorials")
    _published_group(
        member, title="Last term", first_week=timezone.localdate() - timedelta(weeks=10), weeks=4
    )
    other = _published_group(UserFactory(year=2), title="Someone else's")

    html = _home(client, member)

    assert f'<a href="{group.get_absolute_url()}">Anatomy tutorials — Tue 18:00</a>' in html
    assert "Last term" not in html
    assert other.get_absolute_url() not in html


def test_no_panel_for_a_member_outside_every_programmes_years(client):
    ProgrammeFactory(title="Year 2 OSCE")
    faculty_member = UserFactory(year=None)
    year_six = UserFactory(year=6)

    for user in (faculty_member, year_six):
        html = _home(client, user)
        assert 'id="panel-tutorials"' not in html
        assert "Year 2 OSCE" not in html
