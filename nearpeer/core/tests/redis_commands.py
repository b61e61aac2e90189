"""Which Redis commands a block of code sends: for tests that count a page's round trips."""

from collections.abc import Iterator
from contextlib import contextmanager

import redis


@contextmanager
def redis_commands() -> Iterator[list[str]]:
    """The names of the Redis commands sent inside the block (`GET`, `MGET`, …), in order. Clear
    the list in place (`commands[:] = []`) to count a second part of the block on its own."""
    commands: list[str] = []
    real = redis.Redis.execute_command

    def counting(self, *args, **options):
        commands.append(args[0])
        return real(self, *args, **options)

    redis.Redis.execute_command = counting
    try:
        yield commands
    finally:
        redis.Redis.execute_command = real
