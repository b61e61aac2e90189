"""The answer batcher and the presenter's results clock: stored before acked, duplicates counted
once however the batches fall, and the final counts sent once answers settle instead of waiting
out the results interval. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (where two
batches are in flight at once)."""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer
from django.db import connection

from nearpeer.live import broadcast, consumers, fastpath, services
from nearpeer.live.models import Answer

from .conftest import make_deck as conftest_make_deck
from .conftest import run
from .test_consumers import connected, participant, presenter, until

pytestmark = pytest.mark.django_db(transaction=True)
# Far longer than any test waits: a run that had to wait it out would fail on a receive timeout.
FOREVER = 60.0


def test_throttle_now_runs_at_once_but_only_once_per_interval():
    async def scenario():
        runs: list[int] = []

        async def action():
            runs.append(len(runs))

        throttle = consumers.Throttle(FOREVER, action)
        throttle.trigger()  # leading edge: at once
        await throttle.task
        throttle.trigger()  # within the interval: waits
        await asyncio.sleep(0)
        waiting = len(runs)
        throttle.trigger(now=True)  # settled: wakes the waiting run
        await asyncio.wait_for(throttle.task, 5)
        throttle.trigger(now=True)  # a second "now" in the same interval: waits again
        await asyncio.sleep(0)
        pending = throttle.task is not None and not throttle.task.done()
        throttle.cancel()
        return runs, waiting, pending

    runs, waiting, pending = run(scenario())
    assert (runs, waiting, pending) == ([0, 1], 1, True)


def test_batcher_sends_a_settled_note_once_answers_pause(live_deck, monkeypatch):
    """The periodic note goes out at once for the first change and then at most once per
    NOTES_INTERVAL (here: never again during the test); the second answer still reaches the
    presenters' group, in a note marked settled, once nothing is being stored."""
    monkeypatch.setattr(consumers, "NOTES_INTERVAL", FOREVER)
    item = live_deck.items.get(position=1)

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(broadcast.presenters_group(live_deck.pk), channel)
        notes = []
        for choice in (0, 1):
            outcome = await consumers.batcher().submit(
                services.AnswerEntry(
                    deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=choice
                )
            )
            assert outcome == services.Stored(item.pk, duplicate=False)
            while True:
                note = await asyncio.wait_for(layer.receive(channel), 5)
                notes.append(note)
                if note.get("settled"):
                    break
        return notes

    notes = run(scenario())
    assert notes == [
        {"type": "live.dirty", "items": [item.pk]},
        {"type": "live.dirty", "items": [item.pk], "settled": True},
        {"type": "live.dirty", "items": [item.pk], "settled": True},
    ]


def test_presenter_recounts_at_once_on_a_settled_note(live_deck, monkeypatch):
    monkeypatch.setattr(consumers, "PRESENTER_RESULTS_INTERVAL", FOREVER)
    item = live_deck.items.get(position=1)
    group = broadcast.presenters_group(live_deck.pk)

    def answer(choice: int) -> None:
        services.store_answers(
            [
                services.AnswerEntry(
                    deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=choice
                )
            ]
        )

    async def scenario():
        boss = presenter(live_deck)
        await connected(boss)
        layer = get_channel_layer()
        totals = []
        for choice, settled in ((0, False), (1, True)):
            await asyncio.to_thread(answer, choice)
            note = {"type": "live.dirty", "items": [item.pk]}
            await layer.group_send(group, note | ({"settled": True} if settled else {}))
            totals.append((await until(boss, "results"))["counts"])
        await boss.disconnect(timeout=10)
        return totals

    # The first note is the leading edge; the second, within the (endless) interval, is sent
    # only because it is settled.
    assert run(scenario()) == [[1, 0], [1, 1]]


class GatedWriter(fastpath.Writer):
    """Stores each batch once the test opens the gate; the caller stores, as on PostgreSQL."""

    store_in_caller = True

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.batches: list = []

    async def store(self, entries):
        self.batches.append([e.participant for e in entries])
        await self.gate.wait()
        return [services.Stored(e.item_id, duplicate=False) for e in entries]


