"""Descriptive statistics for grouped survey reports. Plain Python + pandas/numpy, no Django.

Input is long-format answers (respondent, question, value): one row per chosen option for
multiple choice, one per answer otherwise, and for free text one row per code path applied.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NO_ANSWER = "(no answer)"
WITHHELD = "withheld"


@dataclass(frozen=True)
class QuestionSpec:
    qid: str
    kind: str  # single | multi | likert | text
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupSpec:
    """Respondents who gave, for every (qid, values) condition, one of the values."""

    name: str
    conditions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass
class Cell:
    n: int | None
    pct: float | None
    suppressed: bool = False


@dataclass
class Row:
    question: str
    item: str
    cells: list[Cell]


@dataclass
class GroupResult:
    name: str
    size: int
    withheld: bool


@dataclass
class Report:
    groups: list[GroupResult]
    rows: list[Row]
    medians: dict[str, list[float | None]] = field(default_factory=dict)
    likert_counts: dict[str, list[list[int] | None]] = field(default_factory=dict)


def parse_group(text: str) -> GroupSpec:
    """'NAME=QID:VALUE[|VALUE…][&QID:VALUE…]' → GroupSpec. Raises ValueError naming the problem."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"group {text!r}: expected NAME=QID:VALUE[|VALUE…]")
    conditions = []
    if rest.strip():
        for part in rest.split("&"):
            qid, colon, values = part.partition(":")
            if not colon or not qid.strip() or not values.strip():
                raise ValueError(f"group {text!r}: condition {part!r} must be QID:VALUE[|VALUE…]")
            conditions.append((qid.strip(), tuple(v.strip() for v in values.split("|"))))
    return GroupSpec(name=name.strip(), conditions=tuple(conditions))


def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 1) if d else 0.0


def _suppress(cells: list[Cell], threshold: int, complementary: bool) -> None:
    """Hide 0 < n < threshold; when the column sums to the group, hide more cells so that the
    hidden ones cannot be recovered by subtraction (at least two hidden, smallest first)."""
    hidden = [c for c in cells if c.n is not None and 0 < c.n < threshold]
    if complementary and len(hidden) == 1:
        rest = sorted((c for c in cells if c.n and c not in hidden), key=lambda c: c.n)
        if rest:
            hidden.append(rest[0])
    for c in hidden:
        c.n, c.pct, c.suppressed = None, None, True


def grouped_report(
    *,
    questions: list[QuestionSpec],
    answers: pd.DataFrame,
    groups: list[GroupSpec],
    min_group_size: int,
    suppress_below: int | None = None,
) -> Report:
    """answers: columns `r` (respondent id), `q` (question id), `v` (value, str). Respondents are
    everyone with at least one row, plus rows with q == "" (respondents who answered nothing)."""
    answers = answers.drop_duplicates(["r", "q", "v"])
    everyone = pd.unique(answers["r"])
    members = []
    for group in groups:
        selected = everyone
        for qid, values in group.conditions:
            hits = answers.loc[(answers["q"] == qid) & answers["v"].isin(values), "r"]
            selected = np.intersect1d(selected, hits.unique())
        members.append(selected)
    results = [
        GroupResult(name=g.name, size=len(m), withheld=len(m) < min_group_size)
        for g, m in zip(groups, members, strict=True)
    ]
    per_group = []
    for m in members:
        sub = answers[answers["r"].isin(m)]
        per_group.append(
            (
                sub.groupby(["q", "v"]).size().to_dict(),
                sub.groupby("q")["r"].nunique().to_dict(),
                sub,
            )
        )
    report = Report(groups=results, rows=[])
    for question in questions:
        items = list(question.options)
        if question.kind != "likert":
            seen = set(items)
            extra = sorted(
                {
                    v
                    for counts, _, _ in per_group
                    for (q, v) in counts
                    if q == question.qid and v not in seen
                }
            )
            items += extra
        block: list[list[Cell]] = []
        for item in [*items, NO_ANSWER]:
            row_cells = []
            for result, (counts, answered, _) in zip(results, per_group, strict=True):
                if result.withheld:
                    row_cells.append(Cell(None, None))
                    continue
                n = (
                    result.size - answered.get(question.qid, 0)
                    if item == NO_ANSWER
                    else counts.get((question.qid, item), 0)
                )
                row_cells.append(Cell(n, _pct(n, result.size)))
            block.append(row_cells)
            report.rows.append(Row(question.qid, item, row_cells))
        if suppress_below:
            for g, result in enumerate(results):
                if not result.withheld:
                    _suppress(
                        [cells[g] for cells in block],
                        suppress_below,
                        question.kind in ("single", "likert"),
                    )
        if question.kind == "likert":
            medians, counts_list = [], []
            for result, (counts, _, sub) in zip(results, per_group, strict=True):
                if result.withheld:
                    medians.append(None)
                    counts_list.append(None)
                    continue
                values = pd.to_numeric(
                    sub.loc[sub["q"] == question.qid, "v"], errors="coerce"
                ).dropna()
                medians.append(float(values.median()) if len(values) else None)
                counts_list.append(
                    [int(counts.get((question.qid, o), 0)) for o in question.options]
                )
            report.medians[question.qid] = medians
            report.likert_counts[question.qid] = counts_list
    return report


ESCAPE = ("=", "+", "-", "@")


def escape_cell(value: object) -> object:
    """Spreadsheet formula injection guard for exported cells."""
    if isinstance(value, str) and value.startswith(ESCAPE):
        return "'" + value
    return value


def report_table(report: Report) -> list[list[object]]:
    """The report as rows: header `question, item, <group> N, <group> %…`, then a denominators
    row, then one row per question item."""
    header: list[object] = ["question", "item"]
    for g in report.groups:
        header += [f"{g.name} N", f"{g.name} %"]
    table = [header]
    sizes: list[object] = ["(respondents)", "group size"]
    for g in report.groups:
        sizes += [WITHHELD, WITHHELD] if g.withheld else [g.size, 100.0 if g.size else 0.0]
    table.append(sizes)
    for row in report.rows:
        line: list[object] = [row.question, row.item]
        for g, cell in zip(report.groups, row.cells, strict=True):
            if g.withheld:
                line += [WITHHELD, WITHHELD]
            elif cell.suppressed:
                line += ["suppressed", "suppressed"]
            else:
                line += [cell.n, f"{cell.pct:.1f}"]
        table.append(line)
    return table
