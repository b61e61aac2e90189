"""Read replicas, opt in per block of code.

With DATABASE_REPLICA_URLS set, heavy read-only work (dashboards, reports, exports) can run
    with use_replica():
        ...
and its reads go to a replica. Everything else reads from the primary, so a member never sees
a page older than their own last write (replicas lag).
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextmanager
def use_replica() -> Iterator[None]:
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        aliases = replica_aliases()
        if aliases and _reading_from_replica.get():
            return random.choice(aliases)
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
