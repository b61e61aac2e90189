"""The presenter's WebSocket consumer (/ws/live/<code>/present/) and what the participant socket
(participant_socket.py, /ws/live/<code>/) shares with it: the answer batcher, throttles.

Per answer the server does O(1) work: the answer joins the process's next batch insert, the
participant gets an ack, and presenters are told "these items changed" at most once per
NOTES_INTERVAL, plus once when answers settle. Presenters recount at most
PRESENTER_RESULTS_INTERVAL apart (trailing edge, so the final count always arrives), and at once
on a settled note (at most once per interval). Nothing is sent to every participant per answer.
"""

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
import weakref
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from . import broadcast, fastpath, services
from .batching import hop, per_loop
from .models import Deck
from .permissions import can_present
from .protocol import (
    ProtocolError,
    TokenBucket,
    decode,
    error,
    ref_of,
)

logger = logging.getLogger("nearpeer.live")
PRESENTER_RESULTS_INTERVAL = 0.25
QA_BROADCAST_INTERVAL = 1.0
MAX_BATCH = 500
GROUP_TIMEOUT = 2.0
RETRY_NOTES_SECONDS = 1.0
NOTES_INTERVAL = 0.25
QUIET = 0.05


class AnswerBatcher:
    """Collects answers from every connection of one event loop (one server process) and
    stores them with one INSERT per round trip: the busier the room, the bigger the batch.
    The INSERT goes out from the loop itself (fastpath), not through the database thread.
    On PostgreSQL up to two batches are in flight at once (two connections): an answer that
    arrives while a batch is committing starts the next at once instead of waiting a whole
    commit for its turn; answers arriving while both commit form the next batch.

    Presenters are told which items changed ("live.dirty" notes) on two clocks:
    - while answers keep being stored, at most one note per NOTES_INTERVAL (the presenter
      recounts at most that often anyway; a note per batch through Redis and back cost more CPU
      than the answers themselves);
    - once this process has stored nothing and has nothing queued for QUIET seconds, one note
      marked "settled": the presenter recounts at once, so the final counts arrive about QUIET
      after the last answer instead of up to NOTES_INTERVAL later.
    A note that fails to go out (Redis unreachable, or a loop too busy to finish the publish in
    time) is kept and sent again once the layer is back, so the final tally is never lost."""

    def __init__(self) -> None:
        self.queue: list = []
        self.drains: set[asyncio.Task] = set()
        # Changes not yet in any note / not yet in a "settled" note, per deck.
        self.unsent: dict[int, set[int]] = {}
        self.unsettled: dict[int, set[int]] = {}
        self.last_change = 0.0
        self.last_note = -NOTES_INTERVAL
        self.notifier: asyncio.Task | None = None

    async def submit(self, entry: services.AnswerEntry):
        future = asyncio.get_running_loop().create_future()
        self.queue.append((entry, future))
        fast = fastpath.writer()
        limit = fast.max_in_flight if fast else 1
        if len(self.drains) >= limit:
            pass  # every batch slot is busy: this answer waits for the next batch
        elif not (fast and fast.store_in_caller):
            self.drains.add(asyncio.create_task(self._drain()))
        else:
            # A batch slot is free, so nothing is waiting in the queue but this answer (and
            # any queued in this same loop step): the caller stores that batch itself. A task
            # per batch cost two turns of the event loop per answer, one before the INSERT
            # could start and one for the caller to resume after it; on a loop busy with a
            # room's sockets each turn is a queue of its own (bench/live_load.py --trace).
            slot = object()
            self.drains.add(slot)
            try:
                await self._store(self._take())
            finally:
                # In the same step as the batch's end (see _drain).
                self.drains.discard(slot)
                if self.queue and len(self.drains) < limit:
                    self.drains.add(asyncio.create_task(self._drain()))
        return await future

    def busy(self) -> bool:
        return bool(self.queue or self.drains)

    async def _drain(self) -> None:
        try:
            while self.queue:
                await self._store(self._take())
        finally:
            # In the same step as the loop above finding the queue empty (a done-callback would
            # run later, after the callers resumed: an answer submitted in between would find
            # this drain still counted and wait forever).
            self.drains.discard(asyncio.current_task())

    def _take(self) -> list:
        batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
        return batch

    async def _store(self, batch: list) -> None:
        """Store one batch and settle every caller's future (an outcome or an error)."""
        entries = [entry for entry, _ in batch]
        try:
            fast = fastpath.writer()
            outcomes = await (fast.store(entries) if fast else hop(services.store_answers)(entries))
        except Exception:
            logger.exception("live: storing %d answers failed", len(batch))
            failure = ProtocolError("server_error", "The answer was not stored; send again.")
            for _, future in batch:
                if not future.done():
                    future.set_result(failure)
            return
        except BaseException:
            # The storing task or caller was cancelled (the loop is shutting down). Whether the
            # INSERT committed is unknown: the batch goes back to the queue, to be stored by the
            # next batch (an answer that was committed is then acked as a duplicate, counted once).
            self.queue[:0] = [(entry, future) for entry, future in batch if not future.done()]
            raise
        changed: dict[int, set[int]] = {}
        for (entry, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)
            if isinstance(outcome, services.Stored) and not outcome.duplicate:
                changed.setdefault(entry.deck_id, set()).add(entry.item_id)
        self.notify(changed)

    def notify(self, changed: dict[int, set[int]]) -> None:
        if not changed:
            return
        for deck_id, items in changed.items():
            self.unsent.setdefault(deck_id, set()).update(items)
            self.unsettled.setdefault(deck_id, set()).update(items)
        self.last_change = time.monotonic()
        if self.notifier is None or self.notifier.done():
            self.notifier = asyncio.create_task(self._send_notes())

    async def _send_notes(self) -> None:
        while self.unsent or self.unsettled:
            now = time.monotonic()
            # "Quiet" counts from the last stored change, and only while nothing is queued
            # or being stored: a burst being stored batch after batch is not a pause.
            settle_at = now + QUIET if self.busy() else self.last_change + QUIET
            periodic_at = self.last_note + NOTES_INTERVAL if self.unsent else math.inf
            if now < min(settle_at, periodic_at):
                await asyncio.sleep(min(settle_at, periodic_at) - now)
                continue
            settled = now >= settle_at
            if settled:
                notes = self.unsettled
                for deck_id, items in self.unsent.items():
                    notes.setdefault(deck_id, set()).update(items)
                self.unsent, self.unsettled = {}, {}
            else:
                notes, self.unsent = self.unsent, {}
            self.last_note = now
            failed = False
            for deck_id, items in notes.items():
                note = {"type": "live.dirty", "items": sorted(items)}
                if settled:
                    note["settled"] = True
                if not await broadcast.apublish(broadcast.presenters_group(deck_id), note):
                    target = self.unsettled if settled else self.unsent
                    target.setdefault(deck_id, set()).update(items)
                    failed = True
            if failed:
                await asyncio.sleep(RETRY_NOTES_SECONDS)


