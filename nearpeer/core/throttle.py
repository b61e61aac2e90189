"""Fixed-window attempt counters in the cache, for the throttles on sign-in per address,
password reset and check-in codes (django-axes keeps the per-account sign-in lockout).

The counters live in the shared cache (Redis in production), so every app server sees the same
counts. When the cache is unreachable the throttle lets the request through and logs it: a
Redis outage must not lock every member out of signing in or checking in.
"""

import hashlib
import logging

from django.core.cache import cache

log = logging.getLogger("nearpeer.security")


def _key(scope: str, key: str) -> str:
    # Hashed: the cache never holds an email address or an IP address in clear.
    digest = hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


def count(scope: str, key: str) -> int:
    """How many attempts (scope, key) made in the current window. Side effects: none."""
    try:
        return int(cache.get(_key(scope, key)) or 0)
    except Exception:  # the cache backend's own connection errors vary by backend
        log.warning("throttle %s: cache unreachable, not counting", scope)
        return 0


def hit(scope: str, key: str, *, window_seconds: int) -> int:
    """Count one attempt; return the count in the current window (the window starts with the
    first attempt). Side effects: one cache write."""
    name = _key(scope, key)
    try:
        if cache.add(name, 1, timeout=window_seconds):
            return 1
        try:
            return cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window_seconds)
            return 1
    except Exception:
        log.warning("throttle %s: cache unreachable, not counting", scope)
        return 0


def exceeded(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt and say whether it goes over `limit` in the window."""
    return hit(scope, key, window_seconds=window_seconds) > limit


def reset(scope: str, key: str) -> None:
    try:
        cache.delete(_key(scope, key))
    except Exception:
        log.warning("throttle %s: cache unreachable, not reset", scope)
