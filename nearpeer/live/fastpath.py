"""The answer hot path without a thread hop: one INSERT per batch, issued from the event loop.

Channels runs Django's ORM on one database thread. Handing each batch to it costs a thread
switch each way, and while the event loop is busy (a room answering) the database thread waits
for the GIL after every piece of I/O: a profile of bench/live_load.py put most of an answer's
latency there. So the socket path stores answers itself, from the loop:

- PostgreSQL: asyncpg connections of the loop's own (one per batch in flight, at most
  PostgresWriter.max_in_flight per event loop, and a spare for presenters' recounts; opened and
  primed as a deck's first participant joins; no transaction block: each statement commits),
  two prepared statements on each: ``INSERT … SELECT … FROM live_item JOIN live_deck … ON
  CONFLICT DO NOTHING RETURNING`` with one answer's values as parameters, for a batch of one
  (what a spread of answers is), and the same over ``unnest(…)`` of arrays for larger batches;
  the loop waits for the network, not for a thread. Django itself stays on psycopg.
- SQLite: a sqlite3 connection of the loop's own; one INSERT of a batch takes well under a
  millisecond in-process, less than the hop it replaces. It waits at most BUSY_TIMEOUT for
  the write lock and otherwise leaves the batch to the ORM path. It never checkpoints the WAL
  itself (wal_autocheckpoint=0): SQLite's automatic checkpoint runs inside the commit that
  crosses 1,000 WAL pages, copying them to the database file and syncing it, which stalled the
  whole event loop for 10-35 ms every second or so of a spread of answers (bench/live_load.py
  --trace). Every CHECKPOINT_EVERY inserts a passive checkpoint runs on the database thread
  instead; in WAL mode it does not block the loop's next INSERT, and acks do not wait for it.

The INSERT itself checks what can change under it (the deck is live with this item open and
accepting, or ended) in the same statement, so it is as exact as the ORM path. Facts about an
item that never change once it exists (its deck, kind, number of options, key) are cached per
process. Whatever the single statement did not store (a duplicate, a closed item, an unknown
item, a signed-in member's answer that feeds the review queue) goes through
``services.store_answers`` on the database thread as before, which says exactly why.

The ack is sent only after the INSERT has returned, i.e. committed (autocommit): the answer is
in the database and every reader (presenters' tallies, other processes, `nearpeer live results`)
sees it. On PostgreSQL, with NEARPEER_LIVE_ASYNC_COMMIT on (the default), the fast path's own
connections run with ``synchronous_commit = off``: the commit returns before its WAL record is
flushed to disk, which the WAL writer does within wal_writer_delay (PostgreSQL guarantees at most
three times that: 0.6 s by default). A crash of PostgreSQL or of its machine in that window loses
those acked answers (never corrupts anything: the database comes back consistent, without them).
That is the trade-off for poll answers, documented in docs/live-protocol.md; answers that feed a
review queue take the ORM path, whose commits stay synchronous. With the setting off, every ack
also waits for the flush: a WAL fsync per batch (bench/live_load.py --floor measures it).
"""

import asyncio
import contextlib
import logging
import os
import socket
import sqlite3
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

# Imported with the module, not at the first answer: the import takes 0.1-0.2 s of CPU, which
# on the event loop stalled every socket of the first room a process served (a 95 ms loop tick
# in the first round of bench/live_load.py --trace).
import asyncpg
from django.conf import settings
from django.db import connections

from . import services
from .batching import hop
from .models import CHOICE_KINDS, Answer, Deck, Item, ItemKind, Phase
from .protocol import MAX_WORD_CHARS, counts_for

logger = logging.getLogger("nearpeer.live")
BUSY_TIMEOUT = 0.05
# Fast-path inserts between two passive checkpoints of the SQLite WAL (on the database thread).
CHECKPOINT_EVERY = 200
ITEM_CACHE_SIZE = 2048
# Seconds a joining participant waits for the process to get ready for the deck (Writer.warm).
WARM_WAIT = 2.0


