"""Quiet hours: when does an email due now actually go out? No Django import."""

from datetime import datetime, time, timedelta


def quiet_hours_end(local_now: datetime, start: time | None, end: time | None) -> datetime | None:
    """Return the local datetime quiet hours end if `local_now` falls inside them, else None.

    Quiet hours may run over midnight (22:00–07:00). Equal start and end means no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    now_time = local_now.time().replace(tzinfo=None)
    if start < end:
        inside = start <= now_time < end
        end_day = local_now.date()
    else:
        inside = now_time >= start or now_time < end
        end_day = local_now.date() + timedelta(days=1) if now_time >= start else local_now.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=local_now.tzinfo)
