"""The Redis cache, made optional for reads and writes: when Redis is down, a cached page or
report is computed afresh instead of failing with a server error (`/healthz` reports the
outage). Counters (`incr`) still raise, and their callers (nearpeer.core.throttle) decide."""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("nearpeer.cache")
_DOWN = (RedisError, OSError)


def _warn(operation: str, exc: Exception) -> None:
    log.warning("cache %s failed (%s): working without the cache", operation, type(exc).__name__)


class ResilientRedisCache(RedisCache):
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
