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


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values; sorting beats numpy's hash-based unique on these int keys."""
    ordered = np.sort(values, kind="stable")
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def median_from_counts(counts: list[int], values: list[float]) -> float | None:
    """Median of a distribution given as counts per (sorted) value."""
    total = sum(counts)
    if not total:
        return None
    cumulative = np.cumsum(counts)

    def nth(k: int) -> float:  # 0-based k-th smallest
        return values[int(np.searchsorted(cumulative, k + 1))]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _derivable(matrix: np.ndarray, target: np.ndarray) -> bool:
    """Whether `target` is a linear combination of the rows of `matrix`."""
    return np.linalg.matrix_rank(matrix) == np.linalg.matrix_rank(np.vstack([matrix, target]))


def _withhold_differences(
    memberships: list[np.ndarray], withheld: list[bool], min_group_size: int
) -> list[bool]:
    """Withhold more groups until no set of fewer than `min_group_size` respondents can be
    isolated by adding and subtracting the shown groups' counts, all respondents included
    (their report is always available). Works on "atoms": respondents who belong to exactly
    the same shown groups; each step withholds the smallest group whose removal protects the
    first exposed atom (or, failing that, the smallest shown group)."""
    withheld = list(withheld)
    if not memberships or not len(memberships[0]):
        return withheld
    population = np.ones(len(memberships[0]), dtype=bool)
    while True:
        shown = [i for i, w in enumerate(withheld) if not w]
        rows = np.stack([population] + [memberships[i] for i in shown])
        atoms, sizes = np.unique(rows.T, axis=0, return_counts=True)
        matrix = atoms.T.astype(float)  # one row per group, one column per atom
        exposed = [
            a
            for a in range(len(atoms))
            if sizes[a] < min_group_size
            and sizes[a] < len(population)
            and _derivable(matrix, np.eye(len(atoms))[a])
        ]
        if not exposed:
            return withheld
        target = np.eye(len(atoms))[exposed[0]]
        by_size = sorted(range(len(shown)), key=lambda k: (int(sizes @ atoms[:, k + 1]), k))
        protecting = [k for k in by_size if not _derivable(np.delete(matrix, k + 1, 0), target)]
        withheld[shown[(protecting or by_size)[0]]] = True


def grouped_report(
    *,
    questions: list[QuestionSpec],
    answers: pd.DataFrame,
    groups: list[GroupSpec],
    min_group_size: int,
    suppress_below: int | None = None,
) -> Report:
    """answers: columns `r` (respondent id), `q` (question id), `v` (value, str). Respondents are
    everyone with at least one row (give respondents who answered nothing a row with q == "")."""
    r_idx, respondents = pd.factorize(answers["r"], sort=False)
    q_idx, q_labels = pd.factorize(answers["q"], sort=False)
    v_idx, v_labels = pd.factorize(answers["v"], sort=False)
    n_r, n_q, n_v = len(respondents), len(q_labels), len(v_labels)
    key = q_idx.astype(np.int64) * max(n_v, 1) + v_idx
    # One row per (respondent, question, value): duplicates would double-count.
    unique = _unique(r_idx.astype(np.int64) * max(n_q * n_v, 1) + key)
    r_u = unique // max(n_q * n_v, 1)
    key_u = unique % max(n_q * n_v, 1)
    q_u = key_u // max(n_v, 1)
    # Who answered each question at all: unique (respondent, question) pairs.
    rq = _unique(r_u * max(n_q, 1) + q_u)
    rq_r, rq_q = rq // max(n_q, 1), rq % max(n_q, 1)
    q_pos = {label: i for i, label in enumerate(q_labels)}
    v_pos = {label: i for i, label in enumerate(v_labels)}

    memberships = []
    for group in groups:
        member = np.ones(n_r, dtype=bool)
        for qid, values in group.conditions:
            hit = np.zeros(n_r, dtype=bool)
            qi = q_pos.get(qid)
            wanted = [qi * n_v + v_pos[v] for v in values if v in v_pos] if qi is not None else []
            if wanted:
                hit[r_u[np.isin(key_u, wanted)]] = True
            member &= hit
        memberships.append(member)
    withheld = _withhold_differences(
        memberships, [int(m.sum()) < min_group_size for m in memberships], min_group_size
    )
    results = [
        GroupResult(name=g.name, size=int(m.sum()), withheld=w)
        for g, m, w in zip(groups, memberships, withheld, strict=True)
    ]
    counts = [np.bincount(key_u[m[r_u]], minlength=n_q * n_v) for m in memberships]
    answered = [np.bincount(rq_q[m[rq_r]], minlength=n_q) for m in memberships]

    def count(g: int, qid: str, value: str) -> int:
        qi, vi = q_pos.get(qid), v_pos.get(value)
        return 0 if qi is None or vi is None else int(counts[g][qi * n_v + vi])

    report = Report(groups=results, rows=[])
    for question in questions:
        items = list(question.options)
        qi = q_pos.get(question.qid)
        if question.kind != "likert" and qi is not None:
            seen = set(items)
            present = np.flatnonzero(sum(c[qi * n_v : (qi + 1) * n_v] for c in counts))
            items += sorted(str(v_labels[i]) for i in present if v_labels[i] not in seen)
        block: list[list[Cell]] = []
        for item in [*items, NO_ANSWER]:
            row_cells = []
            for g, result in enumerate(results):
                if result.withheld:
                    row_cells.append(Cell(None, None))
                    continue
                if item == NO_ANSWER:
                    n = result.size - (int(answered[g][qi]) if qi is not None else 0)
                else:
                    n = count(g, question.qid, item)
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
            scale = [float(o) for o in question.options]
            for g, result in enumerate(results):
                if result.withheld:
                    medians.append(None)
                    counts_list.append(None)
                    continue
                level_counts = [count(g, question.qid, o) for o in question.options]
                medians.append(median_from_counts(level_counts, scale))
                counts_list.append(level_counts)
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
