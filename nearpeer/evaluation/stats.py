"""Descriptive statistics for grouped survey reports. Plain Python + pandas/numpy, no Django.

Input is long-format answers (respondent, question, value): one row per chosen option for
multiple choice, one per answer otherwise, and for free text one row per code path applied.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NO_ANSWER = "(no answer)"
WITHHELD = "withheld"
# The value standing for "answered" in a free-text question (the text itself is not counted).
ANSWERED = "\x00answered"


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
    # The respondents of each group shown (not withheld), for the caller to remember: a later
    # report is checked against every set shown before (see grouped_report's `earlier`).
    shown_sets: list[frozenset] = field(default_factory=list)
    # Respondents not counted yet (they wait until enough have come in to be shown safely).
    waiting: int = 0


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


def _in_span(basis: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """For each row of `vectors`: is it a linear combination of the rows of `basis`? One SVD
    for all of them (projection onto the row space leaves a vector unchanged iff it lies in
    it), instead of a matrix rank per vector."""
    if not len(vectors):
        return np.zeros(0, dtype=bool)
    if not len(basis):
        return np.zeros(len(vectors), dtype=bool)
    _, singular, vt = np.linalg.svd(basis, full_matrices=False)
    tolerance = max(basis.shape) * np.finfo(float).eps * (singular[0] if len(singular) else 0)
    space = vt[singular > max(tolerance, 1e-9)]
    residual = vectors - (vectors @ space.T) @ space
    return np.linalg.norm(residual, axis=1) < 1e-7 * np.maximum(np.linalg.norm(vectors, axis=1), 1)


def _protect_cells(
    block: list[list["Cell"]],
    exclusive: list[int],
    atoms_of: list[np.ndarray | None],
    population: np.ndarray,
    threshold: int,
) -> None:
    """Small-cell suppression that subtraction cannot undo, for one question's block of cells
    (rows: items, columns: groups; a withheld group's column is None in `atoms_of`).

    Hides 0 < n < threshold, then keeps hiding further cells while any hidden one is a linear
    combination of what the report still shows: the shown cells in its row across groups that
    overlap (group B = All − A), and, for the `exclusive` rows (the options of a single-choice
    or Likert question, or "answered" of a free-text one, with "no answer"), the group sizes
    they sum to. Unknowns are the counts per (item, atom), atoms being the respondents who
    share the same groups. Each step hides the smallest cell whose hiding protects the first
    exposed one (the smallest in its row or column when no single cell does)."""
    n_atoms = len(population)
    shown_groups = [g for g, a in enumerate(atoms_of) if a is not None]
    if not shown_groups or not block:
        return
    n_rows = len(block)

    def vector(row: int, atoms: np.ndarray) -> np.ndarray:
        v = np.zeros(n_rows * n_atoms)
        v[row * n_atoms : (row + 1) * n_atoms] = atoms
        return v

    size_equations = []
    if exclusive:
        for atoms in [population] + [atoms_of[g] for g in shown_groups]:
            v = np.zeros(n_rows * n_atoms)
            for row in exclusive:
                v[row * n_atoms : (row + 1) * n_atoms] = atoms
            size_equations.append(v)
    hidden = {
        (r, g)
        for r in range(n_rows)
        for g in shown_groups
        if block[r][g].n is not None and 0 < block[r][g].n < threshold
    }

    def exposed(hide: set) -> list[tuple[int, int]]:
        shown = [
            vector(r, atoms_of[g])
            for r in range(n_rows)
            for g in shown_groups
            if (r, g) not in hide
        ]
        targets = sorted(hide)
        basis = np.array(shown + size_equations) if shown or size_equations else np.zeros((0, 0))
        found = _in_span(basis, np.array([vector(r, atoms_of[g]) for r, g in targets]))
        return [t for t, is_exposed in zip(targets, found, strict=True) if is_exposed]

    while hidden:
        leaks = exposed(hidden)
        if not leaks:
            break
        r0, g0 = leaks[0]
        candidates = sorted(
            (
                (block[r][g].n == 0, block[r][g].n, r, g)
                for r in range(n_rows)
                for g in shown_groups
                if (r, g) not in hidden and block[r][g].n is not None
            ),
        )
        if not candidates:
            break
        chosen = next(
            ((r, g) for *_, r, g in candidates if (r0, g0) not in exposed(hidden | {(r, g)})),
            None,
        )
        if chosen is None:
            near = [(r, g) for *_, r, g in candidates if r == r0 or g == g0]
            chosen = near[0] if near else (candidates[0][2], candidates[0][3])
        hidden.add(chosen)
    for r, g in hidden:
        cell = block[r][g]
        cell.n, cell.pct, cell.suppressed = None, None, True


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


def _withhold_differences(
    memberships: list[np.ndarray],
    withheld: list[bool],
    min_group_size: int,
    earlier: list[np.ndarray] = (),
) -> list[bool]:
    """Withhold more groups until no set of fewer than `min_group_size` respondents can be
    isolated by adding and subtracting the counts of the groups shown — on this page, and in
    every earlier report (`earlier`: the respondents of each group shown before, all
    respondents included; they stay known and cannot be withheld any more). Works on "atoms":
    respondents who belong to exactly the same groups; each step withholds the smallest group
    of this page whose removal protects the first exposed atom (or, failing that, the smallest
    shown group)."""
    withheld = list(withheld)
    if not memberships or not len(memberships[0]):
        return withheld
    population = np.ones(len(memberships[0]), dtype=bool)
    fixed = [population, *earlier]

    def exposed_atoms(rows: np.ndarray):
        """Atoms (as columns of membership), their sizes, and the exposed ones: below the
        threshold and derivable from the rows, each with the set of its respondents."""
        atoms, inverse, sizes = np.unique(rows.T, axis=0, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        small = [
            a for a in range(len(atoms)) if sizes[a] < min_group_size and sizes[a] < len(population)
        ]
        flags = _in_span(atoms.T.astype(float), np.eye(len(atoms))[small]) if small else []
        exposed = {
            a: frozenset(np.flatnonzero(inverse == a).tolist())
            for a, flag in zip(small, flags, strict=True)
            if flag
        }
        return atoms, sizes, exposed

    # What earlier reports gave away already cannot be taken back; only new exposures count.
    given_away = set(exposed_atoms(np.stack(fixed))[2].values())
    while True:
        shown = [i for i, w in enumerate(withheld) if not w]
        atoms, sizes, found = exposed_atoms(np.stack(fixed + [memberships[i] for i in shown]))
        exposed = [a for a, people in found.items() if people not in given_away]
        if not exposed or not shown:
            return withheld
        matrix = atoms.T.astype(float)  # one row per set, one column per atom
        identity = np.eye(len(atoms))
        target = identity[exposed[0]][None, :]
        offset = len(fixed)
        by_size = sorted(range(len(shown)), key=lambda k: (int(sizes @ atoms[:, k + offset]), k))
        protecting = [
            k for k in by_size if not _in_span(np.delete(matrix, k + offset, 0), target)[0]
        ]
        withheld[shown[(protecting or by_size)[0]]] = True


def grouped_report(
    *,
    questions: list[QuestionSpec],
    answers: pd.DataFrame,
    groups: list[GroupSpec],
    min_group_size: int,
    suppress_below: int | None = None,
    earlier: Sequence[frozenset] = (),
) -> Report:
    """answers: columns `r` (respondent id), `q` (question id), `v` (value, str). Respondents are
    everyone with at least one row (give respondents who answered nothing a row with q == "").
    earlier: the respondents of every group shown in earlier reports of the same answers (ids
    no longer among the respondents are ignored); no group is shown that, together with them,
    would isolate fewer than `min_group_size` people."""
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
    earlier_rows = [np.asarray(respondents.isin(list(ids))) for ids in earlier]
    withheld = _withhold_differences(
        memberships,
        [int(m.sum()) < min_group_size for m in memberships],
        min_group_size,
        [row for row in earlier_rows if row.any()],
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

    report = Report(
        groups=results,
        rows=[],
        shown_sets=[
            frozenset(int(r) if isinstance(r, np.integer) else r for r in respondents[m])
            for m, w in zip(memberships, withheld, strict=True)
            if not w
        ],
    )
    if suppress_below:
        # Atoms of this page's groups, for the small-cell suppression below.
        pattern = np.stack([np.ones(n_r, dtype=bool)] + memberships)
        cell_atoms = np.unique(pattern.T, axis=0)
        atom_population = np.ones(len(cell_atoms))
        atoms_of = [
            None if w else cell_atoms[:, g + 1].astype(float) for g, w in enumerate(withheld)
        ]
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
            labels = [*items, NO_ANSWER]
            if question.kind in ("single", "likert"):
                exclusive = list(range(len(labels)))
            elif question.kind == "text":
                exclusive = [i for i, item in enumerate(labels) if item in (ANSWERED, NO_ANSWER)]
            else:  # multiple choice: options overlap, nothing sums to the group size
                exclusive = []
            _protect_cells(block, exclusive, atoms_of, atom_population, suppress_below)
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
