"""Live questions under load: N participants through the protocol of docs/live-protocol.md,
against Nearpeer (uvicorn + Channels) and, in the same run, against a bare `websockets` server
that only counts answers in memory. The ratio to the bare server is the figure.

    .venv/bin/python bench/live_load.py                      # SQLite, in-memory layer, N=300
    .venv/bin/python bench/live_load.py --n 2000 --spread 5  # the issue's size
    .venv/bin/python bench/live_load.py --n 1000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/np_live_bench_SUFFIX \\
        --redis-url redis://127.0.0.1:6379/3 --prefix bench-SUFFIX

Each run starts its own servers (a fresh SQLite file in a temporary folder, or the given
PostgreSQL database, created if missing and migrated) on free ports, and the load generator
beside them on the same machine. Two scenarios per server, with the same participants:
  spread  each participant answers once at a random moment within --spread seconds;
  burst   all answer the next item at once.
Each scenario runs --rounds times (default 3), each round on an item of its own. Printed per
server and scenario: connect time (handshake to first snapshot), answer→ack p50 and p99 pooled
over the rounds, time from the last answer sent to the presenter's complete tally (one sample per
round, so the median of the rounds is the figure and every round is printed), answers lost, and
the server process's CPU time per answer (from /proc; the least noisy figure on a shared machine).
The bare server coalesces its presenter results on the same two clocks as Nearpeer: at most one
per 0.25 s while answers arrive, and at once when answers pause for QUIET (0.05 s; at most once
per 0.25 s). Those clocks are part of the protocol ("a few a second at most", "the final counts
within a moment"), so they are not counted against Nearpeer: both tallies include the same
QUIET, and what is left is each server's own work. On a shared machine the absolute numbers are
noisy; compare the ratios. An answer not acked is counted as lost and listed by reason (an error
code, or "timeout": nothing within 60 s).

--bare-commit (PostgreSQL) adds a third server to the same run: the bare server, committing
each answer to the bench database (one prepared one-row INSERT on one of two connections) before
its ack. Its ratio to the bare server is the least that acking after a commit costs on this
machine, whatever the server; Nearpeer's spread ack is to be read against it.

Every process of the run collects garbage as Nearpeer's server does (nearpeer.asgi.tune_gc: start-up
objects frozen, a young threshold of 50,000), and the load generator not at all while it times
a round (it collects between rounds); the report prints its pauses per round, which should be 0.
--bare-default-gc leaves the bare servers on CPython's defaults, as the bench ran before
1 December.

--trace DIR serves Nearpeer through bench/live_trace.py and prints, per stage of an answer
(received, queued, batch started, committed, resumed, ack sent, ack received by the client),
p50 / p99 and the mean over the slowest 1 %, with the loop's lag, GC pauses, batch sizes and the
tally path. --floor times one-row autocommit INSERTs into the bench database at the spread's rate
after the run: the least an ack after commit can cost at that moment.
"""

import argparse
import asyncio
import collections
import gc
import json
import math
import os
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
# The live server's options from docs/deployment.md (a later --uvicorn-arg of the same option wins).
DEPLOYMENT_ARGS = ["--ws-per-message-deflate", "false"]
PRESENTER_INTERVAL = 0.25
# The bare servers' and the load generator's garbage collectors, tuned as Nearpeer's server
# process is (nearpeer.asgi.tune_gc), so that no process of the run works with a handicap the
# others lack (--bare-default-gc leaves the bare servers on CPython's defaults).
GC_YOUNG_THRESHOLD = 50_000
# The load generator's own garbage collections, (perf_counter at the end, seconds, generation):
# a pause in the client delays every answer it is timing, whichever server is measured.
CLIENT_GC: list[tuple[float, float, int]] = []
_gc_started: list[float] = []


def _log_client_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        now = time.perf_counter()
        CLIENT_GC.append((now, now - _gc_started[0], info["generation"]))


QUIET = 0.05
OPTIONS = ["A", "B", "C", "D"]


# --- The bare server ----------------------------------------------------------------------------