_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AnswerBatcher]" = (
    weakref.WeakKeyDictionary()
)


def batcher() -> AnswerBatcher:
    loop = asyncio.get_running_loop()
    if loop not in _batchers:
        _batchers[loop] = AnswerBatcher()
    return _batchers[loop]


class Throttle:
    """Run `action` soon, at most once per `interval`; calls in between are merged into the
    next run (trailing edge), so the last change is never lost.

    `trigger(now=True)` runs it at once instead (answers have settled: the final counts should
    not wait out the interval), but only once per `interval`: with the regular runs, at most two
    per interval."""

    def __init__(self, interval: float, action) -> None:
        self.interval = interval
        self.action = action
        self.last = 0.0
        self.last_now = -interval
        self.urgent = False
        self.wake: asyncio.Event | None = None
        self.task: asyncio.Task | None = None

    def trigger(self, now: bool = False) -> None:
        if now and time.monotonic() - self.last_now >= self.interval:
            self.urgent = True
            if self.wake is not None:
                self.wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        delay = self.last + self.interval - time.monotonic()
        if delay > 0 and not self.urgent:
            self.wake = asyncio.Event()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), delay)
            self.wake = None
        # Clear first: a trigger during the action schedules one more run.
        self.task = None
        self.last = time.monotonic()
        if self.urgent:
            self.urgent, self.last_now = False, self.last
        try:
            await self.action()
        except Exception:
            logger.exception("live: throttled action failed")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


