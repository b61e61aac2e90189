"""What a cached session fragment leaves blank, filled in per request.

A fragment (the timetable's cards and lines, cached by nearpeer.core.cache.fragment) is the
same for everyone it is shared with, so it carries markers where place counts and the
member's own state go: `<!--np:places:<pk>-->` in a card, `<!--np:status:<pk>-->` in a
calendar line. Markers come only from our templates (a title's "<" is escaped to "&lt;"), so
no member's text can forge one.
"""

import re
from collections.abc import Mapping

from django.utils.safestring import SafeString, mark_safe

MARK = re.compile(r"<!--np:(places|status):(\d+)-->")

_CARD_BADGES = {
    "checked_in": '<span class="badge badge-ok">Checked in</span>',
    "registered": '<span class="badge badge-ok">You have a place</span>',
    "waitlisted": '<span class="badge badge-warn">On the waiting list</span>',
}
_LINE_BADGES = {
    "checked_in": ' <span class="badge badge-ok">Checked in</span>',
    "registered": ' <span class="badge badge-ok">Place</span>',
    "waitlisted": ' <span class="badge badge-warn">Waiting</span>',
}


def marked_ids(html: str) -> list[int]:
    """The sessions whose markers `html` holds, each once, in order."""
    return list(dict.fromkeys(int(m[2]) for m in MARK.finditer(html)))


def places_text(capacity: int | None, registered: int, waitlisted: int) -> str:
    if capacity is None:
        return "Open to all"
    left = max(capacity - registered, 0)
    if left:
        return f"{left} of {capacity} places left"
    return f"Full · {waitlisted} waiting" if waitlisted else "Full"


def fill(
    html: str,
    *,
    capacities: Mapping[int, int | None],
    counts: Mapping[int, tuple[int, int]],
    states: Mapping[int, str],
) -> SafeString:
    """`html` with each marker replaced by the live place count or the member's badge."""

    def replace(match: re.Match) -> str:
        pk = int(match[2])
        state = states.get(pk)
        if match[1] == "status":
            return _LINE_BADGES.get(state, "")
        registered, waitlisted = counts.get(pk, (0, 0))
        # Digits and fixed words only: nothing to escape.
        text = places_text(capacities.get(pk), registered, waitlisted)
        badge = _CARD_BADGES.get(state)
        return f"{text}\n    {badge}" if badge else text

    return mark_safe(MARK.sub(replace, html))  # noqa: S308 - our own markup, values escaped