async def serve_bare(
    port: int, database_url: str | None = None, sync_commit: bool = False, default_gc: bool = False
) -> None:
    """Counts answers per item in memory (once per participant), acks them, and pushes
    coalesced results to presenters. Nothing else: the floor for this protocol in Python.

    With `database_url` (--bare-commit), the same server also commits each answer to
    PostgreSQL before acking it: a one-row INSERT … ON CONFLICT DO NOTHING, prepared, on one
    of two asyncpg connections (as Nearpeer keeps two batches in flight), with synchronous_commit
    off unless `sync_commit`, as Nearpeer's default. No validation, no batching, no framework:
    the least any server that acks after a PostgreSQL commit can cost on this machine."""
    insert = await _bare_store(database_url, sync_commit) if database_url else None
    items: dict = collections.defaultdict(set)
    counts: dict = collections.defaultdict(lambda: [0] * len(OPTIONS))
    state = {"item": 1, "version": 1}
    participants: set = set()
    presenters: set = set()
    dirty: set = set()
    flusher: dict = {"task": None, "last": 0.0}
    settler: dict = {"task": None, "last_answer": 0.0, "last_settled": -PRESENTER_INTERVAL}

    def snapshot() -> str:
        item = state["item"]
        return json.dumps(
            {
                "type": "snapshot",
                "version": state["version"],
                "item": {"id": item, "kind": "choice", "prompt": "Q", "options": OPTIONS},
            }
        )

    async def flush(settled: bool = False) -> None:
        if not settled:
            delay = flusher["last"] + PRESENTER_INTERVAL - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            flusher["task"] = None
        flusher["last"] = time.monotonic()
        changed = set(dirty)
        dirty.clear()
        for item in changed:
            message = json.dumps(
                {
                    "type": "results",
                    "item": item,
                    "counts": counts[item],
                    "total": sum(counts[item]),
                    "version": state["version"],
                }
            )
            websockets.broadcast(presenters, message)

    async def settle() -> None:
        """Nearpeer's second clock: once answers pause for QUIET, the counts go out at once
        (at most once per PRESENTER_INTERVAL)."""
        while (wait := settler["last_answer"] + QUIET - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        while (wait := settler["last_settled"] + PRESENTER_INTERVAL - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        settler["task"], settler["last_settled"] = None, time.monotonic()
        await flush(settled=True)

    def mark(item: int) -> None:
        dirty.add(item)
        settler["last_answer"] = time.monotonic()
        if flusher["task"] is None:
            flusher["task"] = asyncio.create_task(flush())
        if settler["task"] is None:
            settler["task"] = asyncio.create_task(settle())

    async def handler(ws):
        path = ws.request.path
        is_presenter = "/present/" in path
        (presenters if is_presenter else participants).add(ws)
        participant = path.partition("participant=")[2]
        try:
            await ws.send(snapshot())
            async for raw in ws:
                data = json.loads(raw)
                if data["type"] == "answer":
                    item = data["item"]
                    duplicate = participant in items[item]
                    if insert is not None:
                        await insert(item, participant, data["choice"])
                    if not duplicate:
                        items[item].add(participant)
                        counts[item][data["choice"]] += 1
                        mark(item)
                    await ws.send(
                        json.dumps(
                            {
                                "type": "ack",
                                "ref": data["ref"],
                                "item": item,
                                "duplicate": duplicate,
                            }
                        )
                    )
                elif data["type"] == "control" and is_presenter:
                    state["item"], state["version"] = state["item"] + 1, state["version"] + 1
                    websockets.broadcast(participants | presenters, snapshot())
        finally:
            participants.discard(ws)
            presenters.discard(ws)

    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None):
        if not default_gc:
            gc.collect()
            gc.freeze()
            gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        print("ready", flush=True)
        await asyncio.Future()


async def _bare_store(database_url: str, sync_commit: bool):
    """An `insert(item, participant, choice)` coroutine over two idle asyncpg connections."""
    import asyncpg

    table = "bench_bare_answer"
    dsn = database_url.replace("postgresql://", "postgres://", 1)
    setup = await asyncpg.connect(dsn)
    await setup.execute(f"DROP TABLE IF EXISTS {table}")
    await setup.execute(
        f"CREATE TABLE {table} (item int, participant uuid, choice smallint, "
        "PRIMARY KEY (item, participant))"
    )
    await setup.close()
    idle: list = []
    for _ in range(2):
        conn = await asyncpg.connect(dsn)
        if not sync_commit:
            await conn.execute("SET synchronous_commit TO off")
        statement = await conn.prepare(
            f"INSERT INTO {table} VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"  # noqa: S608
        )
        await statement.fetch(0, uuid.uuid4(), 0)  # planned and warm before the first answer
        idle.append(statement)
    waiting: collections.deque = collections.deque()

    async def insert(item: int, participant: str, choice: int) -> None:
        if idle:
            statement = idle.pop()
        else:
            handed = asyncio.get_running_loop().create_future()
            waiting.append(handed)
            statement = await handed
        try:
            await statement.fetch(item, uuid.UUID(participant), choice)
        finally:
            if waiting:
                waiting.popleft().set_result(statement)  # straight to the next in line
            else:
                idle.append(statement)

    return insert


# --- The load generator -------------------------------------------------------------------------


# Per answer (participant:item) the client's send and ack-received times, with --trace.
TRACE: dict = {"on": False, "client": {}}

# The client offers permessage-deflate to both servers (as browsers do) unless --no-deflate.
CLIENT = {"compression": "deflate"}


class Participant:
    def __init__(self, url: str, origin: str):
        self.url, self.origin = url, origin
        self.key = url.partition("participant=")[2]
        self.pending: dict[str, asyncio.Future] = {}
        self.snapshots = 0

    async def connect(self) -> float:
        start = time.perf_counter()
        self.ws = await websockets.connect(
            self.url, origin=self.origin, open_timeout=60, compression=CLIENT["compression"]
        )
        first = json.loads(await self.ws.recv())
        assert first["type"] == "snapshot", first
        self.reader = asyncio.create_task(self.read())
        return time.perf_counter() - start

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "ack":
                    future = self.pending.pop(message["ref"], None)
                    if future and not future.done():
                        future.set_result((time.perf_counter(), message))
                elif message["type"] == "snapshot":
                    self.snapshots += 1
                elif message["type"] == "error":
                    future = self.pending.pop(message.get("ref"), None)
                    if future and not future.done():
                        future.set_result((time.perf_counter(), message))
        except websockets.ConnectionClosed:
            pass

    async def answer(self, item: int, choice: int, sent: list) -> tuple[float, dict]:
        ref = uuid.uuid4().hex[:8]
        future = asyncio.get_running_loop().create_future()
        self.pending[ref] = future
        start = time.perf_counter()
        await self.ws.send(
            json.dumps({"type": "answer", "item": item, "choice": choice, "ref": ref})
        )
        sent.append(time.perf_counter())
        try:
            done, message = await asyncio.wait_for(future, 60)
        except TimeoutError:
            return float("inf"), {"type": "timeout"}
        if TRACE["on"]:
            TRACE["client"][f"{self.key}:{item}"] = (start, done)
        return done - start, message

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


class Presenter:
    def __init__(self, url: str, origin: str):
        self.url, self.origin = url, origin
        self.latest: dict[int, dict] = {}
        self.complete: dict[int, float] = {}
        self.want: dict[int, int] = {}
        self.items: list[int] = []

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, origin=self.origin, open_timeout=60)
        first = json.loads(await self.ws.recv())
        self.items = [i["id"] for i in first.get("items", [])] or [1, 2]
        self.current = first["item"]["id"]
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "results":
                    item = message["item"]
                    self.latest[item] = message
                    if message["total"] >= self.want.get(item, 1 << 30):
                        self.complete.setdefault(item, time.perf_counter())
                elif message["type"] == "snapshot" and message.get("item"):
                    self.current = message["item"]["id"]
        except websockets.ConnectionClosed:
            pass

    async def next_item(self) -> None:
        before = self.current
        await self.ws.send(json.dumps({"type": "control", "action": "next", "ref": "next"}))
        for _ in range(600):
            if self.current != before:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the presenter's next was not confirmed")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a server process (Linux /proc): less noisy than latency on a
    shared machine, since it counts only the work the server did."""
    if pid is None:
        return float("nan")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def drive(
    name: str,
    ws_base: str,
    code: str,
    token: str,
    n: int,
    spread: float,
    pid: int | None = None,
    rounds: int = 1,
) -> dict:
    origin = ws_base.replace("ws://", "http://")
    presenter = Presenter(f"{ws_base}/ws/live/{code}/present/?token={token}", origin)
    await presenter.connect()
    people = [
        Participant(f"{ws_base}/ws/live/{code}/?participant={uuid.uuid4()}", origin)
        for _ in range(n)
    ]
    gate = asyncio.Semaphore(100)

    async def connect(p: Participant) -> float:
        async with gate:
            return await p.connect()

    started = time.perf_counter()
    connect_times = await asyncio.gather(*(connect(p) for p in people))
    connect_wall = time.perf_counter() - started
    # The load generator's collector, tuned as the servers' are: its sockets and participants
    # live as long as the run, and a collection of them in a burst paused every answer being
    # timed (up to 183 ms, 1 December, before this).
    gc.collect()
    gc.freeze()
    await asyncio.sleep(0.5)
    rng = random.Random(7)
    result = {"server": name, "n": n, "connect_wall_s": connect_wall}
    result["connect_p50_ms"] = pct(connect_times, 0.5) * 1000
    result["connect_p99_ms"] = pct(connect_times, 0.99) * 1000

    for scenario in ("spread", "burst"):
        acked: list[float] = []
        round_p99: list[float] = []
        refused: collections.Counter = collections.Counter()
        tallies: list[float] = []
        totals_ok, counts_ok = True, True
        cpu_before = cpu_seconds(pid)
        client_gc: list[str] = []
        for round_ in range(rounds):
            round_started = time.perf_counter()
            item = presenter.current
            choices = [rng.randrange(len(OPTIONS)) for _ in people]
            presenter.want[item] = n
            sent: list[float] = []

            async def one(p: Participant, choice: int, delay: float, item=item, sent=sent):
                if delay:
                    await asyncio.sleep(delay)
                return await p.answer(item, choice, sent)

            delays = [rng.uniform(0, spread) if scenario == "spread" else 0.0 for _ in people]
            print(f"{name}: {scenario} round {round_ + 1} of {rounds} starts", flush=True)
            # No collection in the load generator while it times answers (a young one still came
            # once per burst, 30-46 ms, with the tuned threshold); it runs between rounds.
            gc.disable()
            try:
                outcomes = await asyncio.gather(
                    *(one(p, c, d) for p, c, d in zip(people, choices, delays, strict=True))
                )
            finally:
                gc.enable()
            pauses = [d * 1000 for at, d, _ in CLIENT_GC if at >= round_started]
            client_gc.append(f"{len(pauses)} (max {max(pauses):.1f} ms)" if pauses else "0")
            mine = [lat for lat, msg in outcomes if msg["type"] == "ack"]
            acked += mine
            round_p99.append(pct(mine, 0.99) * 1000 if mine else float("nan"))
            # Not acked: an error reply (by code) or nothing within 60 s ("timeout").
            refused.update(
                msg.get("code", msg["type"]) for _, msg in outcomes if msg["type"] != "ack"
            )
            deadline = time.perf_counter() + 30
            while item not in presenter.complete and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            last_sent = max(sent)
            latest = presenter.latest.get(item, {"counts": [], "total": 0})
            expected = [choices.count(i) for i in range(len(OPTIONS))]
            tallies.append(
                (presenter.complete[item] - last_sent) * 1000
                if item in presenter.complete
                else float("inf")
            )
            totals_ok = totals_ok and latest["total"] == n
            counts_ok = counts_ok and latest.get("counts") == expected
            # Every round but the very last moves to the next item (spread rounds, then burst).
            if scenario == "spread" or round_ < rounds - 1:
                await presenter.next_item()
                await asyncio.sleep(0.5)
        total = n * rounds
        result[scenario] = {
            "acked": len(acked),
            "lost": total - len(acked),
            "not_acked": dict(refused),
            # Pooled over the rounds: rounds × n answers.
            "ack_p50_ms": pct(acked, 0.5) * 1000 if acked else float("nan"),
            "ack_p99_ms": pct(acked, 0.99) * 1000 if acked else float("nan"),
            "ack_mean_ms": statistics.fmean(acked) * 1000 if acked else float("nan"),
            "ack_p99_per_round_ms": round_p99,
            "client_gc_per_round": client_gc,
            # One sample per round: the median is the figure, every round is printed.
            "tally_ms": statistics.median(tallies),
            "tallies_ms": tallies,
            "presenter_total_ok": totals_ok,
            "counts_match": counts_ok,
            # Includes the pauses between rounds (next item, 0.5 s): idle, a few ms at most.
            "cpu_ms_per_answer": (cpu_seconds(pid) - cpu_before) * 1000 / total,
        }
    for p in people:
        await p.close()
    await presenter.ws.close()
    return result


# --- Servers ------------------------------------------------------------------------------------


async def commit_floor(database_url: str | None, var_dir: str, rate: float, count: int = 400):
    """One-row autocommit INSERTs into a table of the bench database at the spread's arrival rate:
    the least an acked answer can cost on this machine now (Nearpeer acks only after the commit)."""
    name = "bench_commit_probe"
    latencies = []
    if database_url:
        import psycopg

        conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
        await conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (id uuid PRIMARY KEY, n int)")
        for i in range(count):
            start = time.perf_counter()
            await conn.execute(f"INSERT INTO {name} VALUES (%s, %s)", [uuid.uuid4(), i])  # noqa: S608
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(1 / rate)
        await conn.execute(f"DROP TABLE {name}")
        await conn.close()
    else:
        import sqlite3

        conn = sqlite3.connect(Path(var_dir) / "nearpeer.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {name} (id text PRIMARY KEY, n int)")
        for i in range(count):
            start = time.perf_counter()
            conn.execute(f"INSERT INTO {name} VALUES (?, ?)", [uuid.uuid4().hex, i])  # noqa: S608
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(1 / rate)
        conn.execute(f"DROP TABLE {name}")
        conn.close()
    return pct(latencies, 0.5) * 1000, pct(latencies, 0.99) * 1000


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 90) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def nearpeer_env(args, var_dir: str) -> dict:
    env = {
        **os.environ,
        "NEARPEER_VAR_DIR": var_dir,
        # Production settings (DEBUG off: no per-query logging), as a deployment runs.
        "NEARPEER_DEBUG": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "NEARPEER_ANONYMITY_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "nearpeer.settings",
        "REDIS_URL": args.redis_url or "",
        "NEARPEER_REDIS_PREFIX": args.prefix or "",
    }
    if args.sync_commit:
        env["NEARPEER_LIVE_ASYNC_COMMIT"] = "0"
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def ensure_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def nearpeer_cli(env: dict, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "nearpeer.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="participants (the issue: 2000)")
    parser.add_argument("--spread", type=float, default=5.0, help="seconds to spread answers over")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of each scenario, each on an item of its own: ack percentiles pooled over "
        "them, the tally the median of one sample per round",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--redis-url", help="Redis for the channel layer (default: in-memory)")
    parser.add_argument("--prefix", default="bench-live", help="Redis channel prefix")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes (with Redis)")
    parser.add_argument(
        "--uvicorn-arg",
        action="append",
        default=[],
        help="extra uvicorn option for Nearpeer, e.g. --uvicorn-arg=--ws=wsproto (repeatable; "
        "--uvicorn-arg=--ws-per-message-deflate=true undoes the deployment's deflate off)",
    )
    parser.add_argument(
        "--no-deflate", action="store_true", help="the client offers no permessage-deflate"
    )
    parser.add_argument(
        "--sync-commit",
        action="store_true",
        help="PostgreSQL: every ack also waits for the WAL flush (NEARPEER_LIVE_ASYNC_COMMIT=0; "
        "the default commits answer batches with synchronous_commit off)",
    )
    parser.add_argument(
        "--nearpeer-first", action="store_true", help="measure Nearpeer before the bare server"
    )
    parser.add_argument(
        "--trace",
        metavar="DIR",
        help="stamp every Nearpeer answer at each stage (bench/live_trace.py) and print where "
        "the ack latency goes; costs some speed itself",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time one-row commits into the bench database at the spread's rate (the least "
        "an ack after commit can cost), after the servers' runs",
    )
    parser.add_argument(
        "--port",
        type=int,
        help="Nearpeer listens on PORT and the bare server on PORT + 1 (default: two free ports)",
    )
    parser.add_argument(
        "--bare-commit",
        action="store_true",
        help="PostgreSQL: also run the bare server committing each answer before its ack (a "
        "third row, bare+commit): the floor for any server that acks after a commit",
    )
    parser.add_argument(
        "--bare-default-gc",
        action="store_true",
        help="run the bare servers with CPython's default garbage collector settings (as the "
        "bench did before 1 December) instead of Nearpeer's",
    )
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare-db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.no_deflate:
        CLIENT["compression"] = None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.serve_bare:
        asyncio.run(
            serve_bare(args.serve_bare, args.serve_bare_db, args.sync_commit, args.bare_default_gc)
        )
        return
    if args.bare_commit and not args.database_url:
        parser.error("--bare-commit needs --database-url")
    gc.callbacks.append(_log_client_gc)
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

    processes = []
    with tempfile.TemporaryDirectory(prefix="nearpeer-live-bench-") as var_dir:
        try:
            env = nearpeer_env(args, var_dir)
            if args.database_url:
                ensure_postgres_database(args.database_url)
            nearpeer_cli(env, "migrate", "-v0")
            items = []
            for i in range(2 * args.rounds):
                items += ["--item", f"choice:Item {i + 1}:" + "|".join(OPTIONS)]
            opened = json.loads(
                nearpeer_cli(env, "live", "open", "--title", "Load", "--anonymous", *items)
            )
            port, bare_port = (
                (args.port, args.port + 1) if args.port else (free_port(), free_port())
            )
            app = "bench.live_trace:application" if args.trace else "nearpeer.asgi:application"
            if args.trace:
                os.makedirs(args.trace, exist_ok=True)
                env["NEARPEER_LIVE_TRACE_DIR"] = args.trace
            command = [
                sys.executable, "-m", "uvicorn", app, "--host",
                "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
                "--workers", str(args.workers), *DEPLOYMENT_ARGS, *args.uvicorn_arg,
            ]  # fmt: skip
            processes.append(subprocess.Popen(command, env=env, cwd=ROOT))
            gc_flag = ["--bare-default-gc"] if args.bare_default_gc else []
            processes.append(
                subprocess.Popen(
                    [sys.executable, __file__, "--serve-bare", str(bare_port), *gc_flag]
                )
            )
            if args.bare_commit:
                commit_port = free_port()
                command = [sys.executable, __file__, "--serve-bare", str(commit_port),
                           "--serve-bare-db", args.database_url, *gc_flag]  # fmt: skip
                if args.sync_commit:
                    command.append("--sync-commit")
                processes.append(subprocess.Popen(command))
                wait_for_port(commit_port)
            wait_for_port(port)
            wait_for_port(bare_port)
            db = "PostgreSQL" if args.database_url else "SQLite"
            layer = "Redis pub/sub" if args.redis_url else "in-memory layer"
            if args.database_url:
                db += ", answers acked " + (
                    "after the WAL flush" if args.sync_commit else "before the WAL flush"
                )
            options = " ".join(DEPLOYMENT_ARGS + args.uvicorn_arg)
            print(f"N={args.n}, spread {args.spread:g} s, {args.rounds} round(s) each; "
                  f"Nearpeer on {db}, {layer}, "
                  f"{args.workers} uvicorn worker(s) {options}; "
                  f"client deflate {CLIENT['compression'] or 'off'}; bare servers' GC "
                  f"{'CPython default' if args.bare_default_gc else 'tuned as Nearpeer'}; "
                  f"{os.cpu_count()} CPUs, "
                  f"load average {os.getloadavg()[0]:.1f} at start")  # fmt: skip
            results = {}
            # With one worker uvicorn serves in the process it started in: its CPU is countable.
            server_pid = processes[0].pid if args.workers == 1 else None
            runs = [
                ("bare", f"ws://127.0.0.1:{bare_port}", "BARE", "x", processes[1].pid),
                (
                    "nearpeer",
                    f"ws://127.0.0.1:{port}",
                    opened["code"],
                    opened["presenter_token"],
                    server_pid,
                ),
            ]
            if args.bare_commit:
                runs.append(
                    ("bare+commit", f"ws://127.0.0.1:{commit_port}", "BARE", "x", processes[2].pid)
                )
            for name, base, code, token, pid in runs[::-1] if args.nearpeer_first else runs:
                TRACE["on"] = bool(args.trace) and name == "nearpeer"
                results[name] = asyncio.run(
                    drive(name, base, code, token, args.n, args.spread, pid, args.rounds)
                )
                print(f"load average after {name}: {os.getloadavg()[0]:.1f}", flush=True)
            report([results["bare"], results["nearpeer"]], results.get("bare+commit"))
            if args.floor:
                p50, p99 = asyncio.run(
                    commit_floor(args.database_url, var_dir, args.n / args.spread)
                )
                print(
                    f"commit floor ({db.partition(',')[0]}, one-row synchronous autocommit "
                    f"INSERT at "
                    f"{args.n / args.spread:.0f}/s): "
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms; load average {os.getloadavg()[0]:.1f}"
                )
            tally = json.loads(nearpeer_cli(env, "live", "results", opened["code"]))
            print("Nearpeer database totals per item:", [i["total"] for i in tally["items"]])
            print(f"load average at end {os.getloadavg()[0]:.1f}")
            if args.trace:
                import urllib.request

                urllib.request.urlopen(f"http://127.0.0.1:{port}/__trace__/", timeout=30).read()
        finally:
            for process in processes:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
    if args.trace and processes:
        trace_report(args.trace, processes[0].pid, TRACE["client"])


STAGES = [
    ("send→recv", "send", "recv"),
    ("recv→queued", "recv", "queued"),
    ("queued→batch", "queued", "batch"),
    ("batch→stored", "batch", "stored"),
    ("stored→resumed", "stored", "resumed"),
    ("resumed→ack", "resumed", "ack"),
    ("ack→client", "ack", "done"),
]


def trace_report(folder: str, pid: int, client: dict) -> None:
    """Per stage of an answer, p50 / p99 over all answers and the mean over the slowest 1 %."""
    path = Path(folder) / f"server-{pid}.json"
    if not path.exists():
        print(f"trace: {path} was not written")
        return
    server = json.loads(path.read_text())
    rows = []
    for key, (send, done) in client.items():
        s = server["stamps"].get(key)
        if s and all(s.get(k) is not None for k in ("recv", "queued", "batch", "stored", "ack")):
            rows.append({**s, "send": send, "done": done, "item": key.rpartition(":")[2]})
    for item in sorted({r["item"] for r in rows}):
        mine = sorted((r for r in rows if r["item"] == item), key=lambda r: r["done"] - r["send"])
        slow = mine[-max(1, len(mine) // 100) :]
        print(f"trace item {item}: {len(mine)} answers; ms p50 / p99 / mean of slowest 1 %")
        for label, a, b in STAGES:
            d = [(r[b] - r[a]) * 1000 for r in mine]
            tail = statistics.fmean((r[b] - r[a]) * 1000 for r in slow)
            print(f"  {label:15} {pct(d, 0.5):7.2f} {pct(d, 0.99):7.2f} {tail:7.2f}")
        t0, t1 = min(r["send"] for r in mine), max(r["done"] for r in mine)
        lags = [lag * 1000 for at, lag in server["lags"] if t0 <= at <= t1]
        gcs = [(d * 1000, g) for at, d, g in server["gcs"] if t0 <= at <= t1]
        batches = [(d * 1000, n) for at, d, n in server["batches"] if t0 <= at <= t1]
        recounts = [d * 1000 for at, d in server["recounts"] if t0 <= at <= t1]
        if lags:
            print(
                f"  loop lag ms p50 {pct(lags, 0.5):.2f} p99 {pct(lags, 0.99):.2f} "
                f"max {max(lags):.1f}; ticks over 5 ms: {sum(v > 5 for v in lags)}"
            )
        print(
            f"  GC pauses {len(gcs)}, total {sum(d for d, _ in gcs):.1f} ms, max "
            f"{max((d for d, _ in gcs), default=0):.1f} ms, gen2 {sum(g == 2 for _, g in gcs)}"
        )
        if batches:
            durations, sizes = [d for d, _ in batches], [n for _, n in batches]
            print(
                f"  batches {len(batches)}, size p50 {pct(sizes, 0.5)} max {max(sizes)}, "
                f"store ms p50 {pct(durations, 0.5):.2f} p99 {pct(durations, 0.99):.2f}"
            )
        last_recv = max(r["recv"] for r in mine)
        last_stored = max(r["stored"] for r in mine)
        after = [
            (at - last_recv) * 1000
            for at, settled in server["notes"]
            if settled and at >= last_recv
        ]
        sent = [(b - last_recv) * 1000 for a, b in server["sends"] if b >= last_recv]
        print(
            f"  tally path ms after the last answer reached the server: last stored "
            f"{(last_stored - last_recv) * 1000:.1f}, settled note "
            f"{after[0] if after else float('nan'):.1f}, results sent "
            f"{sent[0] if sent else float('nan'):.1f}"
        )
        if recounts:
            print(f"  presenter recounts {len(recounts)}, ms p50 {pct(recounts, 0.5):.2f} "
                  f"max {max(recounts):.2f}")  # fmt: skip


def report(results: list[dict], floor: dict | None = None) -> None:
    """Ack percentiles pooled over the rounds; tally* the median of the rounds' tallies. With
    `floor` (bare+commit), its rows too and its own ratio to the bare server."""
    bare, ours = results
    if floor is not None:
        results = [bare, ours, floor]
    print(
        f"connect (handshake + snapshot): bare p50 {bare['connect_p50_ms']:.0f} ms "
        f"p99 {bare['connect_p99_ms']:.0f} ms, all in {bare['connect_wall_s']:.1f} s; "
        f"nearpeer p50 {ours['connect_p50_ms']:.0f} ms p99 {ours['connect_p99_ms']:.0f} ms, "
        f"all in {ours['connect_wall_s']:.1f} s"
    )
    header = f"{'scenario':8} {'server':11} {'acked':>6} {'lost':>5} {'ack p50':>9} "
    header += f"{'ack p99':>9} {'tally*':>9} {'total ok':>9} {'counts ok':>9}"
    header += f" {'server CPU/answer':>18}"
    print(header)
    for scenario in ("spread", "burst"):
        for r in results:
            s = r[scenario]
            print(
                f"{scenario:8} {r['server']:11} {s['acked']:>6} {s['lost']:>5} "
                f"{s['ack_p50_ms']:>7.1f}ms {s['ack_p99_ms']:>7.1f}ms {s['tally_ms']:>7.0f}ms "
                f"{str(s['presenter_total_ok']):>9} {str(s['counts_match']):>9} "
                f"{s['cpu_ms_per_answer']:>15.2f} ms"
            )
        for r in results:
            rounds = ", ".join(f"{t:.0f}" for t in r[scenario]["tallies_ms"])
            print(f"{scenario:8} {r['server']:11} tally per round ms: {rounds}")
            acks = ", ".join(f"{t:.1f}" for t in r[scenario]["ack_p99_per_round_ms"])
            print(f"{scenario:8} {r['server']:11} ack p99 per round ms: {acks}")
            gcs = ", ".join(r[scenario].get("client_gc_per_round", []))
            print(f"{scenario:8} {r['server']:11} load generator's GC pauses per round: {gcs}")
        for r in results:
            if r[scenario]["not_acked"]:
                print(f"{scenario:8} {r['server']:11} not acked: {r[scenario]['not_acked']}")
        b = bare[scenario]
        for r in results[1:]:
            o = r[scenario]
            print(
                f"{scenario:8} ratio {r['server']}/bare: "
                f"ack p99 {o['ack_p99_ms'] / b['ack_p99_ms']:.2f}x, "
                f"tally {o['tally_ms'] / b['tally_ms']:.2f}x, "
                f"server CPU per answer {o['cpu_ms_per_answer'] / b['cpu_ms_per_answer']:.2f}x"
            )
        if floor is not None:
            o, f = ours[scenario], floor[scenario]
            print(
                f"{scenario:8} ratio nearpeer/bare+commit (what Nearpeer adds to a commit): "
                f"ack p99 {o['ack_p99_ms'] / f['ack_p99_ms']:.2f}x, "
                f"tally {o['tally_ms'] / f['tally_ms']:.2f}x"
            )


if __name__ == "__main__":
    main()
