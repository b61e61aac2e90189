"""Channel-layer group names and publishing that never breaks the caller.

The database is the truth; the channel layer only tells connected screens that something
changed. So when the layer is down (Redis unreachable), publishing logs and gives up quickly, and
the HTTP answer path keeps working.
"""

import asyncio
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

logger = logging.getLogger("nearpeer.live")
PUBLISH_TIMEOUT = 1.0
# After a failure, skip publishing for a while instead of paying the timeout on every answer.
BACKOFF_SECONDS = 5.0
_down_until = 0.0


def participants_group(deck_id: int) -> str:
    return f"live.{deck_id}.participants"


def presenters_group(deck_id: int) -> str:
    return f"live.{deck_id}.presenters"


def layer_down() -> bool:
    return time.monotonic() < _down_until


def mark_down(exc: BaseException) -> None:
    global _down_until
    _down_until = time.monotonic() + BACKOFF_SECONDS
    logger.warning("live: channel layer unavailable (%s); live updates paused", type(exc).__name__)


def mark_up() -> None:
    global _down_until
    _down_until = 0.0


async def apublish(group: str, message: dict) -> bool:
    """Send to a group; False (and logged) when the layer is unavailable."""
    if layer_down():
        return False
    layer = get_channel_layer()
    if layer is None:
        return False
    if isinstance(layer, InMemoryChannelLayer):
        # In-process: it cannot be unreachable. A slow send here only means a busy event loop,
        # and pausing live updates for it would lose the presenter's next snapshot.
        await layer.group_send(group, message)
        return True
    try:
        await asyncio.wait_for(layer.group_send(group, message), PUBLISH_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any layer failure means "paused", not a 500
        mark_down(exc)
        return False
    return True


def publish(group: str, message: dict) -> bool:
    """apublish from synchronous code (services after commit, HTTP views)."""
    if layer_down():
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # the usual case: a worker thread with no loop of its own
    else:
        # Synchronous code on an event loop's own thread cannot wait for the layer (this
        # happens only under a test driver that keeps a loop in the main thread).
        logger.debug("live: publish skipped on an event loop's thread")
        return False
    try:
        return async_to_sync(apublish)(group, message)
    except Exception as exc:  # noqa: BLE001
        mark_down(exc)
        return False


def layer_reachable() -> bool:
    """A quick check for pages: can live updates flow right now? A Redis layer is pinged (short
    timeout, one pooled client per address); the in-memory layer always can."""
    if layer_down():
        return False
    config = settings.CHANNEL_LAYERS.get("default", {})
    if "redis" not in config.get("BACKEND", ""):
        return True
    hosts = config.get("CONFIG", {}).get("hosts") or ["redis://localhost:6379"]
    return _ping_redis(hosts[0])


_clients: dict = {}


def _ping_redis(host) -> bool:
    import redis

    address = host.get("address") if isinstance(host, dict) else host
    key = str(address)
    try:
        client = _clients.get(key)
        if client is None:
            options = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
            client = (
                redis.Redis.from_url(address, **options)
                if isinstance(address, str)
                else redis.Redis(host=address[0], port=address[1], **options)
            )
            _clients[key] = client
        client.ping()
    except Exception as exc:  # noqa: BLE001
        mark_down(exc)
        return False
    return True
