"""The live protocol over real consumers (WebsocketCommunicator), through the project's ASGI
application, so Origin checking and session authentication are the production ones."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from nearpeer.asgi import application
from nearpeer.live import protocol, services
from nearpeer.live.models import Answer, AudienceQuestion, Deck

from .conftest import run

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


def participant(code: str, device: uuid.UUID | None = None, headers=()):
    device = device or uuid.uuid4()
    return WebsocketCommunicator(
        application, f"/ws/live/{code}/?participant={device}", headers=[ORIGIN, *headers]
    )


def presenter(deck: Deck, token: str | None = None):
    return WebsocketCommunicator(
        application,
        f"/ws/live/{deck.code}/present/?token={token or deck.presenter_token}",
        headers=[ORIGIN],
    )


async def connected(communicator) -> dict:
    ok, _ = await communicator.connect(timeout=10)
    assert ok
    return await communicator.receive_json_from(timeout=5)


async def until(communicator, kind: str, timeout: float = 5) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


def test_join_gets_snapshot_of_current_item(live_deck):
    async def scenario():
        ws = participant(live_deck.code)
        snapshot = await connected(ws)
        await ws.disconnect(timeout=10)
        return snapshot

    snapshot = run(scenario())
    item = live_deck.items.get(position=1)
    assert (snapshot["type"], snapshot["version"], snapshot["item"]) == (
        "snapshot",
        1,
        {
            "id": item.pk,
            "kind": "choice",
            "prompt": "Which valve?",
            "options": ["Mitral", "Aortic"],
            "position": 1,
            "recording_at": None,
            "image": None,
            "image_alt": "",
        },
    )
    assert (snapshot["answered"], snapshot["correct"], snapshot["results"]) == (False, None, None)


def test_answer_acked_stored_and_presenter_gets_results(live_deck):
    item = live_deck.items.get(position=1)

    async def scenario():
        boss = presenter(live_deck)
        await connected(boss)
        ws = participant(live_deck.code)
        await connected(ws)
        await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 1, "ref": "a1"})
        ack = await ws.receive_json_from(timeout=5)
        results = await until(boss, "results")
        await ws.disconnect(timeout=10)
        await boss.disconnect(timeout=10)
        return ack, results

    ack, results = run(scenario())
    assert ack == {"type": "ack", "ref": "a1", "item": item.pk, "duplicate": False}
    assert (results["item"], results["counts"], results["total"], results["version"]) == (
        item.pk,
        [0, 1],
        1,
        1,
    )
    assert list(Answer.objects.values_list("item_id", "choice", "phase")) == [(item.pk, 1, "live")]


def test_second_answer_is_a_duplicate_counted_once(live_deck):
    item = live_deck.items.get(position=1)
    device = uuid.uuid4()

    async def scenario():
        acks = []
        for choice in (0, 1):
            ws = participant(live_deck.code, device)  # the same device, even after reconnecting
            await connected(ws)
            await ws.send_json_to({"type": "answer", "item": item.pk, "choice": choice, "ref": "r"})
            acks.append(await ws.receive_json_from(timeout=5))
            await ws.disconnect(timeout=10)
        return acks

    acks = run(scenario())
    assert [a["duplicate"] for a in acks] == [False, True]
    assert services.tally(item)["counts"] == [1, 0]


def test_signed_in_member_is_known_by_session_without_participant_param(live_deck, member, client):
    item = live_deck.items.get(position=1)
    client.force_login(member)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())

    async def scenario():
        acks = []
        for _ in range(2):
            ws = WebsocketCommunicator(
                application, f"/ws/live/{live_deck.code}/", headers=[ORIGIN, cookie]
            )
            await connected(ws)
            await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 0, "ref": "m"})
            acks.append((await ws.receive_json_from(timeout=5))["duplicate"])
            await ws.disconnect(timeout=10)
        return acks

    assert run(scenario()) == [False, True]
    stored = Answer.objects.get()
    expected = services.participant_key_for_member(deck_id=live_deck.pk, user_id=member.pk)
    assert stored.participant == expected != member.pk


def test_reveal_sends_snapshot_with_key_and_results_to_participants(live_deck):
    item = live_deck.items.get(position=1)

    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 0, "ref": "x"})
        await ws.receive_json_from(timeout=5)
        boss = presenter(live_deck)
        await connected(boss)
        await boss.send_json_to({"type": "control", "action": "reveal", "ref": "c"})
        revealed = await until(ws, "snapshot")
        await ws.disconnect(timeout=10)
        await boss.disconnect(timeout=10)
        return revealed

    revealed = run(scenario())
    assert (revealed["correct"], revealed["results"]["counts"], revealed["state"]) == (
        1,
        [1, 0],
        {
            "accepting": False,
            "results_visible": True,
            "revealed": True,
            "closes_in": None,
            "questions_on_screen": False,
        },
    )


def test_next_moves_everyone_and_reconnect_gets_fresh_snapshot(live_deck):
    second = live_deck.items.get(position=2)
    device = uuid.uuid4()

    async def scenario():
        ws = participant(live_deck.code, device)
        first = await connected(ws)
        await ws.disconnect(timeout=10)  # e.g. the phone locked
        boss = presenter(live_deck)
        await connected(boss)
        await boss.send_json_to({"type": "control", "action": "next"})
        await until(boss, "ack")
        again = participant(live_deck.code, device)
        fresh = await connected(again)
        await again.disconnect(timeout=10)
        await boss.disconnect(timeout=10)
        return first, fresh

    first, fresh = run(scenario())
    assert (first["version"], fresh["version"], fresh["item"]["id"]) == (1, 2, second.pk)
    assert fresh["item"]["kind"] == "wordcloud" and fresh["answered"] is False


def test_participants_of_a_process_share_one_group_member_and_all_get_snapshots(live_deck):
    """The participant socket joins the deck's group once per process (a relay), not once per
    phone; every phone still gets the presenter's snapshot, and the last to leave leaves the
    group."""
    import asyncio

    from channels.layers import get_channel_layer

    from nearpeer.live import broadcast

    group = broadcast.participants_group(live_deck.pk)

    async def scenario():
        phones = [participant(live_deck.code) for _ in range(5)]
        for ws in phones:
            await connected(ws)
        members = len(get_channel_layer().groups.get(group, {}))
        boss = presenter(live_deck)
        await connected(boss)
        await boss.send_json_to({"type": "control", "action": "next"})
        moved = [(await until(ws, "snapshot"))["version"] for ws in phones]
        for ws in [*phones, boss]:
            await ws.disconnect(timeout=10)
        for _ in range(100):  # the relay leaves the group in a task of its own
            if not get_channel_layer().groups.get(group):
                break
            await asyncio.sleep(0.01)
        return members, moved, len(get_channel_layer().groups.get(group, {}))

    members, moved, left = run(scenario())
    assert (members, moved, left) == (1, [2] * 5, 0)


def test_participant_cannot_use_presenter_controls(live_deck):
    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        replies = []
        for message in (
            {"type": "control", "action": "next", "ref": "n"},
            {"type": "moderate", "question": 1, "action": "approve", "ref": "m"},
        ):
            await ws.send_json_to(message)
            replies.append(await ws.receive_json_from(timeout=5))
        await ws.disconnect(timeout=10)
        return replies

    replies = run(scenario())
    assert [(r["type"], r["code"], r["ref"]) for r in replies] == [
        ("error", "forbidden", "n"),
        ("error", "forbidden", "m"),
    ]
    assert Deck.objects.get(pk=live_deck.pk).version == 1


def test_presenter_with_wrong_token_refused(live_deck):
    async def scenario():
        boss = presenter(live_deck, token="not-the-token")
        ok, _ = await boss.connect()
        message = await boss.receive_json_from(timeout=5)
        closed = await boss.receive_output(timeout=5)
        return ok, message, closed

    ok, message, closed = run(scenario())
    assert (message["type"], message["code"]) == ("error", "forbidden")
    assert closed == {"type": "websocket.close", "code": 4403}


def test_presenter_rights_rechecked_on_every_message(live_deck):
    async def scenario():
        boss = presenter(live_deck)
        await connected(boss)
        # The teacher rotates the token (e.g. it leaked on a screen share).
        from channels.db import database_sync_to_async

        await database_sync_to_async(
            lambda: Deck.objects.filter(pk=live_deck.pk).update(presenter_token="rotated")
        )()
        await boss.send_json_to({"type": "control", "action": "next"})
        refused = await boss.receive_json_from(timeout=5)
        closed = await boss.receive_output(timeout=5)
        return refused, closed

    refused, closed = run(scenario())
    assert (refused["code"], closed["code"]) == ("forbidden", 4403)
    assert Deck.objects.get(pk=live_deck.pk).version == 1


def test_bad_origin_refused(live_deck):
    async def scenario():
        results = []
        for origin in (b"https://evil.example", b"http://127.0.0.1.evil.example", None):
            headers = [(b"origin", origin)] if origin else []
            ws = WebsocketCommunicator(
                application, f"/ws/live/{live_deck.code}/?participant={uuid.uuid4()}", headers
            )
            ok, _ = await ws.connect()
            results.append(ok)
            if ok:
                await ws.disconnect(timeout=10)
        return results

    # A browser on another site is refused; a client with no Origin is no browser (browsers
    # always send one) and is let through to the consumer's own checks.
    assert run(scenario()) == [False, False, True]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("x" * (protocol.MAX_MESSAGE_BYTES + 1), "too_large"),
        (json.dumps({"type": "answer", "item": 1, "text": "y" * 2100}), "too_large"),
        ("{not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        (json.dumps({"type": "answer", "item": "one", "choice": 0}), "bad_request"),
        (json.dumps({"type": "answer", "item": 1, "choice": True}), "bad_request"),
        (json.dumps({"type": "answer", "item": 1}), "bad_request"),
        (json.dumps({"type": "teleport"}), "bad_request"),
    ],
    ids=["oversized", "oversized-text", "not-json", "not-object", "item-type", "bool", "empty",
         "unknown-type"],
)  # fmt: skip
def test_oversized_and_malformed_messages_get_an_error_and_store_nothing(live_deck, payload, code):
    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        await ws.send_to(text_data=payload)
        reply = await ws.receive_json_from(timeout=5)
        await ws.disconnect(timeout=10)
        return reply

    reply = run(scenario())
    assert (reply["type"], reply["code"], isinstance(reply["message"], str)) == (
        "error",
        code,
        True,
    )
    assert Answer.objects.count() == 0


def test_answer_out_of_range_or_to_closed_item_refused(live_deck):
    first, second = live_deck.items.order_by("position")[:2]

    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        replies = []
        for message in (
            {"type": "answer", "item": first.pk, "choice": 5, "ref": "range"},
            {"type": "answer", "item": second.pk, "text": "pump", "ref": "closed"},
        ):
            await ws.send_json_to(message)
            replies.append(await ws.receive_json_from(timeout=5))
        await ws.disconnect(timeout=10)
        return replies

    assert [(r["code"], r["ref"]) for r in run(scenario())] == [
        ("bad_choice", "range"),
        ("not_open", "closed"),
    ]
    assert Answer.objects.count() == 0


def test_rate_limit_per_connection(live_deck):
    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        for n in range(protocol.RATE_BURST + 3):
            await ws.send_json_to({"type": "ping", "ref": str(n)})
        replies = [await ws.receive_json_from(timeout=5) for _ in range(protocol.RATE_BURST + 3)]
        await ws.disconnect(timeout=10)
        return replies

    kinds = [r.get("code", r["type"]) for r in run(scenario())]
    assert kinds.count("pong") == protocol.RATE_BURST and kinds.count("rate_limited") == 3


def test_qa_ask_moderate_upvote(live_deck):
    async def scenario():
        asker = participant(live_deck.code)
        await connected(asker)
        boss = presenter(live_deck)
        await connected(boss)
        await asker.send_json_to({"type": "ask", "text": "Why does S2 split?", "ref": "q"})
        asked = await asker.receive_json_from(timeout=5)
        pending = await until(boss, "qa")
        await boss.send_json_to(
            {"type": "moderate", "question": asked["question"], "action": "approve"}
        )
        shown = await until(asker, "qa")
        voter = participant(live_deck.code)
        voter_snapshot = await connected(voter)
        votes = []
        for _ in range(2):
            await voter.send_json_to({"type": "upvote", "question": asked["question"]})
            # The first vote's Q&A broadcast may come before the second ack: a client takes
            # `qa` messages at any time.
            votes.append((await until(voter, "ack"))["duplicate"])
        upvoted = await until(asker, "qa")
        await boss.send_json_to(
            {"type": "moderate", "question": asked["question"], "action": "hide"}
        )
        hidden = await until(asker, "qa")
        for ws in (asker, boss, voter):
            await ws.disconnect(timeout=10)
        return pending, shown, voter_snapshot, votes, upvoted, hidden

    pending, shown, voter_snapshot, votes, upvoted, hidden = run(scenario())
    assert [(q["text"], q["status"]) for q in pending["questions"]] == [
        ("Why does S2 split?", "pending")
    ]
    assert [q["status"] for q in shown["questions"]] == ["approved"]
    assert [q["text"] for q in voter_snapshot["questions"]] == ["Why does S2 split?"]
    assert votes == [False, True]
    assert [q["upvotes"] for q in upvoted["questions"]] == [1]
    assert hidden["questions"] == []
    assert AudienceQuestion.objects.get().status == "hidden"


def test_signed_in_only_deck_refuses_anonymous_device(session):
    from .conftest import make_deck

    deck = make_deck(session, allow_anonymous=False)
    services.control_deck(deck=deck, action="open")

    async def scenario():
        ws = participant(deck.code)
        ok, _ = await ws.connect()
        return await ws.receive_json_from(timeout=5), await ws.receive_output(timeout=5)

    message, closed = run(scenario())
    assert (message["code"], closed["code"]) == ("sign_in_required", 4401)


def test_answers_are_stored_from_the_event_loop_and_the_rest_by_the_orm(live_deck):
    """The fast path (one INSERT from the loop) stores a new answer; a duplicate or a closed item
    falls through to the ORM path, which says exactly why. Acked means the row is there."""
    from nearpeer.live import fastpath

    item = live_deck.items.get(position=1)
    device = uuid.uuid4()

    async def scenario():
        ws = participant(live_deck.code, device)
        await connected(ws)
        replies, present = [], []
        for choice, item_id in ((1, item.pk), (0, item.pk), (0, item.pk + 1000)):
            await ws.send_json_to({"type": "answer", "item": item_id, "choice": choice, "ref": "r"})
            replies.append(await ws.receive_json_from(timeout=5))
            present.append(await database_sync_to_async(Answer.objects.count)())
        await ws.disconnect(timeout=10)
        writer = fastpath.writer()
        return replies, present, (writer.fast_stored, writer.orm_handled)

    replies, present, paths = run(scenario())
    assert [(r["type"], r.get("duplicate"), r.get("code")) for r in replies] == [
        ("ack", False, None),
        ("ack", True, None),
        ("error", None, "unknown_item"),
    ]
    assert present == [1, 1, 1]
    assert paths == (1, 2)
