"""Scoring an OSCE mark sheet, and reading a mark scheme typed as text. No Django import.

A mark scheme is a list of checklist items, each with a weight (a whole number, 1 by default) and
possibly *critical*. An examiner marks each item done (full weight), partly (half) or not done
(nothing), and gives a global rating from 1 (clear fail) to 5 (excellent).

The checklist score is the weighted share of the available marks. The station is passed when
(a) the checklist score reaches the pass mark, (b) every critical item is done (a critical item
only partly done is still a fail: the patient-safety step was not completed), and (c) the global
rating is at least "borderline pass". Each failed condition is reported, so feedback can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DONE, PARTLY, NOT_DONE = "done", "partly", "not_done"
CREDIT = {DONE: 1.0, PARTLY: 0.5, NOT_DONE: 0.0}
GLOBAL_RATINGS = {
    1: "Clear fail",
    2: "Borderline fail",
    3: "Borderline pass",
    4: "Clear pass",
    5: "Excellent",
}
BORDERLINE_PASS = 3
DEFAULT_PASS_MARK = 0.6
MAX_ITEMS = 60
MAX_WEIGHT = 10
MAX_ITEM_LENGTH = 300


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    weight: int = 1
    critical: bool = False


@dataclass(frozen=True)
class Result:
    earned: float
    available: int
    percent: float
    critical_missed: tuple[str, ...]
    global_rating: int
    passed: bool
    reasons: tuple[str, ...] = field(default=())
    missed: tuple[str, ...] = field(default=())  # keys of items not fully done


class ScoringError(ValueError):
    """A mark sheet or a typed scheme that cannot be scored; the message names the item/line."""


def score(
    items: list[Item],
    marks: dict[str, str],
    global_rating: int,
    *,
    pass_mark: float = DEFAULT_PASS_MARK,
) -> Result:
    """Score one sheet. Every item must be marked; unknown keys are refused."""
    if not items:
        raise ScoringError("the mark scheme has no items")
    if global_rating not in GLOBAL_RATINGS:
        raise ScoringError(f"global rating must be 1–5, not {global_rating!r}")
    keys = {i.key for i in items}
    unknown = sorted(set(marks) - keys)
    if unknown:
        raise ScoringError(f"unknown item {unknown[0]!r}")
    earned = 0.0
    available = 0
    critical_missed: list[str] = []
    missed: list[str] = []
    for item in items:
        mark = marks.get(item.key)
        if mark not in CREDIT:
            raise ScoringError(f'item "{item.text}": mark it done, partly or not done')
        earned += CREDIT[mark] * item.weight
        available += item.weight
        if mark != DONE:
            missed.append(item.key)
            if item.critical:
                critical_missed.append(item.key)
    percent = earned / available
    reasons = []
    if percent + 1e-9 < pass_mark:
        reasons.append(f"checklist {percent:.0%} is below the pass mark {pass_mark:.0%}")
    if critical_missed:
        n = len(critical_missed)
        reasons.append(f"{n} critical item{'s' if n != 1 else ''} not fully done")
    if global_rating < BORDERLINE_PASS:
        reasons.append(f"global rating {GLOBAL_RATINGS[global_rating].lower()}")
    return Result(
        earned=earned,
        available=available,
        percent=percent,
        critical_missed=tuple(critical_missed),
        global_rating=global_rating,
        passed=not reasons,
        reasons=tuple(reasons),
        missed=tuple(missed),
    )


_WEIGHT = re.compile(r"\s*\[(\d+)\]\s*$")


def parse_scheme(text: str) -> list[tuple[str, int, bool]]:
    """Read a mark scheme typed one item a line: ``* Washes hands [2]`` — a leading ``*`` marks a
    critical item, a trailing ``[n]`` its weight (1 if absent). Blank lines are skipped.
    Returns (text, weight, critical) tuples; raises ScoringError naming the line."""
    out: list[tuple[str, int, bool]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        critical = line.startswith("*")
        if critical:
            line = line[1:].strip()
        weight = 1
        m = _WEIGHT.search(line)
        if m:
            weight = int(m.group(1))
            line = line[: m.start()].strip()
            if not 1 <= weight <= MAX_WEIGHT:
                raise ScoringError(f"line {number}: weight must be 1–{MAX_WEIGHT}, not {weight}")
        if not line:
            raise ScoringError(f"line {number}: the item has no text")
        if len(line) > MAX_ITEM_LENGTH:
            raise ScoringError(f"line {number}: longer than {MAX_ITEM_LENGTH} characters")
        out.append((line, weight, critical))
    if not out:
        raise ScoringError("the mark scheme needs at least one item")
    if len(out) > MAX_ITEMS:
        raise ScoringError(f"the mark scheme has more than {MAX_ITEMS} items")
    return out


def describe_scheme(items: list[tuple[str, int, bool]]) -> str:
    """The inverse of parse_scheme (for editing a new version)."""
    return "\n".join(
        f"{'* ' if critical else ''}{text}{f' [{weight}]' if weight != 1 else ''}"
        for text, weight, critical in items
    )
