"""The Redis cache, made optional for reads and writes: when Redis is down, a cached page or
report is computed afresh instead of failing with a server error (`/healthz` reports the
outage). Counters (`incr`) still raise, and their callers (nearpeer.core.throttle) decide.

Also the shared page fragments keyed by data versions (`fragment`, `bump`, `bump_on_writes`):
see the caching section of docs/architecture.md."""

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import models, transaction
from redis.exceptions import RedisError

log = logging.getLogger("nearpeer.cache")
_DOWN = (RedisError, OSError)


def _warn(operation: str, exc: Exception) -> None:
    log.warning("cache %s failed (%s): working without the cache", operation, type(exc).__name__)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, but one redis.Redis per connection pool instead of a new one for every
    operation (each builds its table of ~170 response callbacks: a fixed cost on every cache
    read, several per page). redis.Redis is safe to share between threads; its pool handles
    forks."""

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _DOWN as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _DOWN as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _DOWN as exc:
            _warn("has_key", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except _DOWN as exc:
            _warn("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _DOWN as exc:
            _warn("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _DOWN as exc:
            _warn("add", exc)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _DOWN as exc:
            _warn("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _DOWN as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except _DOWN as exc:
            _warn("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except _DOWN as exc:
            _warn("clear", exc)
            return False

    def ping(self) -> None:
        """Raise when Redis cannot be reached (for the readiness check)."""
        self._cache.get_client(write=True).ping()


# --- Shared page fragments, keyed by a data version -------------------------------------------
# A page's shared part (what every member of a year sees: titles, times, teachers, the filter
# form) is rendered once and kept in the cache under a key that holds the version of the data it
# shows. A write bumps that version after its transaction commits, so the next request misses
# and renders afresh: nobody reads a fragment older than the last committed write. Versions live
# in the default cache, which is Redis when REDIS_URL is set, so every app server agrees. What
# changes with every registration (place counts) and what belongs to one member (their place,
# their check-in) is never in a fragment: the view fills it in per request.

FRAGMENT_SECONDS = 300  # an upper bound on staleness should a bump ever be lost (Redis outage)


def _version_key(topic: str) -> str:
    return f"nearpeer:dv:{topic}"


def data_versions(*topics: str) -> str | None:
    """The current versions of `topics`, joined for a cache key; None when the cache is down
    (then callers render without it). A missing version starts at a random point, so a
    version lost with a Redis restart never meets an old fragment again."""
    from django.core.cache import cache

    keys = [_version_key(t) for t in topics]
    found = cache.get_many(keys)
    missing = [k for k in keys if k not in found]
    for key in missing:
        cache.add(key, time.time_ns(), None)
    if missing:
        found |= cache.get_many(missing)
        if any(k not in found for k in keys):
            return None
    return ".".join(str(found[k]) for k in keys)


def bump(*topics: str) -> None:
    """Invalidate every fragment showing `topics`: at once, and again when the current
    transaction commits (a request rendering between the write and the commit would otherwise
    have cached the old data under the new version)."""
    _bump_now(topics)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump_now(topics), robust=True)


def _bump_now(topics) -> None:
    from django.core.cache import cache

    for topic in topics:
        key = _version_key(topic)
        try:
            cache.incr(key)
        except ValueError:  # never set, or evicted: any fresh value differs from the old one
            cache.set(key, time.time_ns(), None)
        except _DOWN as exc:
            _warn("incr", exc)


def fragment(key: str, topics: tuple[str, ...], build, timeout: int = FRAGMENT_SECONDS):
    """`build()`'s value for `key` at the current versions of `topics`, from the cache when
    present. `build` must return something picklable and the same for everyone who shares
    `key` (no member's own state).

    The fragment is stored beside the versions it was built at, and read together with the
    current versions in one round trip (MGET): it is served only when they are equal."""
    return fragments([(key, topics, build)], timeout)[0]


# Fragments a page has already read, by key, while it is being built (see `reusing`).
_read_already: ContextVar[dict | None] = ContextVar("nearpeer_fragments_read", default=None)


@contextmanager
def reusing(specs, values):
    """Within the block, `fragment`/`fragments` of these specs' keys return `values` (read by
    the caller, in the same order, in one earlier round trip of this request) instead of asking
    the cache again. It lets a page read the fragments of code it calls (the home panels) in
    its own MGET. Only for the length of one request's rendering: the values are as fresh as
    that read, and nothing outlives the block."""
    known = dict(_read_already.get() or {})
    known.update((key, value) for (key, _, _), value in zip(specs, values, strict=True))
    token = _read_already.set(known)
    try:
        yield
    finally:
        _read_already.reset(token)


def fragments(specs, timeout: int = FRAGMENT_SECONDS, *, versions: dict | None = None) -> list:
    """Several `fragment`s of one page read in one round trip: `specs` is a list of
    (key, topics, build), and the values come back in that order. Every version and every
    stored fragment is read in one MGET; those missing or stale are built and written back
    together. A spec whose build is None is only looked at: its value is None unless stored
    at the current versions (for a page that guesses which key it will need before it knows,
    then asks again with a build when the guess was wrong or the fragment missing).

    `versions`, a dict, receives the version of each topic as read here (for `remember`);
    it stays empty when nothing was read."""
    from django.core.cache import cache

    known = _read_already.get()
    if known and all(key in known for key, _, _ in specs):
        return [known[key] for key, _, _ in specs]
    version_keys = list(dict.fromkeys(_version_key(t) for _, topics, _ in specs for t in topics))
    full_keys = [f"nearpeer:fragment:{key}" for key, _, _ in specs]
    found = cache.get_many([*version_keys, *full_keys])
    if not all(k in found for k in version_keys):
        topics = [k.removeprefix(_version_key("")) for k in version_keys]
        joined = data_versions(*topics)
        if joined is None:
            return [build() if build else None for _, _, build in specs]
        found |= dict(zip(version_keys, joined.split("."), strict=True))
        found = {k: v for k, v in found.items() if k not in full_keys}  # built afresh below
    if versions is not None:
        versions.update((k.removeprefix(_version_key("")), str(found[k])) for k in version_keys)
    values, fresh = [], {}
    for (_, topics, build), full_key in zip(specs, full_keys, strict=True):
        stamp = ".".join(str(found[_version_key(t)]) for t in topics)
        stored = found.get(full_key)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == stamp:
            values.append(stored[1])
            continue
        if build is None:
            values.append(None)
            continue
        value = build()
        fresh[full_key] = (stamp, value)
        values.append(value)
    if fresh:
        cache.set_many(fresh, timeout)
    return values


def remember(key: str, topics: tuple[str, ...], versions: dict, value, timeout=FRAGMENT_SECONDS):
    """Store `value` under `key` as of `versions` (filled by an earlier `fragments` call of
    this request, before the data `value` shows was read): a later `fragments` serves it
    only while those versions are current, so a write since that read is never hidden."""
    from django.core.cache import cache

    if all(t in versions for t in topics):
        joined = ".".join(versions[t] for t in topics)
        cache.set(f"nearpeer:fragment:{key}", (joined, value), timeout)


def bump_on_writes(topic: str, *models, unless_only: frozenset[str] = frozenset()) -> None:
    """Bump `topic` whenever a row of `models` is saved or deleted (or a many-to-many link
    changes). A save whose update_fields lie within `unless_only` (say, a sign-in's last_login)
    changes nothing a fragment shows and bumps nothing. Writes that send no signal (update(),
    bulk_create()) bump through their QuerySet (see BumpingQuerySet) or their service."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def saved(sender, update_fields=None, **kwargs):
        if update_fields and unless_only and set(update_fields) <= unless_only:
            return
        bump(topic)

    def deleted(sender, **kwargs):
        bump(topic)

    def linked(sender, action, **kwargs):
        if action in {"post_add", "post_remove", "post_clear"}:
            bump(topic)

    for model in models:
        uid = f"nearpeer-bump-{topic}-{model._meta.label}"
        post_save.connect(saved, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(linked, sender=through, weak=False, dispatch_uid=f"{uid}-{field}")


class BumpingQuerySet(models.QuerySet):
    """A QuerySet whose signal-less writes bump `bumps` (a topic) too."""

    bumps: str = ""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            bump(self.bumps)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            bump(self.bumps)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            bump(self.bumps)
        return rows


# --- One member's own data ----------------------------------------------------------------------
# What belongs to one member (their unread count, their due cards) can be cached per member too,
# under a topic per owner ("notifications:<user id>") bumped by writes to that owner's rows only.


def owner_topic(prefix: str, owner_id) -> str:
    return f"{prefix}:{owner_id}"


def bump_owners(prefix: str, owner_ids) -> None:
    topics = sorted({owner_topic(prefix, pk) for pk in owner_ids if pk is not None})
    if topics:
        bump(*topics)


def bump_owner_on_writes(prefix: str, model, owner_field: str) -> None:
    """Bump `prefix:<owner>` whenever a row of `model` is saved or deleted (cascades included);
    `owner_field` is the owner's column (attname, say "recipient_id")."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender, instance, **kwargs):
        bump_owners(prefix, [getattr(instance, owner_field)])

    uid = f"nearpeer-bump-owner-{prefix}-{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=uid)


class OwnerBumpingQuerySet(models.QuerySet):
    """A QuerySet whose signal-less writes bump `bumps_prefix:<owner>` for each owner whose rows
    they touch (an update first reads the owners: one query more per write, none per read)."""

    bumps_prefix: str = ""
    owner_field: str = ""

    def update(self, **kwargs):
        owners = set(self.values_list(self.owner_field, flat=True).distinct())
        rows = super().update(**kwargs)
        if rows:
            bump_owners(self.bumps_prefix, owners | self._owners_in(kwargs))
        return rows

    def _owners_in(self, kwargs) -> set:
        if self.owner_field in kwargs:
            return {kwargs[self.owner_field]}
        name = self.owner_field.removesuffix("_id")
        return {getattr(kwargs[name], "pk", kwargs[name])} if name in kwargs else set()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        bump_owners(self.bumps_prefix, (getattr(o, self.owner_field) for o in objs))
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        bump_owners(self.bumps_prefix, (getattr(o, self.owner_field) for o in objs))
        return rows