def test_the_caller_stores_its_batch_and_a_cancelled_caller_hands_it_back(monkeypatch):
    """Where storing waits on the network, the answer that finds the batch slot free is stored
    by its own caller; answers arriving meanwhile wait for the next batch. A caller cancelled
    while storing (the loop shutting down) puts its batch back in the queue, and the answers
    still waiting for theirs are stored and acked all the same."""
    writer = GatedWriter()
    monkeypatch.setattr(fastpath, "writer", lambda: writer)
    entries = [
        services.AnswerEntry(deck_id=1, item_id=1, participant=uuid.uuid4(), choice=0)
        for _ in range(3)
    ]

    async def scenario():
        batcher = consumers.AnswerBatcher()
        first = asyncio.create_task(batcher.submit(entries[0]))
        await asyncio.sleep(0)
        rest = [asyncio.create_task(batcher.submit(e)) for e in entries[1:]]
        await asyncio.sleep(0)
        in_flight = list(writer.batches)
        first.cancel()
        await asyncio.sleep(0)
        writer.gate.set()
        outcomes = await asyncio.wait_for(asyncio.gather(*rest), 5)
        return in_flight, outcomes, first.cancelled()

    in_flight, outcomes, cancelled = run(scenario())
    people = [e.participant for e in entries]
    assert in_flight == [people[:1]]
    assert cancelled
    assert writer.batches == [people[:1], people]
    assert outcomes == [services.Stored(1, duplicate=False)] * 2


class FailingWriter(fastpath.Writer):
    async def store(self, entries):
        raise RuntimeError("the database went away")


def test_a_failed_store_is_answered_with_an_error_never_an_ack(live_deck, monkeypatch):
    monkeypatch.setattr(fastpath, "writer", FailingWriter)
    item = live_deck.items.get(position=1)

    async def scenario():
        ws = participant(live_deck.code)
        await connected(ws)
        await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 0, "ref": "x"})
        reply = await ws.receive_json_from(timeout=5)
        await ws.disconnect(timeout=10)
        return reply

    reply = run(scenario())
    assert (reply["type"], reply["code"], reply["ref"]) == ("error", "server_error", "x")
    assert not Answer.objects.exists()


def test_duplicates_spread_over_concurrent_batches_are_counted_once(live_deck):
    """More answers at once than one batch holds, with each of the first participants answering
    twice, once in each batch: each is stored and counted once, the other acked as a duplicate.
    On PostgreSQL the two batches are in flight at the same time (two connections)."""
    item = live_deck.items.get(position=1)
    people = [uuid.uuid4() for _ in range(consumers.MAX_BATCH)]
    repeats = 100
    entries = [
        services.AnswerEntry(deck_id=live_deck.pk, item_id=item.pk, participant=p, choice=0)
        for p in people
    ] + [
        services.AnswerEntry(deck_id=live_deck.pk, item_id=item.pk, participant=p, choice=1)
        for p in people[:repeats]
    ]

    async def scenario():
        outcomes = await asyncio.gather(*(consumers.batcher().submit(e) for e in entries))
        writer = fastpath.writer()
        return outcomes, getattr(writer, "opened", None)

    outcomes, opened = run(scenario())
    fresh: dict = {}
    for entry, outcome in zip(entries, outcomes, strict=True):
        assert isinstance(outcome, services.Stored)
        if not outcome.duplicate:
            assert entry.participant not in fresh
            fresh[entry.participant] = entry.choice
    assert len(fresh) == len(people)
    stored = dict(Answer.objects.values_list("participant", "choice"))
    assert stored == fresh
    counts = services.tally(item)["counts"]
    assert (sum(counts), counts[1]) == (len(people), list(fresh.values()).count(1))
    if connection.vendor == "postgresql":
        assert opened == 2


