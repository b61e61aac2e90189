"""Decks left running after their session are ended for the recording's viewers."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from nearpeer.live import services
from nearpeer.live.models import Deck, DeckStatus
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import make_deck

pytestmark = pytest.mark.django_db


def _deck_of_a_session_that_ended(hours_ago: float, lead_teacher, *, start: bool = True) -> Deck:
    ends = timezone.now() - timedelta(hours=hours_ago)
    session = SessionFactory(starts_at=ends - timedelta(hours=1), ends_at=ends)
    SessionTeacher.objects.create(session=session, teacher=lead_teacher)
    deck = make_deck(session, by=lead_teacher)
    if start:
        services.control_deck(deck=deck, action="open")
    deck.refresh_from_db()
    return deck


def test_only_decks_left_live_well_after_their_session_are_ended(lead_teacher):
    forgotten = _deck_of_a_session_that_ended(3, lead_teacher)
    just_over = _deck_of_a_session_that_ended(1, lead_teacher)
    never_run = _deck_of_a_session_that_ended(30, lead_teacher, start=False)
    already = _deck_of_a_session_that_ended(30, lead_teacher)
    services.control_deck(deck=already, action="end")
    already.refresh_from_db()

    ended = services.end_finished_decks()

    assert [d.pk for d in ended] == [forgotten.pk]
    statuses = dict(Deck.objects.values_list("pk", "status"))
    assert statuses == {
        forgotten.pk: DeckStatus.ENDED,
        just_over.pk: DeckStatus.LIVE,
        never_run.pk: DeckStatus.READY,
        already.pk: DeckStatus.ENDED,
    }
    forgotten_after = Deck.objects.get(pk=forgotten.pk)
    assert (forgotten_after.accepting, forgotten_after.version) == (False, forgotten.version + 1)
    assert Deck.objects.get(pk=already.pk).version == already.version  # not touched again
    assert services.end_finished_decks() == []


def test_the_command_ends_them_and_says_which_and_viewers_can_then_answer_afterwards(
    client, lead_teacher, member, capsys
):
    forgotten = _deck_of_a_session_that_ended(3, lead_teacher)
    recent = _deck_of_a_session_that_ended(0.5, lead_teacher)

    call_command("live", "end-finished")
    first = json.loads(capsys.readouterr().out)
    call_command("live", "end-finished", "--hours", "0.25")
    second = json.loads(capsys.readouterr().out)
    call_command("live", "end-finished", "--hours", "0")
    third = json.loads(capsys.readouterr().out)

    assert (first, second, third) == (
        {"ended": [forgotten.code]},
        {"ended": [recent.code]},
        {"ended": []},
    )
    client.force_login(member)
    page = client.get(reverse("teaching:session-detail", args=[forgotten.session_id]))
    assert "answer the questions as you watch" in page.content.decode()
    with pytest.raises(CommandError, match="--hours must be 0 or more"):
        call_command("live", "end-finished", "--hours", "-1")