@dataclass(frozen=True)
class ItemFacts:
    """What never changes about an item once it exists."""

    deck_id: int
    kind: str
    n_options: int
    correct: int | None

    def shape_ok(self, entry: services.AnswerEntry) -> bool:
        """The answer fits the item (else the ORM path phrases the error)."""
        if entry.deck_id != self.deck_id:
            return False
        if self.kind in CHOICE_KINDS:
            return entry.choice is not None and 0 <= entry.choice < self.n_options
        if entry.choice is not None or not entry.text:
            return False
        return not (self.kind == ItemKind.WORDCLOUD and len(entry.text) > MAX_WORD_CHARS)

    def feeds_review_queue(self, entry: services.AnswerEntry) -> bool:
        return bool(entry.member_id) and self.kind == ItemKind.QUESTION and self.correct is not None


def _tables() -> dict[str, str]:
    return {
        "answer": Answer._meta.db_table,
        "item": Item._meta.db_table,
        "deck": Deck._meta.db_table,
    }


def _where(v_item: str, v_deck: str, now: str) -> str:
    """Rows the deck takes now: live with this item open and its countdown (if any) not run out,
    or ended (answered afterwards). `now`: the database's clock, in the form closes_at is kept."""
    return (
        f"d.id = {v_deck} AND i.deck_id = d.id AND "
        f"(d.status = 'ended' OR (d.status = 'live' AND d.current_item_id = {v_item} "
        f"AND d.accepting AND (d.closes_at IS NULL OR d.closes_at > {now})))"
    )


# Django keeps SQLite datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": this compares
# with it as text (to the millisecond); PostgreSQL compares timestamptz values.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
POSTGRES_NOW = "statement_timestamp()"