def test_an_answer_submitted_as_the_previous_batch_finishes_is_stored(live_deck):
    """The caller of one batch resumes before that batch's task has finished its bookkeeping;
    an answer it submits at once must still start a batch (it once waited forever)."""
    item = live_deck.items.get(position=1)

    def entry(choice: int) -> services.AnswerEntry:
        return services.AnswerEntry(
            deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=choice
        )

    async def answers():
        # Awaited directly (no task in between), so each submit runs in the very step in which
        # the caller resumes.
        return [await consumers.batcher().submit(entry(choice)) for choice in (0, 1, 0)]

    async def scenario():
        return await asyncio.wait_for(answers(), 10)

    assert run(scenario()) == [services.Stored(item.pk, duplicate=False)] * 3
    assert services.tally(item)["counts"] == [2, 1]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL checkpoints")
def test_sqlite_fast_path_leaves_wal_checkpoints_to_the_database_thread(live_deck, monkeypatch):
    """The loop's own connection never checkpoints inside a commit; every CHECKPOINT_EVERY
    inserts a passive checkpoint runs on the database thread, and the answers are all stored."""
    monkeypatch.setattr(fastpath, "CHECKPOINT_EVERY", 2)
    item = live_deck.items.get(position=1)

    async def scenario():
        outcomes = []
        for choice in (0, 1, 0, 1, 0):
            entry = services.AnswerEntry(
                deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=choice
            )
            outcomes.append(await consumers.batcher().submit(entry))
        writer = fastpath.writer()
        if writer.checkpointing is not None:
            await writer.checkpointing
        autocheckpoint = writer.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        return outcomes, writer.fast_stored, writer.checkpoints, autocheckpoint

    outcomes, fast_stored, checkpoints, autocheckpoint = run(scenario())
    assert outcomes == [services.Stored(item.pk, duplicate=False)] * 5
    # One or two: a checkpoint still running when the next is due is not doubled.
    assert (fast_stored, autocheckpoint) == (5, 0)
    assert 1 <= checkpoints <= 2
    assert services.tally(item)["counts"] == [3, 2]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's synchronous_commit")
