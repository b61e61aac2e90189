"""Per-station results of a mock OSCE for the committee. No Django import.

Input: one record per scored sheet (examiner, checklist percent, global rating, missed item keys).
Output: mean and spread (sample standard deviation) of the checklist score, pass count, the items
most often missed, and each examiner's mean beside the station mean, so a hawk or a dove shows.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Sheet:
    examiner: str
    percent: float
    global_rating: int
    passed: bool
    missed: tuple[str, ...]


@dataclass(frozen=True)
class ExaminerRow:
    examiner: str
    sheets: int
    mean: float
    difference: float  # examiner mean minus the station mean


@dataclass(frozen=True)
class StationSummary:
    sheets: int
    mean: float | None
    spread: float | None
    passed: int
    most_missed: list[tuple[str, int]]
    examiners: list[ExaminerRow]


def summarise(sheets: list[Sheet], *, top: int = 5) -> StationSummary:
    if not sheets:
        return StationSummary(0, None, None, 0, [], [])
    values = [s.percent for s in sheets]
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    missed = Counter(k for s in sheets for k in s.missed)
    by_examiner: dict[str, list[float]] = {}
    for s in sheets:
        by_examiner.setdefault(s.examiner, []).append(s.percent)
    rows = [
        ExaminerRow(e, len(v), statistics.fmean(v), statistics.fmean(v) - mean)
        for e, v in sorted(by_examiner.items())
    ]
    return StationSummary(
        sheets=len(sheets),
        mean=mean,
        spread=spread,
        passed=sum(s.passed for s in sheets),
        most_missed=sorted(missed.items(), key=lambda kv: (-kv[1], kv[0]))[:top],
        examiners=rows,
    )