class Writer:
    """One per event loop. `await writer.store(entries)` → outcomes, as store_answers."""

    vendor = ""
    # Batches the answer batcher may have in flight at once (consumers.AnswerBatcher).
    max_in_flight = 1
    # Whether the caller that finds a batch slot free stores the batch itself (AnswerBatcher
    # .submit). Only where storing waits on the network: the answers arriving meanwhile form
    # the next batch. SQLite's INSERT never yields to the loop, so each answer of a burst would
    # be stored alone (a burst of 2,000 took twice the CPU); a task started one turn later
    # finds them queued and stores them together.
    store_in_caller = False

    def __init__(self) -> None:
        self.items: OrderedDict[int, ItemFacts] = OrderedDict()
        # Decks whose items are known and connections opened (warm), and warm-ups under way.
        self.warmed: set[int] = set()
        self.warming: dict[int, asyncio.Task] = {}
        # How many answers each path stored or judged (tests and profiling read these).
        self.fast_stored = 0
        self.orm_handled = 0

    async def warm(self, deck_id: int) -> None:
        """Get ready for a deck's answers before the first one arrives: learn its items and
        open what the INSERTs need. Called as participants join (the first joiner of a deck
        in this process waits for it, the others share it), so the room's first answers do
        not each pay a thread hop for the item's facts or a connection's set-up. A failure is
        only logged: answers then do the same work on demand, as they always could."""
        if deck_id in self.warmed:
            return
        task = self.warming.get(deck_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._warm(deck_id))
            self.warming[deck_id] = task
            task.add_done_callback(lambda _: self.warming.pop(deck_id, None))
        # A joiner waits a moment at most: a database slow to accept connections must not hold
        # up the snapshot (the warm-up goes on meanwhile, and answers can do without it).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), WARM_WAIT)

    async def _warm(self, deck_id: int) -> None:
        try:
            rows = await self._fetch_items(deck_id=deck_id)
            self._remember(rows)
            await self._open_ahead(rows[0][0] if rows else None)
        except Exception:  # noqa: BLE001 - answers do this work themselves if need be
            logger.warning("live: getting ready for deck %s failed", deck_id, exc_info=True)
            return
        self.warmed.add(deck_id)
        while len(self.warmed) > ITEM_CACHE_SIZE:
            self.warmed.pop()

    async def _open_ahead(self, item_id: int | None) -> None:
        """Open the connections answers to the deck of `item_id` will need (PostgreSQL);
        nothing to do by default."""

    async def store(self, entries: Sequence[services.AnswerEntry]) -> list:
        await self._learn({e.item_id for e in entries})
        fast, slow = [], []
        seen: set = set()
        for index, entry in enumerate(entries):
            facts = self.items.get(entry.item_id)
            key = (entry.item_id, entry.participant)
            if (
                facts is None
                or not facts.shape_ok(entry)
                or facts.feeds_review_queue(entry)
                or key in seen
            ):
                slow.append(index)
            else:
                seen.add(key)
                fast.append(index)
        outcomes: list = [None] * len(entries)
        if fast:
            try:
                inserted = await self._insert([entries[i] for i in fast])
            except Exception:  # noqa: BLE001 - e.g. SQLite busy: the ORM path waits longer
                logger.warning("live: fast answer insert failed; using the ORM path", exc_info=True)
                inserted, slow = set(), sorted(fast + slow)
                fast = []
            for index in fast:
                entry = entries[index]
                if (entry.item_id, entry.participant) in inserted:
                    outcomes[index] = services.Stored(entry.item_id, duplicate=False)
                    self.fast_stored += 1
                else:
                    slow.append(index)
        if slow:
            slow.sort()
            self.orm_handled += len(slow)
            rest = await hop(services.store_answers)([entries[i] for i in slow])
            for index, outcome in zip(slow, rest, strict=True):
                outcomes[index] = outcome
        return outcomes

    async def _learn(self, item_ids: set[int]) -> None:
        missing = [pk for pk in item_ids if pk not in self.items]
        for pk in item_ids - set(missing):
            self.items.move_to_end(pk)
        if missing:
            self._remember(await self._fetch_items(missing))

    def _remember(self, rows: list[tuple]) -> None:
        """Keep the facts `_fetch_items` read, the least recently used leaving first."""
        for pk, deck_id, kind, n_options, correct in rows:
            self.items[pk] = ItemFacts(deck_id, kind, n_options, correct)
        while len(self.items) > ITEM_CACHE_SIZE:
            self.items.popitem(last=False)

    async def _fetch_items(
        self, item_ids: list[int] | None = None, deck_id: int | None = None
    ) -> list[tuple]:
        """Facts of the given items, or of a deck's (at most ITEM_CACHE_SIZE)."""

        def read() -> list[tuple]:
            found = (
                Item.objects.filter(pk__in=item_ids)
                if item_ids is not None
                else Item.objects.filter(deck_id=deck_id).order_by("position")[:ITEM_CACHE_SIZE]
            )
            rows = found.values_list("pk", "deck_id", "kind", "options", "correct")
            return [(pk, d, k, len(o or []), c) for pk, d, k, o, c in rows]

        return await hop(read)()

    async def _insert(self, entries: list[services.AnswerEntry]) -> set[tuple[int, uuid.UUID]]:
        raise NotImplementedError

    async def results(self, deck_id: int, item_ids) -> list[dict] | None:
        """services.presenter_results, from the loop, for items of a choice kind: one grouped
        query, no thread hop. None when an item is of another kind or not this deck's (the
        caller then asks the ORM on the database thread, which also counts words).

        Why from the loop: a presenter's recount on the database thread waited for the GIL
        after each query while the loop was busy with a room's sockets (recount p50 8-14 ms,
        up to 68 ms, at load 6-10: bench/live_load.py --trace), and the final tally waits for
        that recount."""
        ids = sorted(set(item_ids))
        if not ids:
            return []
        await self._learn(set(ids))
        facts = {pk: self.items.get(pk) for pk in ids}
        if any(
            f is None or f.deck_id != deck_id or f.kind not in CHOICE_KINDS for f in facts.values()
        ):
            return None
        choices: dict[int, list[tuple[int, int]]] = {pk: [] for pk in ids}
        order: dict[int, tuple[int, int]] = {}
        for pk, position, version, choice, n in await self._count(deck_id, ids):
            order[pk] = (position, version)
            choices[pk].append((choice, n))
        messages = []
        for pk in sorted(order, key=lambda pk: order[pk][0]):
            counts = counts_for(choices[pk], facts[pk].n_options)
            messages.append(
                {
                    "type": "results",
                    "item": pk,
                    "phase": Phase.LIVE.value,
                    "counts": counts,
                    "total": sum(counts),
                    "version": order[pk][1],
                }
            )
        return messages

    def _count_sql(self, ids_param: str) -> str:
        t = _tables()
        return (
            "SELECT i.id, i.position, d.version, a.choice, COUNT(a.item_id) "  # noqa: S608
            f"FROM {t['item']} i JOIN {t['deck']} d ON d.id = i.deck_id "
            f"LEFT JOIN {t['answer']} a ON a.item_id = i.id AND a.phase = '{Phase.LIVE.value}' "
            f"WHERE i.deck_id = {self.param} AND i.id {ids_param} "
            "GROUP BY i.id, i.position, d.version, a.choice"
        )

    async def _count(self, deck_id: int, ids: list[int]) -> list[tuple]:
        raise NotImplementedError

    def close_now(self) -> None:
        raise NotImplementedError