@pytest.mark.parametrize("async_commit", [True, False])
def test_postgres_fast_path_skips_the_wal_flush_only_when_set(live_deck, settings, async_commit):
    """NEARPEER_LIVE_ASYNC_COMMIT: the fast path's own connections commit without waiting for
    the WAL flush (synchronous_commit off) or, turned off, as every other connection does. Either
    way the answer is committed, and visible to another connection, when it is acked."""
    settings.NEARPEER_LIVE_ASYNC_COMMIT = async_commit
    item = live_deck.items.get(position=1)
    entry = services.AnswerEntry(
        deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=1
    )

    async def scenario():
        outcome = await consumers.batcher().submit(entry)
        writer = fastpath.writer()
        ((conn, _),) = writer.idle
        return outcome, await conn.fetchval("SHOW synchronous_commit"), writer.fast_stored

    outcome, mode, fast_stored = run(scenario())
    assert (outcome, fast_stored) == (services.Stored(item.pk, duplicate=False), 1)
    assert mode == ("off" if async_commit else "on")
    assert services.tally(item)["counts"] == [0, 1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_presenter_recount_from_the_loop_matches_the_orm(live_deck, session):
    """fastpath.Writer.results counts choice items in one query from the loop, exactly as
    services.presenter_results does on the database thread (live answers only, in item order,
    with the deck's version); for any other kind, or another deck's item, it leaves the recount
    to the ORM (None)."""
    choice, cloud, rating = live_deck.items.order_by("position")
    rows = [(choice, 1, "live"), (choice, 1, "live"), (choice, 0, "live"), (choice, 0, "after")]
    rows += [(rating, 4, "live"), (rating, 2, "live")]
    Answer.objects.bulk_create(
        Answer(item=item, participant=uuid.uuid4(), choice=c, phase=phase)
        for item, c, phase in rows
    )
    foreign_item = conftest_make_deck(session).items.first().pk

    async def scenario():
        writer = fastpath.writer()
        return (
            await writer.results(live_deck.pk, {rating.pk, choice.pk}),
            await writer.results(live_deck.pk, {choice.pk, cloud.pk}),
            await writer.results(live_deck.pk, {foreign_item}),
            await writer.results(live_deck.pk, set()),
        )

    both, with_cloud, foreign, empty = run(scenario())
    expected = services.presenter_results(deck_id=live_deck.pk, item_ids=[choice.pk, rating.pk])
    assert both == expected
    assert [m["counts"] for m in both] == [[1, 2], [0, 0, 1, 0, 1]]
    assert (with_cloud, foreign, empty) == (None, None, [])


def test_joining_readies_the_writer_so_the_first_answer_looks_nothing_up(live_deck, monkeypatch):
    """The first participant of a deck waits while this process learns the deck's items and, on
    PostgreSQL, opens a connection per batch in flight plus one for recounts, each with the
    answer INSERT already run once (planned); the answers then need none of it."""
    items = list(live_deck.items.order_by("position").values_list("pk", flat=True))
    lookups: list = []

    async def scenario():
        first, second = participant(live_deck.code), participant(live_deck.code)
        await asyncio.gather(connected(first), connected(second))
        writer = fastpath.writer()
        learned = [pk for pk in items if pk in writer.items]
        idle = list(getattr(writer, "idle", []))
        runs = []
        for conn, _ in idle:
            plans = await conn.fetchrow(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement = $1",
                writer.sql,
            )
            runs.append(tuple(plans))
        opened = getattr(writer, "opened", None)
        original = writer._fetch_items

        async def counted(*args, **kwargs):
            lookups.append((args, kwargs))
            return await original(*args, **kwargs)

        monkeypatch.setattr(writer, "_fetch_items", counted)
        await first.send_json_to({"type": "answer", "item": items[0], "choice": 1, "ref": "a"})
        ack = await until(first, "ack")
        for ws in (first, second):
            await ws.disconnect(timeout=10)
        await writer.results(live_deck.pk, [items[0]])  # a presenter's recount meanwhile
        opened_by_answers = getattr(writer, "opened", 0) - (opened or 0)
        return learned, (len(idle), runs, opened_by_answers), ack, writer.fast_stored

    learned, connections_ready, ack, fast_stored = run(scenario())
    assert learned == items
    assert (ack["ref"], ack["duplicate"], fast_stored) == ("a", False, 1)
    assert lookups == []
    assert Answer.objects.get().choice == 1
    if connection.vendor == "postgresql":
        n = fastpath.PostgresWriter.max_in_flight + 1
        # Planned once (the generic plan), run once with no rows; the key check's rolled-back
        # answer leaves nothing behind (the one answer above is all there is).
        assert connections_ready == (n, [(1, 0)] * n, 0)


# make test's PostgreSQL pass runs only tests marked `postgres`: these two run the tests above
# there, where their PostgreSQL assertions (connections opened, primed) apply.
@pytest.mark.postgres
def test_on_postgresql_concurrent_batches_each_have_a_connection(live_deck):
    test_duplicates_spread_over_concurrent_batches_are_counted_once(live_deck)


@pytest.mark.postgres
def test_on_postgresql_joining_opens_and_primes_the_answer_connections(live_deck, monkeypatch):
    test_joining_readies_the_writer_so_the_first_answer_looks_nothing_up(live_deck, monkeypatch)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's answer connections")
def test_a_connection_primed_for_a_missing_item_still_stores_answers(live_deck):
    """The key check's priming needs an item; one deleted meanwhile fails it, not the connection."""
    item = live_deck.items.get(position=1)

    async def scenario():
        writer = fastpath.writer()
        conn, insert = await writer._open(item_id=10**9)
        writer.idle.append((conn, insert))
        entry = services.AnswerEntry(
            deck_id=live_deck.pk, item_id=item.pk, participant=uuid.uuid4(), choice=1
        )
        outcomes = await writer.store([entry])
        return outcomes, writer.opened

    outcomes, opened = run(scenario())
    assert (outcomes, opened) == ([services.Stored(item.pk, duplicate=False)], 1)
    assert Answer.objects.get().choice == 1


def test_a_failed_warm_up_still_lets_people_join_and_answer(live_deck, monkeypatch):
    item = live_deck.items.get(position=1)
    failures: list = []

    async def scenario():
        writer = fastpath.writer()
        original = writer._fetch_items

        async def fails_once(*args, **kwargs):
            if not failures:
                failures.append(kwargs)
                raise RuntimeError("database went away")
            return await original(*args, **kwargs)

        monkeypatch.setattr(writer, "_fetch_items", fails_once)
        ws = participant(live_deck.code)
        snapshot = await connected(ws)
        await ws.send_json_to({"type": "answer", "item": item.pk, "choice": 0, "ref": "r"})
        ack = await until(ws, "ack")
        await ws.disconnect(timeout=10)
        return snapshot, ack, live_deck.pk in writer.warmed

    snapshot, ack, warmed = run(scenario())
    assert failures == [{"deck_id": live_deck.pk}]
    assert (snapshot["type"], ack["ref"], warmed) == ("snapshot", "r", False)
    assert Answer.objects.filter(item=item).count() == 1


def test_a_slow_warm_up_does_not_hold_up_the_snapshot(live_deck, monkeypatch):
    monkeypatch.setattr(fastpath, "WARM_WAIT", 0.05)

    async def scenario():
        writer = fastpath.writer()
        original = writer._fetch_items
        release = asyncio.Event()

        async def slow(*args, **kwargs):
            await release.wait()
            return await original(*args, **kwargs)

        monkeypatch.setattr(writer, "_fetch_items", slow)
        ws = participant(live_deck.code)
        snapshot = await connected(ws)
        pending = live_deck.pk in writer.warming and live_deck.pk not in writer.warmed
        release.set()
        await writer.warming[live_deck.pk]
        await ws.disconnect(timeout=10)
        return snapshot, pending, live_deck.pk in writer.warmed

    snapshot, pending, warmed = run(scenario())
    assert (snapshot["type"], pending, warmed) == ("snapshot", True, True)


def test_the_one_answer_insert_and_the_batch_insert_take_the_same_rows(live_deck):
    """The fast path's INSERT has two shapes (one answer, what a spread's batches are; and a
    batch): each stores an answer only to the item open in a live deck, or to any item of an
    ended deck (phase "after"), and only for the deck the answer names."""
    ended = conftest_make_deck(live_deck.session)
    services.control_deck(deck=ended, action="end")
    open_item, later_item = live_deck.items.order_by("position")[:2]
    ended_item = ended.items.get(position=1)
    cases = {
        "open item": (live_deck.pk, open_item.pk, True),
        "item not open": (live_deck.pk, later_item.pk, False),
        "ended deck": (ended.pk, ended_item.pk, True),
        "another deck's item": (live_deck.pk, ended_item.pk, False),
        "no such item": (live_deck.pk, 10**9, False),
    }

    def entries() -> dict[str, services.AnswerEntry]:
        return {
            name: services.AnswerEntry(
                deck_id=deck_id, item_id=item_id, participant=uuid.uuid4(), choice=0
            )
            for name, (deck_id, item_id, _) in cases.items()
        }

    alone, together = entries(), entries()

    async def scenario():
        writer = fastpath.writer()
        one_by_one = set()
        for entry in alone.values():
            one_by_one |= await writer._insert([entry])
        return one_by_one, await writer._insert(list(together.values()))

    one_by_one, batch = run(scenario())
    for name, (_, _, taken) in cases.items():
        assert ((alone[name].item_id, alone[name].participant) in one_by_one) is taken, name
        assert ((together[name].item_id, together[name].participant) in batch) is taken, name
    phases = dict(Answer.objects.values_list("participant", "phase"))
    for made in (alone, together):
        assert phases[made["open item"].participant] == "live"
        assert phases[made["ended deck"].participant] == "after"
    assert len(phases) == 4


@pytest.mark.postgres
def test_on_postgresql_the_one_answer_insert_and_the_batch_insert_take_the_same_rows(live_deck):
    test_the_one_answer_insert_and_the_batch_insert_take_the_same_rows(live_deck)
