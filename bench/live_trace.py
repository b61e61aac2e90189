"""Where an answer's ack latency goes, for bench/live_load.py --trace DIR.

Serve `bench.live_trace:application` instead of `nearpeer.asgi:application`: the same app, with
the answer path wrapped to stamp each answer (keyed by participant and item) at every stage:

  recv     the socket's text frame reached the participant handler (uvicorn has parsed it)
  queued   decoded and checked, handed to the process's answer batcher
  batch    its batch began storing (fastpath.Writer.store)
  stored   the batch's INSERT returned (committed: autocommit)
  ack      the ack frame was handed to uvicorn

plus the event loop's lag (a 2 ms ticker's overshoot), the garbage collector's pauses and every
presenter recount (fastpath.Writer.results from the loop, or services.presenter_results on the
database thread for items that are not of a choice kind). Times are
time.perf_counter(), which on Linux is CLOCK_MONOTONIC and so comparable with the load
generator's own stamps in another process. Everything is written to DIR/server-PID.json when the
load generator asks for it (GET /__trace__/ on the server; uvicorn ends on a re-raised SIGTERM,
so an atexit hook would not run). Profiling only: nothing here is imported by the product.
"""

import asyncio
import gc
import json
import os
import time

from nearpeer.asgi import application as _app
from nearpeer.live import consumers, fastpath, participant_socket, services

now = time.perf_counter
DIR = os.environ.get("NEARPEER_LIVE_TRACE_DIR", "/tmp")
stamps: dict[str, dict[str, float]] = {}
batches: list[tuple[float, float, int]] = []
lags: list[tuple[float, float]] = []
gcs: list[tuple[float, float, int]] = []
recounts: list[tuple[float, float]] = []
_started = False
_gc_start = [0.0]


# An experiment: NEARPEER_LIVE_TRACE_GC=default undoes nearpeer.asgi.tune_gc() (the server calls it
# at lifespan startup, after this module is imported), to compare with CPython's defaults.
if os.environ.get("NEARPEER_LIVE_TRACE_GC") == "default":
    import nearpeer.asgi

    nearpeer.asgi.tune_gc = lambda: None


def _key(participant, item) -> str:
    return f"{participant}:{item}"


def _gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start[0] = now()
    else:
        gcs.append((_gc_start[0], now() - _gc_start[0], info["generation"]))


async def _ticker() -> None:
    while True:
        before = now()
        await asyncio.sleep(0.002)
        lags.append((before, now() - before - 0.002))


def _start() -> None:
    global _started
    if not _started:
        _started = True
        gc.callbacks.append(_gc)
        asyncio.get_running_loop().create_task(_ticker())


_receive = participant_socket.Participant.receive


async def receive(self, raw):
    _start()
    self._trace_recv = now()
    await _receive(self, raw)


_on_answer = participant_socket.Participant.on_answer


async def on_answer(self, data):
    recv = getattr(self, "_trace_recv", None)
    stamps[_key(self.participant, data.get("item"))] = {"recv": recv}
    await _on_answer(self, data)


_submit = consumers.AnswerBatcher.submit


async def submit(self, entry):
    s = stamps.setdefault(_key(entry.participant, entry.item_id), {})
    s["queued"] = now()
    outcome = await _submit(self, entry)
    s["resumed"] = now()
    return outcome


_store = fastpath.Writer.store


async def store(self, entries):
    start = now()
    for e in entries:
        stamps.setdefault(_key(e.participant, e.item_id), {})["batch"] = start
    outcomes = await _store(self, entries)
    done = now()
    batches.append((start, done - start, len(entries)))
    for e in entries:
        stamps[_key(e.participant, e.item_id)]["stored"] = done
    return outcomes


_send_json = participant_socket.Participant.send_json


async def send_json(self, message):
    await _send_json(self, message)
    if message.get("type") == "ack" and "item" in message:
        s = stamps.get(_key(self.participant, message["item"]))
        if s is not None:
            s["ack"] = now()


_results = services.presenter_results


def presenter_results(**kwargs):
    start = now()
    try:
        return _results(**kwargs)
    finally:
        recounts.append((start, now() - start))


_fast_results = fastpath.Writer.results


async def fast_results(self, deck_id, item_ids):
    start = now()
    try:
        return await _fast_results(self, deck_id, item_ids)
    finally:
        recounts.append((start, now() - start))


notes: list[tuple[float, bool]] = []
_live_dirty = consumers.PresenterConsumer.live_dirty


async def live_dirty(self, event):
    notes.append((now(), bool(event.get("settled"))))
    await _live_dirty(self, event)


sends: list[tuple[float, float]] = []
_send_results = consumers.PresenterConsumer.send_results


async def send_results(self):
    start = now()
    await _send_results(self)
    sends.append((start, now()))


def _dump() -> None:
    path = os.path.join(DIR, f"server-{os.getpid()}.json")
    with open(path, "w") as f:
        json.dump(
            {
                "stamps": stamps,
                "batches": batches,
                "lags": lags,
                "gcs": gcs,
                "recounts": recounts,
                "notes": notes,
                "sends": sends,
            },
            f,
        )


participant_socket.Participant.receive = receive
participant_socket.Participant.on_answer = on_answer
participant_socket.Participant.handlers = {
    **participant_socket.Participant.handlers,
    "answer": on_answer,
}
consumers.AnswerBatcher.submit = submit
fastpath.Writer.store = store
participant_socket.Participant.send_json = send_json
services.presenter_results = presenter_results
fastpath.Writer.results = fast_results
consumers.PresenterConsumer.live_dirty = live_dirty
consumers.PresenterConsumer.send_results = send_results


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/__trace__/":
        _dump()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await _app(scope, receive, send)
