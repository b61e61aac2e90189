"""RFC 5545 calendars from plain event data, with the `icalendar` package. No Django import."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    stamp: datetime
    sequence: int
    cancelled: bool
    url: str = ""
    location: str = ""
    description: str = ""


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def build_calendar(*, name: str, events: Iterable[CalendarEvent]) -> bytes:
    """A VCALENDAR that Outlook and Google Calendar accept as a subscription.

    UIDs never change and SEQUENCE grows with each change, so subscribers update events in
    place; cancelled events stay in the feed with STATUS:CANCELLED so they disappear cleanly.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Nearpeer//Teaching timetable//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", _utc(item.stamp))
        event.add("last-modified", _utc(item.stamp))
        event.add("dtstart", _utc(item.starts_at))
        event.add("dtend", _utc(item.ends_at))
        event.add("summary", item.summary)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        if item.description:
            event.add("description", item.description)
        calendar.add_component(event)
    return calendar.to_ical()