# One Q&A broadcaster per (process, deck): upvotes are merged into one list a second.
_qa_throttles: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)


def qa_throttle(deck: Deck) -> Throttle:
    per_loop = _qa_throttles.setdefault(asyncio.get_running_loop(), {})
    if deck.pk not in per_loop:
        per_loop[deck.pk] = Throttle(
            QA_BROADCAST_INTERVAL, database_sync_to_async(lambda: services.broadcast_qa(deck))
        )
    return per_loop[deck.pk]


async def _load_deck(code: str) -> Deck | None:
    """Connects arriving together share one query and one hop to the database thread."""
    return await per_loop(services.decks_by_code)(code)


@database_sync_to_async
def _snapshot(deck_id: int, participant=None, presenter: bool = False) -> dict:
    deck = Deck.objects.select_related("current_item").get(pk=deck_id)
    return services.snapshot(deck, participant=participant, presenter=presenter)


class LiveConsumer(AsyncWebsocketConsumer):
    presenter = False

    async def __call__(self, scope, receive, send):
        """Channels' own __call__, except that an unreachable channel layer does not fail the
        handshake: the client is accepted, told "live_unavailable" and switches to HTTP."""
        self.scope = scope
        self.layer_failed = broadcast.layer_down()
        self.channel_layer = None if self.layer_failed else get_channel_layer()
        if self.channel_layer is not None:
            try:
                self.channel_name = await asyncio.wait_for(
                    self.channel_layer.new_channel(), GROUP_TIMEOUT
                )
            except Exception as exc:  # noqa: BLE001
                broadcast.mark_down(exc)
                self.channel_layer, self.layer_failed = None, True
            else:
                self.channel_receive = functools.partial(
                    self.channel_layer.receive, self.channel_name
                )
        self.base_send = send
        sources = [receive, self.channel_receive] if self.channel_layer is not None else [receive]
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    async def dispatch(self, message) -> None:
        """Channels' dispatch without its per-message close_old_connections() hop to the
        database thread: every database call here already goes through database_sync_to_async,
        which does that itself. Per answer, one hop (the batch) instead of two."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.bucket = TokenBucket()
        self.groups_joined: list[str] = []
        self.query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.deck = await _load_deck(self.scope["url_route"]["kwargs"]["code"])
        await self.accept()
        if self.deck is None:
            await self.refuse("unknown_deck", "No live deck has this code.", 4404)
            return
        if not await self.authorise():
            return
        if self.layer_failed:
            await self.refuse(
                "live_unavailable",
                "Live updates are paused; send answers over HTTP (POST /live/CODE/answer/).",
                4503,
            )
            return
        for group in self.live_groups():
            try:
                await asyncio.wait_for(
                    self.channel_layer.group_add(group, self.channel_name), GROUP_TIMEOUT
                )
            except Exception:  # noqa: BLE001 - the layer is down: tell the client to use HTTP
                await self.refuse(
                    "live_unavailable",
                    "Live updates are paused; send answers over HTTP (POST /live/CODE/answer/).",
                    4503,
                )
                return
            self.groups_joined.append(group)
        await self.send_snapshot()

    async def disconnect(self, code) -> None:
        for group in getattr(self, "groups_joined", []):
            # Nothing to clean up when the layer is gone.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.channel_layer.group_discard(group, self.channel_name), GROUP_TIMEOUT
                )

    async def refuse(self, code: str, message: str, close_code: int) -> None:
        await self.send_json(error(code, message))
        await self.close(code=close_code)

    async def send_json(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def receive(self, text_data=None, bytes_data=None) -> None:
        ref = None
        try:
            data = decode(text_data if text_data is not None else bytes_data)
            ref = data.get("ref") if isinstance(data.get("ref"), str) else None
            if not self.bucket.take():
                raise ProtocolError("rate_limited", "Too many messages; slow down.")
            kind = data["type"]
            handler = getattr(self, "on_" + kind, None) if kind.isidentifier() else None
            if handler is None:
                raise ProtocolError("bad_request", f"Unknown message type {data['type']!r}.")
            await handler(data)
        except ProtocolError as exc:
            await self.send_json(exc.as_message(ref))

    async def on_ping(self, data: dict) -> None:
        await self.send_json({"type": "pong", "ref": ref_of(data)})

    # Group messages ------------------------------------------------------------------------

    async def live_state(self, event: dict) -> None:
        # Encoded once by the publisher ("text"), not once per connection; "message" is the
        # older form, still accepted from a process of the previous release.
        if "text" in event:
            await self.send(text_data=event["text"])
        else:
            await self.send_json(event["message"])

    live_qa = live_state

    async def live_dirty(self, event: dict) -> None:
        pass

    async def live_qa_dirty(self, event: dict) -> None:
        pass


class PresenterConsumer(LiveConsumer):
    presenter = True

    def live_groups(self) -> list[str]:
        return [broadcast.presenters_group(self.deck.pk)]

    async def authorise(self) -> bool:
        self.token = (self.query.get("token") or [""])[0]
        if not await self.still_presenter():
            await self.refuse("forbidden", "This presenter link is not valid.", 4403)
            return False
        self.results = Throttle(PRESENTER_RESULTS_INTERVAL, self.send_results)
        self.qa = Throttle(PRESENTER_RESULTS_INTERVAL, self.send_qa)
        self.dirty: set[int] = set()
        return True

    @database_sync_to_async
    def still_presenter(self) -> bool:
        """Checked on connect and again before every message: a rotated token or a removed
        teacher loses control at once."""
        return can_present(self.scope.get("user"), self.deck.pk, self.token)

    async def disconnect(self, code) -> None:
        for throttle in (getattr(self, "results", None), getattr(self, "qa", None)):
            if throttle is not None:
                throttle.cancel()
        await super().disconnect(code)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if not await self.still_presenter():
            await self.refuse("forbidden", "You are no longer the presenter of this deck.", 4403)
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def send_snapshot(self) -> None:
        await self.send_json(await _snapshot(self.deck.pk, presenter=True))

    async def on_control(self, data: dict) -> None:
        ref = ref_of(data)
        action = data.get("action")
        item = data.get("item")
        if not isinstance(action, str):
            raise ProtocolError("bad_request", '"action" must be a string.')
        deck = await database_sync_to_async(services.control_deck)(
            deck=self.deck,
            action=action,
            item_id=item if isinstance(item, int) else None,
            seconds=data.get("seconds"),
        )
        await self.send_json({"type": "ack", "ref": ref, "version": deck.version})

    async def on_moderate(self, data: dict) -> None:
        ref = ref_of(data)
        question_id, action = data.get("question"), data.get("action")
        if not isinstance(question_id, int) or not isinstance(action, str):
            raise ProtocolError("bad_request", '"question" (id) and "action" are required.')
        await database_sync_to_async(services.moderate_question)(
            deck=self.deck, question_id=question_id, action=action
        )
        await self.send_json({"type": "ack", "ref": ref, "question": question_id})

    async def live_dirty(self, event: dict) -> None:
        self.dirty.update(event["items"])
        self.results.trigger(now=bool(event.get("settled")))

    async def live_qa_dirty(self, event: dict) -> None:
        self.qa.trigger()

    async def send_results(self) -> None:
        items, self.dirty = self.dirty, set()
        messages = None
        fast = fastpath.writer()
        if fast is not None:
            try:
                messages = await fast.results(self.deck.pk, items)
            except Exception:  # noqa: BLE001 - the ORM path below counts the same
                logger.warning("live: recount from the loop failed; using the ORM", exc_info=True)
        if messages is None:
            messages = await hop(services.presenter_results)(deck_id=self.deck.pk, item_ids=items)
        for message in messages:
            await self.send_json(message)

    async def send_qa(self) -> None:
        questions = await database_sync_to_async(services.qa_list)(self.deck, include_pending=True)
        await self.send_json({"type": "qa", "questions": questions})
