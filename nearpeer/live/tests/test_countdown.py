"""A countdown on the open item: everyone sees the seconds left, and once they run out the
database refuses answers on every path (the fast INSERT, the ORM, any server process)."""

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import timezone

from nearpeer.live import consumers, services
from nearpeer.live.models import Answer, Deck
from nearpeer.live.protocol import ProtocolError

from .conftest import run
from .test_consumers import connected, participant, presenter, until


def entry(deck: Deck, choice: int = 0) -> services.AnswerEntry:
    item = deck.items.get(position=1)
    return services.AnswerEntry(
        deck_id=deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=choice
    )


def time_up(deck: Deck) -> None:
    Deck.objects.filter(pk=deck.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    deck.refresh_from_db()


def test_a_countdown_is_in_every_snapshot_and_any_move_but_results_stops_it(live_deck):
    services.control_deck(deck=live_deck, action="close_in", seconds=30)
    live_deck.refresh_from_db()
    state = services.snapshot(live_deck)["state"]
    assert state["accepting"] is True and 29 <= state["closes_in"] <= 30
    services.control_deck(deck=live_deck, action="show_results")
    live_deck.refresh_from_db()
    assert live_deck.closes_at is not None
    services.control_deck(deck=live_deck, action="next")
    live_deck.refresh_from_db()
    assert live_deck.closes_at is None
    assert services.snapshot(live_deck)["state"]["closes_in"] is None


@pytest.mark.parametrize("seconds", [None, 4, 601, "30", True, 2.5])
def test_a_countdown_needs_whole_seconds_within_bounds(live_deck, seconds):
    with pytest.raises(ProtocolError) as caught:
        services.control_deck(deck=live_deck, action="close_in", seconds=seconds)
    assert caught.value.code == "bad_request"


def test_a_countdown_needs_an_open_item(live_deck):
    services.control_deck(deck=live_deck, action="close")
    with pytest.raises(ProtocolError, match="Open an item before starting a countdown."):
        services.control_deck(deck=live_deck, action="close_in", seconds=30)


def test_once_time_is_up_answers_are_refused_and_snapshots_say_closed(live_deck):
    services.control_deck(deck=live_deck, action="close_in", seconds=30)
    assert services.record_answer(entry(live_deck)).duplicate is False
    time_up(live_deck)
    with pytest.raises(ProtocolError, match="Time is up for this one."):
        services.record_answer(entry(live_deck))
    state = services.snapshot(live_deck)["state"]
    assert (state["accepting"], state["closes_in"]) == (False, 0.0)
    assert Answer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_fast_answer_path_refuses_answers_once_time_is_up(live_deck):
    services.control_deck(deck=live_deck, action="close_in", seconds=30)
    first, second = entry(live_deck), entry(live_deck, 1)

    async def scenario():
        before = await consumers.batcher().submit(first)
        await database_sync_to_async(time_up)(live_deck)
        after = await consumers.batcher().submit(second)
        return before, after

    before, after = run(scenario())
    assert before.duplicate is False
    assert isinstance(after, ProtocolError) and after.code == "not_open"
    assert list(Answer.objects.values_list("choice", flat=True)) == [0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_fast_answer_path_refuses_answers_once_time_is_up(live_deck):
    test_the_fast_answer_path_refuses_answers_once_time_is_up(live_deck)


@pytest.mark.django_db(transaction=True)
def test_the_presenter_starts_a_countdown_over_the_socket(live_deck):
    async def scenario():
        boss = presenter(live_deck)
        await connected(boss)
        ws = participant(live_deck.code)
        await connected(ws)
        await boss.send_json_to(
            {"type": "control", "action": "close_in", "seconds": 20, "ref": "t"}
        )
        ack = await until(boss, "ack")
        snapshot = await until(ws, "snapshot")
        await boss.send_json_to({"type": "control", "action": "close_in", "seconds": 1})
        error = await until(boss, "error")
        await ws.disconnect(timeout=10)
        await boss.disconnect(timeout=10)
        return ack, snapshot, error

    ack, snapshot, error = run(scenario())
    assert ack["ref"] == "t"
    assert 19 <= snapshot["state"]["closes_in"] <= 20
    assert error["code"] == "bad_request"


def test_the_pages_show_the_countdown_and_then_that_time_is_up(client, live_deck, lead_teacher):
    client.force_login(lead_teacher)
    client.post(
        reverse("live:deck-control", kwargs={"pk": live_deck.pk}),
        {"action": "close_in", "seconds": "45"},
    )
    live_deck.refresh_from_db()
    assert live_deck.closes_at is not None
    present = client.get(reverse("live:deck-present", kwargs={"pk": live_deck.pk}))
    assert "Closes in 4" in present.content.decode()
    client.logout()
    page_url = reverse("live:participate", kwargs={"code": live_deck.code})
    assert "Closes in 4" in client.get(page_url).content.decode()
    time_up(live_deck)
    page = client.get(page_url).content.decode()
    assert "Time is up for this one." in page and "live-answer-form" not in page
