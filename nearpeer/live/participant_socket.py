"""The participant socket, /ws/live/<code>/, as a plain ASGI handler (no Channels consumer).

A room is thousands of participant sockets and one or two presenters. Channels gives every
socket a consumer: its own channel on the channel layer, a task multiplexing the socket and that
channel, group memberships, and the session and auth middleware, most of which a phone never
uses. A profile of bench/live_load.py put a third of the server's time into connecting and
Channels' per-socket machinery, against 5 % for the answers themselves. So participants are
served here directly:

- One **relay** per (process, deck): a single channel on the channel layer, in the deck's
  participants group, whose messages (snapshots after presenter actions, Q&A lists) are copied
  to every participant socket of this process. Scale-out is unchanged: the group still spans
  every process through Redis; it just has one member per process instead of one per phone.
- The session cookie is read only when the socket sends one (a signed-in member); an anonymous
  phone with `?participant=UUID` costs no session lookup.
- Everything else is what the Channels consumer did, with the same shared pieces: the
  coalesced deck read and snapshot, the per-process answer batcher (ack after commit), the
  per-connection rate limit, the same errors and close codes. Origin checking stays in front of
  every WebSocket route (nearpeer/asgi.py). Presenters keep their Channels consumer.
"""

import asyncio
import contextlib
import json
import logging
import re
import weakref
from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.http.cookie import parse_cookie

from . import broadcast, fastpath, services
from .batching import per_loop
from .consumers import GROUP_TIMEOUT, _load_deck, batcher, qa_throttle
from .protocol import (
    ProtocolError,
    TokenBucket,
    decode,
    error,
    parse_answer,
    parse_participant,
    ref_of,
)

logger = logging.getLogger("nearpeer.live")
PATH = re.compile(r"^/ws/live/(?P<code>[^/]+)/$")
RELAY_RETRY_SECONDS = 1.0
PAUSED = "Live updates are paused; send answers over HTTP (POST /live/CODE/answer/)."


def _dumps(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


class Relay:
    """One deck's participants group, for every participant socket of this process."""

    def __init__(self, deck_id: int, channel: str) -> None:
        self.deck_id = deck_id
        self.channel = channel
        self.members: set[Participant] = set()
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                event = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the layer reconnects; try again soon
                broadcast.mark_down(exc)
                await asyncio.sleep(RELAY_RETRY_SECONDS)
                continue
            if event.get("type") not in ("live.state", "live.qa"):
                continue
            text = event["text"] if "text" in event else _dumps(event["message"])
            for member in list(self.members):
                member.push(text)


class Relays:
    """The relays of one event loop (one server process; tests run a loop each)."""

    def __init__(self) -> None:
        self.by_deck: dict[int, Relay] = {}
        self.lock = asyncio.Lock()

    async def join(self, deck_id: int, member: "Participant") -> bool:
        """Add a socket to its deck's relay (creating it); False when the layer is down."""
        if broadcast.layer_down():
            return False
        relay = self.by_deck.get(deck_id)
        if relay is None:
            async with self.lock:
                relay = self.by_deck.get(deck_id)
                if relay is None:
                    layer = get_channel_layer()
                    if layer is None:
                        return False
                    try:
                        channel = await asyncio.wait_for(layer.new_channel(), GROUP_TIMEOUT)
                        await asyncio.wait_for(
                            layer.group_add(broadcast.participants_group(deck_id), channel),
                            GROUP_TIMEOUT,
                        )
                    except Exception as exc:  # noqa: BLE001 - tell the client to use HTTP
                        broadcast.mark_down(exc)
                        return False
                    relay = Relay(deck_id, channel)
                    relay.task = asyncio.create_task(relay.run())
                    self.by_deck[deck_id] = relay
        relay.members.add(member)
        return True

    def leave(self, deck_id: int, member: "Participant") -> None:
        relay = self.by_deck.get(deck_id)
        if relay is None:
            return
        relay.members.discard(member)
        if not relay.members:
            asyncio.get_running_loop().create_task(self._close_if_empty(relay))

    async def _close_if_empty(self, relay: Relay) -> None:
        async with self.lock:
            if relay.members or self.by_deck.get(relay.deck_id) is not relay:
                return
            del self.by_deck[relay.deck_id]
            relay.task.cancel()
            layer = get_channel_layer()
            # Nothing to clean up when the layer is gone.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    layer.group_discard(broadcast.participants_group(relay.deck_id), relay.channel),
                    GROUP_TIMEOUT,
                )


_relays: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relays]" = (
    weakref.WeakKeyDictionary()
)


def relays() -> Relays:
    loop = asyncio.get_running_loop()
    if loop not in _relays:
        _relays[loop] = Relays()
    return _relays[loop]


async def _user_from_session(session_key: str):
    engine = import_module(settings.SESSION_ENGINE)
    return await get_user({"session": engine.SessionStore(session_key)})


