"""Coalesce database work from many connections into one thread hop.

Channels runs every database call on one thread (database_sync_to_async is thread-sensitive),
so a hop per connection or per message queues each caller behind all the others. A Coalescer
collects the calls made while the previous batch was running and hands them to one synchronous
function in one hop: the busier the room, the bigger the batch, and the number of hops and
queries stays flat.
"""

import asyncio
import weakref
from collections.abc import Callable, Sequence

from asgiref.sync import sync_to_async
from django.db import connections

MAX_BATCH = 500


def _keep_or_close_connections() -> None:
    """Channels' close_old_connections(), except that a healthy SQLite connection is kept.

    SQLite runs with CONN_MAX_AGE = 0 (settings), so close_old_connections() would close it
    after every hop and the next hop would reopen the file and rerun its PRAGMAs: a profile
    of bench/live_load.py showed that as the largest single cost of an answer batch. A SQLite
    connection is a file handle on this process's database thread, so keeping it is safe; any
    other database keeps its CONN_MAX_AGE and health checks as usual."""
    for conn in connections.all(initialized_only=True):
        if conn.vendor == "sqlite" and conn.connection is not None and not conn.errors_occurred:
            continue
        conn.close_if_unusable_or_obsolete()


def _on_database_thread(func: Callable):
    """Like channels.db.database_sync_to_async (the same single database thread), with
    _keep_or_close_connections() around the call instead of close_old_connections()."""

    def run(*args, **kwargs):
        _keep_or_close_connections()
        try:
            return func(*args, **kwargs)
        finally:
            _keep_or_close_connections()

    return sync_to_async(run, thread_sensitive=True)


hop = _on_database_thread


class Coalescer:
    """`await coalescer(arg)` returns `func([... arg ...])[i]` for this caller's position.

    `func` takes a list and returns a list of the same length; an item that is an exception
    instance is raised to its caller only. One instance per event loop (see `per_loop`)."""

    def __init__(self, func: Callable[[Sequence], list], max_batch: int = MAX_BATCH) -> None:
        self.func = hop(func)
        self.max_batch = max_batch
        self.queue: list = []
        self.task: asyncio.Task | None = None

    async def __call__(self, arg):
        future = asyncio.get_running_loop().create_future()
        self.queue.append((arg, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        result = await future
        if isinstance(result, BaseException):
            raise result
        return result

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[: self.max_batch], self.queue[self.max_batch :]
            try:
                results = await self.func([arg for arg, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every caller of this batch
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


_coalescers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)


def per_loop(func: Callable[[Sequence], list]) -> Coalescer:
    """The running loop's Coalescer for `func` (tests run consumers on several loops)."""
    coalescers = _coalescers.setdefault(asyncio.get_running_loop(), {})
    if func not in coalescers:
        coalescers[func] = Coalescer(func)
    return coalescers[func]
