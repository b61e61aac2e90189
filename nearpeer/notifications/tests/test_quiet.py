"""Quiet hours arithmetic alone (no database)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from nearpeer.notifications.quiet import quiet_hours_end

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("now", "start", "end", "expected"),
    [
        (at(10, 23), time(22), time(7), at(11, 7)),  # overnight, before midnight
        (at(11, 3), time(22), time(7), at(11, 7)),  # overnight, after midnight
        (at(11, 7), time(22), time(7), None),  # the end itself is not quiet
        (at(11, 12), time(22), time(7), None),
        (at(11, 13, 30), time(13), time(14), at(11, 14)),  # a daytime window
        (at(11, 12, 59), time(13), time(14), None),
        (at(11, 13), time(13), time(13), None),  # equal start and end: no quiet hours
        (at(11, 13), None, None, None),
    ],
)
def test_quiet_hours_end(now, start, end, expected):
    assert quiet_hours_end(now, start, end) == expected