class Participant:
    """One participant socket: the protocol of docs/live-protocol.md §3."""

    def __init__(self, scope: dict, send) -> None:
        self.scope = scope
        self.send = send
        self.bucket = TokenBucket()
        self.deck = None
        self.member_id = None
        self.participant = None
        self.joined = False
        # Relay messages wait here until the connect snapshot is out (then in order).
        self.early: list[str] | None = []
        self.pushes: set[asyncio.Task] = set()

    async def send_text(self, text: str) -> None:
        await self.send({"type": "websocket.send", "text": text})

    async def send_json(self, message: dict) -> None:
        await self.send_text(_dumps(message))

    def push(self, text: str) -> None:
        """A relayed message: sent without holding up the relay (one slow phone must not
        delay the others)."""
        if self.early is not None:
            self.early.append(text)
            return
        task = asyncio.get_running_loop().create_task(self.send_text(text))
        self.pushes.add(task)
        task.add_done_callback(self.pushes.discard)

    async def refuse(self, code: str, message: str, close_code: int) -> bool:
        await self.send_json(error(code, message))
        await self.send({"type": "websocket.close", "code": close_code})
        return False

    async def open(self, code: str) -> bool:
        """Accept, check, join the relay and send the snapshot; False if refused (closed)."""
        self.deck = await _load_deck(code)
        await self.send({"type": "websocket.accept"})
        if self.deck is None:
            return await self.refuse("unknown_deck", "No live deck has this code.", 4404)
        if not await self.authorise():
            return False
        if not await relays().join(self.deck.pk, self):
            return await self.refuse("live_unavailable", PAUSED, 4503)
        self.joined = True
        fast = fastpath.writer()
        if fast is not None:
            await fast.warm(self.deck.pk)
        # Read after joining the relay, so no change between the two is missed; coalesced
        # with the other connects of the moment (one snapshot build per deck and batch).
        try:
            text = await per_loop(services.participant_snapshots)((self.deck.pk, self.participant))
        except ProtocolError as exc:
            return await self.refuse(exc.code, exc.message, 4404)
        await self.send_text(text)
        early, self.early = self.early, None
        for queued in early:
            await self.send_text(queued)
        return True

    async def authorise(self) -> bool:
        cookies = {}
        for name, value in self.scope.get("headers", []):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin-1"))
                break
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        if session_key:
            user = await _user_from_session(session_key)
            if user.is_authenticated:
                self.member_id = user.pk
                self.participant = services.participant_key_for_member(
                    deck_id=self.deck.pk, user_id=user.pk
                )
                return True
        if not self.deck.allow_anonymous:
            return await self.refuse("sign_in_required", "Sign in to answer in this deck.", 4401)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.participant = parse_participant((query.get("participant") or [None])[0])
        if self.participant is None:
            return await self.refuse(
                "bad_participant", "Anonymous devices add ?participant=<a random UUID>.", 4400
            )
        return True

    def close(self) -> None:
        if self.joined:
            relays().leave(self.deck.pk, self)
            self.joined = False
        for task in self.pushes:
            task.cancel()

    async def receive(self, raw: str | bytes | None) -> None:
        ref = None
        try:
            data = decode(raw)
            ref = data.get("ref") if isinstance(data.get("ref"), str) else None
            if not self.bucket.take():
                raise ProtocolError("rate_limited", "Too many messages; slow down.")
            kind = data["type"]
            handler = self.handlers.get(kind)
            if handler is None:
                raise ProtocolError("bad_request", f"Unknown message type {kind!r}.")
            await handler(self, data)
        except ProtocolError as exc:
            await self.send_json(exc.as_message(ref))

    async def on_ping(self, data: dict) -> None:
        await self.send_json({"type": "pong", "ref": ref_of(data)})

    async def on_answer(self, data: dict) -> None:
        answer = parse_answer(data)
        outcome = await batcher().submit(
            services.AnswerEntry(
                deck_id=self.deck.pk,
                item_id=answer.item,
                participant=self.participant,
                choice=answer.choice,
                text=answer.text,
                member_id=self.member_id,
            )
        )
        if isinstance(outcome, ProtocolError):
            raise outcome
        await self.send_json(
            {"type": "ack", "ref": answer.ref, "item": answer.item, "duplicate": outcome.duplicate}
        )

    async def on_ask(self, data: dict) -> None:
        ref = ref_of(data)
        text = data.get("text")
        if not isinstance(text, str):
            raise ProtocolError("bad_request", '"text" must be a string.')
        question = await database_sync_to_async(services.ask_question)(deck=self.deck, text=text)
        await self.send_json({"type": "ack", "ref": ref, "question": question.pk})

    async def on_upvote(self, data: dict) -> None:
        ref = ref_of(data)
        question_id = data.get("question")
        if not isinstance(question_id, int) or isinstance(question_id, bool):
            raise ProtocolError("bad_request", '"question" must be an integer id.')
        counted = await database_sync_to_async(services.upvote_question)(
            deck=self.deck, question_id=question_id, participant=self.participant
        )
        await self.send_json(
            {"type": "ack", "ref": ref, "question": question_id, "duplicate": not counted}
        )
        if counted:
            qa_throttle(self.deck).trigger()

    async def on_nickname(self, data: dict) -> None:
        ref = ref_of(data)
        name = data.get("nickname")
        if not isinstance(name, str):
            raise ProtocolError("bad_request", '"nickname" must be a string ("" for none).')
        chosen = await database_sync_to_async(services.set_nickname)(
            deck=self.deck, participant=self.participant, name=name
        )
        await self.send_json({"type": "ack", "ref": ref, "nickname": chosen})

    async def on_control(self, data: dict) -> None:
        raise ProtocolError("forbidden", "Presenter controls need the presenter socket.")

    handlers = {
        "ping": on_ping,
        "answer": on_answer,
        "ask": on_ask,
        "upvote": on_upvote,
        "nickname": on_nickname,
        "control": on_control,
        "moderate": on_control,
    }


async def participant_app(scope: dict, receive, send) -> None:
    """ASGI application for one participant socket."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    socket = Participant(scope, send)
    try:
        if not await socket.open(PATH.match(scope["path"])["code"]):
            return
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                text = message.get("text")
                await socket.receive(text if text is not None else message.get("bytes"))
            elif message["type"] == "websocket.disconnect":
                return
    finally:
        socket.close()


class ParticipantRoute:
    """Sends /ws/live/<code>/ to participant_app and every other WebSocket path to `inner`
    (Channels' middleware and URL router: the presenter socket)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if PATH.match(scope.get("path", "")):
            return await participant_app(scope, receive, send)
        return await self.inner(scope, receive, send)