def _hang_up(conn, loop: asyncio.AbstractEventLoop) -> None:
    """Close an asyncpg connection from any thread, its loop running, stopped or closed."""
    if conn.is_closed():
        return
    if loop.is_running():
        with contextlib.suppress(RuntimeError):  # the loop closed in between
            loop.call_soon_threadsafe(conn.terminate)
        return
    # The loop has stopped (tests run one per test): terminate() would have to schedule the
    # transport's close on it. Shutting the socket down ends the server's backend at once
    # (the test database can then be dropped); the transport is released with the loop.
    transport = getattr(conn, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is not None:
        with contextlib.suppress(OSError), socket.socket(fileno=os.dup(sock.fileno())) as own:
            own.shutdown(socket.SHUT_RDWR)


class Prepared(NamedTuple):
    """The answer INSERT prepared on one connection, in its two shapes."""

    one: object  # an asyncpg PreparedStatement: one answer, scalar parameters
    many: object  # the same over unnest() of five arrays, for a batch


class PostgresWriter(Writer):
    """asyncpg connections of the loop's own, each with the answer INSERT prepared on it.

    asyncpg rather than psycopg's AsyncConnection (which Django keeps using everywhere else):
    at one answer per batch, which is what a spread of answers is, the driver's own Python work
    per execute was the largest part of an answer's CPU on the server. A one-row INSERT of this
    statement from a uvloop loop, 2,000 in a row: psycopg 0.26-0.28 ms of client CPU each
    (0.19-0.21 ms with a kept cursor, binary parameters and prepare=True), asyncpg 0.12-0.14 ms;
    round trip p50 0.46-0.49 ms against 0.31-0.37 ms (docs/live-protocol.md, 30 November)."""

    vendor = "postgresql"
    # Each batch waits on the network for its commit, so a second one can go out meanwhile
    # (on a connection of its own); SQLite's INSERT runs on the loop, one at a time anyway.
    max_in_flight = 2
    store_in_caller = True
    param = "$1"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.get_running_loop()
        # (connection, its Prepared) pairs not in use.
        self.idle: list = []
        self.opened = 0
        t = _tables()
        # A batch of one, the spread's usual batch, as scalar parameters: the unnest() form of
        # the same row cost 0.06 ms more at p50 and 0.08-0.1 ms more at p99 (2,000 one-row
        # INSERTs of each, alternating in random order, asyncpg on uvloop, 1 December).
        self.sql_one = (
            f"INSERT INTO {t['answer']} (item_id, participant, choice, text, phase) "  # noqa: S608
            "SELECT i.id, $3::uuid, $4::smallint, $5::text, "
            "CASE WHEN d.status = 'ended' THEN 'after' ELSE 'live' END "
            f"FROM {t['item']} i JOIN {t['deck']} d ON d.id = i.deck_id "
            f"WHERE i.id = $2::bigint AND {_where('$2::bigint', '$1::bigint', POSTGRES_NOW)} "
            "ON CONFLICT (item_id, participant) DO NOTHING RETURNING item_id, participant"
        )
        self.sql = (
            f"INSERT INTO {t['answer']} (item_id, participant, choice, text, phase) "  # noqa: S608
            "SELECT v.item_id, v.participant, v.choice, v.text, "
            "CASE WHEN d.status = 'ended' THEN 'after' ELSE 'live' END "
            "FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::smallint[], $5::text[]) "
            "AS v(deck_id, item_id, participant, choice, text) "
            f"JOIN {t['item']} i ON i.id = v.item_id JOIN {t['deck']} d ON d.id = i.deck_id "
            f"WHERE {_where('v.item_id', 'v.deck_id', POSTGRES_NOW)} "
            "ON CONFLICT (item_id, participant) DO NOTHING RETURNING item_id, participant"
        )

    async def _connect(self) -> tuple:
        """An idle connection of this loop's, or a new one: normally all are open already
        (_open_ahead: one per batch in flight, see AnswerBatcher, and a spare for recounts);
        recounts on two presenter screens at once can need one more."""
        while self.idle:
            conn, insert = self.idle.pop()
            if not conn.is_closed():
                return conn, insert
        return await self._open()

    async def _open_ahead(self, item_id: int | None) -> None:
        """As many idle connections as batches may be in flight, plus one for a presenter's
        recount, opened together. Without the spare, a recount that took a connection while
        the other was storing left the next batch to open a third one itself: an 18 ms
        connect and prepare in front of one answer (bench/live_load.py --trace)."""
        self.idle = [(conn, insert) for conn, insert in self.idle if not conn.is_closed()]
        missing = self.max_in_flight + 1 - len(self.idle)
        if missing <= 0:
            return
        opened = await asyncio.gather(
            *(self._open(item_id) for _ in range(missing)), return_exceptions=True
        )
        self.idle += [pair for pair in opened if not isinstance(pair, BaseException)]
        for failure in opened:
            if isinstance(failure, BaseException):
                raise failure

    async def _open(self, item_id: int | None = None) -> tuple:
        """A new connection with the answer INSERT prepared and run once (see _prime)."""
        s = connections["default"].settings_dict
        options = s.get("OPTIONS") or {}
        tls = ("sslmode", "sslrootcert", "sslcert", "sslkey")
        ssl = {k: options[k] for k in tls if k in options}
        conn = await asyncpg.connect(
            # asyncpg reads the TLS files from the DSN's query (or the PGSSL* variables).
            dsn="postgresql://?" + urlencode(ssl) if ssl else None,
            host=s.get("HOST") or None,
            port=s.get("PORT") or None,
            user=s.get("USER") or None,
            password=s.get("PASSWORD") or None,
            database=s["NAME"],
            timeout=float(options.get("connect_timeout") or 60),
        )
        try:
            # This connection runs the answer INSERT (and choice recounts) and nothing else, so
            # session settings are SET LOCAL for every batch without their round trip.
            # Statements rather than start-up parameters: PgBouncer refuses unknown ones.
            # The generic plan is the one PostgreSQL settles on after five executions anyway
            # (the parameters are arrays); forcing it spares each new connection's first five
            # answers a planning of their own (0.15-0.2 ms each).
            await conn.execute("SET plan_cache_mode TO force_generic_plan")
            if settings.NEARPEER_LIVE_ASYNC_COMMIT:
                # See the module docstring.
                await conn.execute("SET synchronous_commit TO off")
            insert = Prepared(
                one=await conn.prepare(self.sql_one), many=await conn.prepare(self.sql)
            )
            await self._prime(conn, insert, item_id)
        except BaseException:  # cancelled too: the connection is in an unknown state
            conn.terminate()
            raise
        self.opened += 1
        return conn, insert

    async def _prime(self, conn, insert: Prepared, item_id: int | None) -> None:
        """Do once, now, what a new backend otherwise does at the first answer it stores, with
        the answers behind that one waiting: plan the INSERT and open its tables and indexes
        (the statement run with no rows), and prepare the foreign key's check (an answer to
        `item_id` inserted, checked at once and rolled back: nothing is stored). A new
        connection's first INSERT took 1.2 ms against 0.45 ms for the next ones when idle, and
        3-5 ms as a room's first answers arrived together (bench/live_load.py --trace)."""
        await insert.many.fetch([], [], [], [], [])
        # Deck and item 0 do not exist: planned and run, nothing stored.
        await insert.one.fetch(0, 0, uuid.UUID(int=0), None, "")
        if item_id is None:
            return
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.execute(
                f"INSERT INTO {_tables()['answer']} (item_id, participant, choice, text, phase) "  # noqa: S608
                f"VALUES ($1, $2, NULL, '', '{Phase.LIVE.value}')",
                item_id,
                uuid.uuid4(),
            )
            await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except asyncpg.PostgresError:
            # E.g. the item was deleted meanwhile: the first answer prepares the check instead.
            logger.info("live: priming the answer connection's key check failed", exc_info=True)
        finally:
            await transaction.rollback()

    async def _count(self, deck_id: int, ids: list[int]) -> list[tuple]:
        conn, insert = await self._connect()
        try:
            rows = await conn.fetch(self._count_sql("= ANY($2::bigint[])"), deck_id, ids)
        except BaseException:  # cancelled too: the connection is in an unknown state
            conn.terminate()
            raise
        self.idle.append((conn, insert))
        return [tuple(row) for row in rows]

    def close_now(self) -> None:
        for conn, _ in self.idle:
            _hang_up(conn, self.loop)
        self.idle = []

    async def _insert(self, entries):
        conn, insert = await self._connect()
        try:
            if len(entries) == 1:
                e = entries[0]
                rows = await insert.one.fetch(e.deck_id, e.item_id, e.participant, e.choice, e.text)
            else:
                rows = await insert.many.fetch(
                    [e.deck_id for e in entries],
                    [e.item_id for e in entries],
                    [e.participant for e in entries],
                    [e.choice for e in entries],
                    [e.text for e in entries],
                )
        except BaseException:  # cancelled too: the connection is in an unknown state
            conn.terminate()
            raise
        self.idle.append((conn, insert))
        # asyncpg's UUID is a uuid.UUID (equal, same hash).
        return {(item_id, participant) for item_id, participant in rows}


class SqliteWriter(Writer):
    vendor = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.conn: sqlite3.Connection | None = None
        self.sql_for: dict[int, str] = {}
        self.since_checkpoint = 0
        self.checkpoints = 0
        self.checkpointing: asyncio.Task | None = None

    def _connect(self) -> sqlite3.Connection:
        if self.conn is None:
            name = str(connections["default"].settings_dict["NAME"])
            # The test database may be in memory (shared cache, as Django's own connection).
            uri = name.startswith("file:")
            conn = sqlite3.connect(
                name, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False, uri=uri
            )
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self.conn = conn
        return self.conn

    def _after_insert(self) -> None:
        self.since_checkpoint += 1
        if self.since_checkpoint >= CHECKPOINT_EVERY and (
            self.checkpointing is None or self.checkpointing.done()
        ):
            self.since_checkpoint = 0
            self.checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        def checkpoint() -> None:
            with connections["default"].cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

        try:
            await hop(checkpoint)()
        except Exception:  # noqa: BLE001 - the next one tries again; the WAL only grows meanwhile
            logger.warning("live: WAL checkpoint failed", exc_info=True)
        else:
            self.checkpoints += 1

    def _sql(self, n: int) -> str:
        if n not in self.sql_for:
            t = _tables()
            values = ", ".join(["(?, ?, ?, ?, ?)"] * n)
            self.sql_for[n] = (
                f"INSERT INTO {t['answer']} (item_id, participant, choice, text, phase) "  # noqa: S608
                "SELECT v.column2, v.column3, v.column4, v.column5, "
                "CASE WHEN d.status = 'ended' THEN 'after' ELSE 'live' END "
                f"FROM (VALUES {values}) AS v "
                f"JOIN {t['item']} i ON i.id = v.column2 JOIN {t['deck']} d ON d.id = i.deck_id "
                f"WHERE {_where('v.column2', 'v.column1', SQLITE_NOW)} "
                "ON CONFLICT (item_id, participant) DO NOTHING RETURNING item_id, participant"
            )
            if len(self.sql_for) > 64:
                self.sql_for.pop(next(iter(self.sql_for)))
        return self.sql_for[n]

    param = "?"

    async def _count(self, deck_id: int, ids: list[int]) -> list[tuple]:
        conn = self._connect()
        try:
            return conn.execute(
                self._count_sql("IN (" + ", ".join("?" * len(ids)) + ")"), [deck_id, *ids]
            ).fetchall()
        except sqlite3.Error:
            conn.close()
            self.conn = None
            raise

    def close_now(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    async def _insert(self, entries):
        params: list = []
        for e in entries:
            params += [e.deck_id, e.item_id, e.participant.hex, e.choice, e.text]
        conn = self._connect()
        try:
            rows = conn.execute(self._sql(len(entries)), params).fetchall()
        except sqlite3.Error:
            conn.close()
            self.conn = None
            raise
        self._after_insert()
        return {(item_id, uuid.UUID(hex=p)) for item_id, p in rows}


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Writer | None]" = (
    weakref.WeakKeyDictionary()
)


def close_all() -> None:
    """Close every writer's connection now, from any thread (tests run one loop per test; a
    server's loop lives as long as its process)."""
    for w in list(_writers.values()):
        if w is not None:
            w.close_now()
    _writers.clear()


def writer() -> Writer | None:
    """The running loop's writer, or None for a database without a fast path."""
    loop = asyncio.get_running_loop()
    if loop not in _writers:
        vendor = connections["default"].vendor
        _writers[loop] = {"postgresql": PostgresWriter, "sqlite": SqliteWriter}.get(
            vendor, lambda: None
        )()
    return _writers[loop]
