"""Two real server processes on PostgreSQL and one Redis: participants on one, the presenter on
the other; every answer reaches the presenter's tally. Then, with Redis unreachable, the HTTP
answer path still works and the pages say live updates are paused.

Runs in the PostgreSQL pass of `make test` (markers postgres and redis)."""

import asyncio
import json
import random
import uuid

import httpx
import pytest
import websockets
from django.db import connection

from nearpeer.live import services
from nearpeer.live.models import Answer, ItemKind
from nearpeer.teaching.tests.factories import SessionFactory

from .conftest import run
from .servers import free_port, uvicorn_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PARTICIPANTS = 40


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


@pytest.fixture
def deck():
    deck = services.create_deck(session=SessionFactory(), title="Scale-out")
    services.add_item(deck=deck, kind=ItemKind.CHOICE, prompt="First?", options=["A", "B", "C"])
    services.add_item(deck=deck, kind=ItemKind.TEXT, prompt="Second?")
    services.control_deck(deck=deck, action="open")
    deck.refresh_from_db()
    return deck


async def scenario(deck, base_a: str, base_b: str, choices: list[int]):
    item = deck.current_item_id
    origin_a, origin_b = base_a, base_b
    presenter = await websockets.connect(
        ws_url(base_b, f"/ws/live/{deck.code}/present/?token={deck.presenter_token}"),
        origin=origin_b,
    )
    assert json.loads(await presenter.recv())["type"] == "snapshot"
    sockets = []
    for _ in choices:
        ws = await websockets.connect(
            ws_url(base_a, f"/ws/live/{deck.code}/?participant={uuid.uuid4()}"), origin=origin_a
        )
        assert json.loads(await ws.recv())["type"] == "snapshot"
        sockets.append(ws)
    await asyncio.sleep(0.3)  # let server A's subscriptions reach Redis

    async def answer(ws, choice, n):
        await ws.send(json.dumps({"type": "answer", "item": item, "choice": choice, "ref": str(n)}))
        return json.loads(await ws.recv())

    acks = await asyncio.gather(
        *(answer(ws, c, n) for n, (ws, c) in enumerate(zip(sockets, choices, strict=True)))
    )
    expected = [choices.count(i) for i in range(3)]
    latest = None
    async with asyncio.timeout(20):
        while latest is None or latest["total"] < len(choices):
            message = json.loads(await presenter.recv())
            if message["type"] == "results" and message["item"] == item:
                latest = message
    # A control on server B reaches the participants on server A.
    await presenter.send(json.dumps({"type": "control", "action": "next", "ref": "n"}))
    moved = None
    async with asyncio.timeout(10):
        while moved is None:
            message = json.loads(await sockets[0].recv())
            if message["type"] == "snapshot":
                moved = message
    for ws in [presenter, *sockets]:
        await ws.close()
    return acks, latest, expected, moved


def test_two_servers_share_one_deck_through_redis(deck, redis_url):
    prefix = f"test-{connection.settings_dict['NAME']}-{uuid.uuid4().hex[:8]}"
    rng = random.Random(9)
    choices = [rng.randrange(3) for _ in range(PARTICIPANTS)]
    with (
        uvicorn_server(redis_url=redis_url, prefix=prefix) as base_a,
        uvicorn_server(redis_url=redis_url, prefix=prefix) as base_b,
    ):
        acks, latest, expected, moved = run(scenario(deck, base_a, base_b, choices))
    assert [a["type"] for a in acks] == ["ack"] * PARTICIPANTS
    assert not any(a["duplicate"] for a in acks)
    assert (latest["counts"], latest["total"]) == (expected, PARTICIPANTS)
    assert services.tally(deck.current_item)["counts"] == expected
    assert moved["item"]["prompt"] == "Second?"


def test_without_redis_http_answers_work_and_pages_say_paused(deck):
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    item = deck.current_item_id
    with uvicorn_server(redis_url=nothing_listens, prefix="test-h9-down") as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            page = client.get(f"/live/{deck.code}/")
            ack = client.post(
                f"/live/{deck.code}/answer/?participant={uuid.uuid4()}",
                json={"type": "answer", "item": item, "choice": 2, "ref": "fallback"},
            )

        async def socket_refused():
            async with websockets.connect(
                ws_url(base, f"/ws/live/{deck.code}/?participant={uuid.uuid4()}"), origin=base
            ) as ws:
                return json.loads(await ws.recv())

        refusal = run(socket_refused())
    assert page.status_code == 200 and "Live updates paused" in page.text
    assert ack.json() == {"type": "ack", "ref": "fallback", "item": item, "duplicate": False}
    assert (refusal["type"], refusal["code"]) == ("error", "live_unavailable")
    assert list(Answer.objects.values_list("choice", flat=True)) == [2]


def test_an_ack_means_the_answer_is_committed_for_every_other_process(deck, redis_url):
    """The server acks only once the answer is stored: the moment each ack arrives, this test
    process (another connection, another process) already finds the row."""
    prefix = f"test-{connection.settings_dict['NAME']}-{uuid.uuid4().hex[:8]}"
    item = deck.current_item_id
    devices = [uuid.uuid4() for _ in range(12)]

    def stored(device) -> bool:
        # Run in a worker thread: a connection of its own, nothing shared with the server.
        from django.db import connections

        try:
            return Answer.objects.filter(item_id=item, participant=device).exists()
        finally:
            connections.close_all()

    async def scenario(base):
        seen = []
        for n, device in enumerate(devices):
            async with websockets.connect(
                ws_url(base, f"/ws/live/{deck.code}/?participant={device}"), origin=base
            ) as ws:
                assert json.loads(await ws.recv())["type"] == "snapshot"
                await ws.send(
                    json.dumps({"type": "answer", "item": item, "choice": n % 3, "ref": str(n)})
                )
                ack = json.loads(await ws.recv())
                seen.append(
                    (ack["type"], ack["duplicate"], await asyncio.to_thread(stored, device))
                )
        return seen

    with uvicorn_server(redis_url=redis_url, prefix=prefix) as base:
        seen = run(scenario(base))
    assert seen == [("ack", False, True)] * len(devices)
