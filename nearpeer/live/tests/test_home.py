"""The live-questions panels on the home page."""

import pytest
from django.urls import reverse

from nearpeer.live import services
from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import make_deck

pytestmark = pytest.mark.django_db


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("teaching:home")).content.decode()


def test_members_of_the_sessions_year_see_a_running_deck_until_it_ends(
    client, session, lead_teacher, member
):
    deck = make_deck(session, by=lead_teacher)
    other_year = UserFactory(year=4)
    assert "Live questions now" not in _home(client, member)  # warm, and not started

    services.control_deck(deck=deck, action="open")
    html = _home(client, member)
    assert (
        f'<a href="/live/{deck.code}/">Heart quiz</a> <span class="muted">in Cardiac cycle' in html
    )
    assert "Live questions now" not in _home(client, other_year)

    services.control_deck(deck=deck, action="next")  # changes nothing the panel shows
    assert deck.code in _home(client, member)
    services.control_deck(deck=deck, action="end")
    assert "Live questions now" not in _home(client, member)


def test_those_who_run_sessions_keep_their_own_panel(client, session, lead_teacher):
    deck = make_deck(session, by=lead_teacher)
    services.control_deck(deck=deck, action="open")
    elsewhere = make_deck(SessionFactory())  # a session someone else teaches: not counted
    services.control_deck(deck=elsewhere, action="open")

    html = _home(client, lead_teacher)

    assert "1 deck is live now." in html and "Live questions now" not in html
