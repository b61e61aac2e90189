"""Teaching hours per term: delivery plus preparation estimated by kind. No Django import."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TaughtSession:
    kind: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Workload:
    sessions: int
    delivery_hours: float
    preparation_hours: float
    cap: float

    @property
    def total_hours(self) -> float:
        return round(self.delivery_hours + self.preparation_hours, 1)

    @property
    def over_cap(self) -> bool:
        return self.total_hours > self.cap

    @property
    def hours_left(self) -> float:
        return round(max(self.cap - self.total_hours, 0.0), 1)


def workload(
    sessions: Iterable[TaughtSession], *, prep_hours: Mapping[str, float], cap: float
) -> Workload:
    """Sum delivery (each session's length) and preparation (`prep_hours[kind]`, 0 if absent)."""
    delivery = prep = 0.0
    count = 0
    for s in sessions:
        count += 1
        delivery += (s.ends_at - s.starts_at).total_seconds() / 3600
        prep += float(prep_hours.get(s.kind, 0.0))
    return Workload(count, round(delivery, 1), round(prep, 1), float(cap))


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end
