"""The live decks on teaching's session page, and the sessions a teacher may give a new deck."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nearpeer.core.cache import data_versions
from nearpeer.live import services
from nearpeer.live.models import Deck
from nearpeer.teaching.models import Session, SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import make_deck

pytestmark = pytest.mark.django_db


def _page(client, session) -> str:
    response = client.get(reverse("teaching:session-detail", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _three_decks(session, lead_teacher) -> tuple[Deck, Deck, Deck]:
    ready, live, ended = (make_deck(session, by=lead_teacher) for _ in range(3))
    for deck, title in ((ready, "Prepared"), (live, "Running"), (ended, "Finished")):
        services.update_deck(deck=deck, title=title, allow_anonymous=True)
    services.control_deck(deck=live, action="open")
    services.control_deck(deck=ended, action="end")
    return ready, live, ended


def test_members_find_the_running_and_the_ended_decks_but_not_one_in_preparation(
    client, session, lead_teacher, member
):
    ready, live, ended = _three_decks(session, lead_teacher)
    client.force_login(member)

    html = _page(client, session)

    section = html[html.index('id="live-questions"') :]
    assert f'href="/live/{live.code}/">Running</a> <span class="badge badge-ok">Live now' in section
    assert f"join code {live.code}" in section
    assert f'href="/live/{ended.code}/">Finished</a>: answer the questions as you watch' in section
    assert "Prepared" not in html and ready.code not in html
    assert "/present/" not in section and "Add live questions" not in html


def test_the_teacher_sees_every_deck_with_its_controls_and_may_add_one(
    client, session, lead_teacher
):
    ready, live, ended = _three_decks(session, lead_teacher)
    client.force_login(lead_teacher)

    html = _page(client, session)

    for deck in (ready, live, ended):
        assert reverse("live:deck-present", args=[deck.pk]) in html
        assert reverse("live:deck-detail", args=[deck.pk]) in html
    assert "Prepared</a>" not in html and 'Prepared <span class="badge">Not started' in html
    assert f'href="/live/decks/new/?session={session.pk}">Add live questions' in html


def test_a_session_without_decks_shows_the_section_only_to_its_teachers(
    client, session, lead_teacher, member
):
    client.force_login(member)
    assert 'id="live-questions"' not in _page(client, session)
    client.force_login(lead_teacher)
    assert 'Add live questions</a> <span class="muted">(polls' in _page(client, session)
    session.status = Session.Status.CANCELLED
    session.save()
    assert 'id="live-questions"' not in _page(client, session)


def test_the_cached_decks_follow_a_start_an_end_and_a_new_title_but_not_each_control(
    client, session, lead_teacher, member
):
    deck = make_deck(session, by=lead_teacher)
    client.force_login(member)
    assert "Heart quiz" not in _page(client, session)  # warm: in preparation, not shown

    before = data_versions("live")
    services.control_deck(deck=deck, action="open")
    started = data_versions("live")
    assert "Live now" in _page(client, session)

    for action in ("close", "show_results", "next", "reveal"):
        services.control_deck(deck=deck, action=action)
    assert data_versions("live") == started  # the page shows nothing these change

    services.control_deck(deck=deck, action="end")
    assert "answer the questions as you watch" in _page(client, session)
    services.update_deck(deck=deck, title="Valve quiz", allow_anonymous=True)
    html = _page(client, session)
    assert "Valve quiz" in html and "Heart quiz" not in html
    assert len({before, started, data_versions("live")}) == 3


def test_the_session_page_reads_no_more_with_decks_when_warm(
    client, session, lead_teacher, member, django_assert_num_queries
):
    _three_decks(session, lead_teacher)
    client.force_login(member)
    _page(client, session)

    # As without decks (teaching's test_session_page_queries_are_constant_and_few_when_warm).
    with django_assert_num_queries(3):
        html = _page(client, session)

    assert html.count('href="/live/') == 2


def test_a_new_deck_offers_the_next_sessions_first_then_the_past_ones_each_with_its_date(
    client, lead_teacher
):
    now = timezone.now()

    def mine(title, days, **fields):
        session = SessionFactory(
            title=title,
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=1),
            **fields,
        )
        SessionTeacher.objects.create(session=session, teacher=lead_teacher)
        return session

    later, last_week, soon = mine("Later", 30), mine("Last week", -7), mine("Soon", 2)
    long_ago = mine("Long ago", -60)
    mine("Called off", 5, status=Session.Status.CANCELLED)
    SessionFactory(title="Someone else's", starts_at=now + timedelta(days=1))
    client.force_login(lead_teacher)

    html = client.get(reverse("live:deck-create")).content.decode()

    select = html[html.index('name="session"') : html.index("</select>")]
    offered = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)
    assert [int(pk) for pk, _ in offered] == [soon.pk, later.pk, last_week.pk, long_ago.pk]
    when = timezone.localtime(soon.starts_at)
    assert offered[0][1] == f"Soon ({when:%a} {when.day} {when:%b %Y, %H:%M})"
    assert re.search(rf'<option value="{soon.pk}" selected>', select)
    copy_page = client.get(
        reverse("live:deck-copy", args=[make_deck(long_ago, by=lead_teacher).pk])
    ).content.decode()
    assert copy_page.index(">Soon (") < copy_page.index(">Later (") < copy_page.index(">Long ago (")


@pytest.mark.parametrize("n", [1, 3])
def test_catch_up_offers_each_missed_sessions_ended_decks_in_one_query(
    client, lead_teacher, member, django_assert_num_queries, n
):
    from nearpeer.teaching.models import Material

    before = timezone.now() - timedelta(days=3)
    ended = []
    for i in range(n):
        session = SessionFactory(
            title=f"Missed {i}", starts_at=before, ends_at=before + timedelta(hours=1)
        )
        Material.objects.create(
            session=session, kind="recording", title=f"Rec {i}", url="https://v.org"
        )
        deck = make_deck(session, by=lead_teacher)
        services.control_deck(deck=deck, action="end")
        make_deck(session, by=lead_teacher)  # still in preparation: not offered
        ended.append(deck)
    client.force_login(member)
    client.get(reverse("teaching:catch-up"))

    # The session, the member, the count and page of sessions, their materials, and the
    # ended decks of every session on the page.
    with django_assert_num_queries(6):
        html = client.get(reverse("teaching:catch-up")).content.decode()

    assert html.count("(Live questions)") == n
    for deck in ended:
        assert f'<a href="/live/{deck.code}/">Heart quiz</a> (Live questions)' in html
