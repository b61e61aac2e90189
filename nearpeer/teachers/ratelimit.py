"""A fixed-window request limit per client address, kept in the cache (shared across processes
when the cache is Redis). Used by the public certificate pages."""

import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    # Behind the proxy REMOTE_ADDR is the proxy's own; only then is X-Real-IP (set by the proxy)
    # trusted, since a client could send the header itself.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_REAL_IP")
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(request, *, bucket: str, limit: int, window_s: int = 60) -> bool:
    """True while this client has made at most `limit` requests in the current window."""
    window = int(time.time() // window_s)
    key = f"ratelimit:{bucket}:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=window_s + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_s + 1)
        count = 1
    return count <= limit
