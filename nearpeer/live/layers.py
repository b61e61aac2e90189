"""The in-memory channel layer (no Redis), without its quadratic cost as a room fills up."""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_INTERVAL = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    """Channels' in-memory layer scans every channel and every group membership for expired
    entries on each receive(), and every connection starts with a receive(): O(connections)
    per call, O(n²) to fill a room of n. Here the scan runs at most once a CLEAN_INTERVAL;
    expiry (60 s for messages, a day for groups) does not need it more often."""

    _last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < CLEAN_INTERVAL:
            return
        self._last_clean = now
        super()._clean_expired()
