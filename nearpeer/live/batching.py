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

from channels.db import database_sync_to_async

MAX_BATCH = 500


class Coalescer:
    """`await coalescer(arg)` returns `func([... arg ...])[i]` for this caller's position.

    `func` takes a list and returns a list of the same length; an item that is an exception
    instance is raised to its caller only. One instance per event loop (see `per_loop`)."""

    def __init__(self, func: Callable[[Sequence], list], max_batch: int = MAX_BATCH) -> None:
        self.func = database_sync_to_async(func)
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
