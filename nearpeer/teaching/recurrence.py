"""Dates of a recurring series (weekly or fortnightly on one weekday), with exceptions such as
reading week. Plain Python on top of dateutil.rrule: no Django import, testable alone.

"N times" means N sessions that take place: an excepted date does not use up one of the N (a
12-week series with reading week in the middle ends a week later). An "until" date is inclusive.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.rrule import WEEKLY, rrule, weekday

MAX_OCCURRENCES = 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RANGE = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:(?:to|–|-{1,2}|until)\s*(\d{4}-\d{2}-\d{2}))?\s*$"
)


class ScheduleError(ValueError):
    """A schedule that cannot be made; the message names what to change."""


@dataclass(frozen=True)
class Schedule:
    first_date: date
    weekday: int  # 0 = Monday
    interval: int = 1  # 1 weekly, 2 fortnightly
    count: int | None = None
    until: date | None = None
    exceptions: frozenset[date] = field(default_factory=frozenset)

    def describe(self) -> str:
        every = "Every" if self.interval == 1 else "Every other"
        end = f"{self.count} times" if self.count else f"until {self.until:%-d %b %Y}"
        text = f"{every} {WEEKDAYS[self.weekday]} from {self.first_date:%-d %b %Y}, {end}"
        if self.exceptions:
            text += (
                f", except {len(self.exceptions)} date{'s' if len(self.exceptions) != 1 else ''}"
            )
        return text


def occurrences(schedule: Schedule) -> list[date]:
    """The dates the sessions fall on, in order.

    The first is the first `weekday` on or after `first_date`; exceptions are skipped.
    """
    if (schedule.count is None) == (schedule.until is None):
        raise ScheduleError("Give either a number of sessions or an end date (one of the two).")
    if schedule.interval not in (1, 2):
        raise ScheduleError("Sessions repeat every week or every other week.")
    if schedule.count is not None and not 1 <= schedule.count <= MAX_OCCURRENCES:
        raise ScheduleError(f"The number of sessions must be between 1 and {MAX_OCCURRENCES}.")
    if schedule.until is not None and schedule.until < schedule.first_date:
        raise ScheduleError("The end date is before the first date.")
    # Start on the first such weekday itself: rrule counts fortnights from dtstart's week, so a
    # Friday start for Mondays would otherwise skip the very next Monday.
    first = schedule.first_date + timedelta(
        days=(schedule.weekday - schedule.first_date.weekday()) % 7
    )
    rule = rrule(
        WEEKLY,
        interval=schedule.interval,
        byweekday=weekday(schedule.weekday),
        dtstart=first,
        until=schedule.until,
        # Enough candidates for `count` sessions even if every exception falls on one.
        count=None if schedule.until else schedule.count + len(schedule.exceptions),
    )
    dates = [d.date() for d in rule if d.date() not in schedule.exceptions]
    if schedule.count is not None:
        dates = dates[: schedule.count]
    if len(dates) > MAX_OCCURRENCES:
        raise ScheduleError(
            f"That makes {len(dates)} sessions; at most {MAX_OCCURRENCES} at once. "
            "Choose an earlier end date."
        )
    if not dates:
        raise ScheduleError("No date falls inside that schedule once the exceptions are left out.")
    return dates


def parse_exceptions(text: str) -> frozenset[date]:
    """Dates to leave out, one per line: `2027-02-16`, or a range `2027-02-15 to 2027-02-19`
    (inclusive; reading week). Raises ScheduleError naming the line."""
    days: set[date] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _RANGE.match(line)
        try:
            if not match:
                raise ValueError
            start = date.fromisoformat(match.group(1))
            end = date.fromisoformat(match.group(2)) if match.group(2) else start
        except ValueError:
            raise ScheduleError(
                f"Line {number} of the dates to leave out: write a date as 2027-02-16 "
                "or a range as 2027-02-15 to 2027-02-19."
            ) from None
        if end < start:
            raise ScheduleError(f"Line {number} of the dates to leave out ends before it starts.")
        if (end - start).days > 366:
            raise ScheduleError(f"Line {number} of the dates to leave out spans over a year.")
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return frozenset(days)
