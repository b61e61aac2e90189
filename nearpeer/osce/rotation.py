"""Mock OSCE rotation: candidates into runs and circuits, examiners onto stations. No Django import.

The model (docs/osce.md has the file format):

* A *circuit* is a ring of positions: every station once, plus ``r`` rest positions
  (``0 <= r <= max_rest_stations``), so it has ``L = len(stations) + r`` positions. In each round
  every candidate of the circuit stands at one position and then moves one place on, so a run lasts
  ``L`` rounds, a circuit holds at most ``L`` candidates, and each of them meets every station
  exactly once. Every circuit of the day has the same shape, because all circuits of a run start and
  stop together and every run lasts as long as the others.
* A *run* is one pass of the parallel circuits (up to ``circuits`` of them at once). An examiner
  stays at one station of one circuit for a whole run, only at stations and in runs they offered;
  a station with candidates always has an examiner.
* A candidate sits in one run and one circuit and never meets an examiner they conflict with.
  A person listed both as examiner and candidate never examines in the run they sit.

Objective: the fewest rounds in total, ``runs x L``. Capacity is ``runs x circuits x L``, so a
larger ``L`` (more rest positions) can save a whole run; conflicts and examiners' runs can force an
extra run. We try ``(runs, L)`` pairs in increasing order of ``runs x L`` (ties: fewer rest
positions) and ask an exact integer model (HiGHS) whether that pair can hold everyone; the
first feasible pair is optimal because every smaller product was proven infeasible. Feasibility
is monotone (more runs or longer circuits never hurt); the property tests check the optimum
against brute force.

Candidates without a conflict are interchangeable, so the model counts them per circuit instead of
placing each one; only candidates named in a conflict (or who also examine) get their own variables.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np

from nearpeer.core.highs import add_rows, new_quiet_highs

REST_PREFIX = "rest-"
DEFAULT_TIME_LIMIT_S = 60.0
MAX_ENTRIES = 5000


class InputError(ValueError):
    """The input breaks the format; the message names the entry."""


class RuleError(ValueError):
    """A rule cannot hold for this input; the message says which rule and for whom."""


@dataclass(frozen=True)
class Examiner:
    id: str
    stations: frozenset[str]
    runs: frozenset[int] | None  # None: any run

    def can_take(self, station: str, run: int) -> bool:
        return station in self.stations and (self.runs is None or run in self.runs)


@dataclass(frozen=True)
class Problem:
    stations: tuple[str, ...]
    candidates: tuple[str, ...]
    circuits: int
    max_rest_stations: int
    examiners: tuple[Examiner, ...]
    conflicts: frozenset[tuple[str, str]]  # (examiner, candidate)
    time_limit_s: float = DEFAULT_TIME_LIMIT_S


@dataclass
class Circuit:
    circuit: int
    positions: list[str]
    examiners: dict[str, str]
    rounds: list[dict[str, str]]

    def to_json(self) -> dict:
        return {
            "circuit": self.circuit,
            "positions": list(self.positions),
            "examiners": dict(self.examiners),
            "rounds": [dict(r) for r in self.rounds],
        }


@dataclass
class Rotation:
    runs: list[tuple[int, list[Circuit]]] = field(default_factory=list)
    rounds_per_run: int = 0

    @property
    def rounds_total(self) -> int:
        return len(self.runs) * self.rounds_per_run

    def to_json(self) -> dict:
        return {
            "runs": [
                {"run": run, "circuits": [c.to_json() for c in circuits]}
                for run, circuits in self.runs
            ],
            "rounds_total": self.rounds_total,
        }


# --- Input ----------------------------------------------------------------------------------------

_KEYS = {"stations", "candidates", "circuits", "max_rest_stations", "examiners", "conflicts"}
_EXAMINER_KEYS = {"id", "stations", "runs"}


def _ids(data: dict, key: str, *, allow_empty: bool) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        raise InputError(f'"{key}" must be a list of names')
    if not value and not allow_empty:
        raise InputError(f'"{key}" must not be empty')
    if len(value) > MAX_ENTRIES:
        raise InputError(f'"{key}" has more than {MAX_ENTRIES} entries')
    seen: set[str] = set()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"{key}[{i}]: must be a non-empty string, not {item!r}")
        if item in seen:
            raise InputError(f'{key}[{i}]: "{item}" appears twice')
        seen.add(item)
    return tuple(value)


def _count(data: dict, key: str, *, minimum: int, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None:
        raise InputError(f'"{key}" is missing')
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f'"{key}" must be a whole number of at least {minimum}, not {value!r}')
    return value


def parse_problem(data: object) -> Problem:
    """Check the input and build a Problem. Raises InputError naming the offending entry."""
    if not isinstance(data, dict):
        raise InputError("the input must be a JSON object")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(f'unknown key "{unknown[0]}" (expected: {", ".join(sorted(_KEYS))})')
    stations = _ids(data, "stations", allow_empty=False)
    for i, s in enumerate(stations):
        if s.startswith(REST_PREFIX):
            raise InputError(f'stations[{i}]: "{s}" clashes with the rest positions\' names')
    candidates = _ids(data, "candidates", allow_empty=True)
    circuits = _count(data, "circuits", minimum=1)
    max_rest = _count(data, "max_rest_stations", minimum=0, default=0)
    raw_examiners = data.get("examiners")
    if not isinstance(raw_examiners, list):
        raise InputError('"examiners" must be a list of objects')
    if len(raw_examiners) > MAX_ENTRIES:
        raise InputError(f'"examiners" has more than {MAX_ENTRIES} entries')
    station_set = set(stations)
    examiners: list[Examiner] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_examiners):
        where = f"examiners[{i}]"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: must be an object with id, stations and runs")
        extra = sorted(set(raw) - _EXAMINER_KEYS)
        if extra:
            raise InputError(f'{where}: unknown key "{extra[0]}"')
        eid = raw.get("id")
        if not isinstance(eid, str) or not eid.strip():
            raise InputError(f"{where}: id must be a non-empty string, not {eid!r}")
        where = f'{where} ("{eid}")'
        if eid in seen:
            raise InputError(f"{where}: the id appears twice")
        seen.add(eid)
        st = raw.get("stations")
        if not isinstance(st, list) or not st:
            raise InputError(f"{where}: stations must be a non-empty list")
        for s in st:
            if s not in station_set:
                raise InputError(f"{where}: unknown station {s!r}")
        runs = raw.get("runs")
        run_set: frozenset[int] | None = None
        if runs is not None:
            if not isinstance(runs, list) or not runs:
                raise InputError(f"{where}: runs must be a non-empty list of run numbers")
            for r in runs:
                if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= MAX_ENTRIES:
                    raise InputError(f"{where}: run {r!r} is not a run number (1, 2, …)")
            run_set = frozenset(runs)
        examiners.append(Examiner(eid, frozenset(st), run_set))
    cand_set = set(candidates)
    raw_conflicts = data.get("conflicts", [])
    if not isinstance(raw_conflicts, list):
        raise InputError('"conflicts" must be a list of [examiner, candidate] pairs')
    if len(raw_conflicts) > MAX_ENTRIES * 10:
        raise InputError(f'"conflicts" has more than {MAX_ENTRIES * 10} entries')
    conflicts: set[tuple[str, str]] = set()
    for i, pair in enumerate(raw_conflicts):
        where = f"conflicts[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"{where}: must be a pair [examiner, candidate], not {pair!r}")
        a, b = pair
        if a in seen and b in cand_set:
            conflicts.add((a, b))
        elif b in seen and a in cand_set:
            conflicts.add((b, a))
        else:
            raise InputError(f"{where}: {pair!r} must name one examiner and one candidate")
    return Problem(
        stations=stations,
        candidates=candidates,
        circuits=circuits,
        max_rest_stations=max_rest,
        examiners=tuple(examiners),
        conflicts=frozenset(conflicts),
    )


# --- Solver ---------------------------------------------------------------------------------------


class _Model:
    def __init__(self) -> None:
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def var(self, upper: float = 1.0, cost: float = 0.0) -> int:
        self.upper.append(upper)
        self.cost.append(cost)
        return len(self.upper) - 1

    def row(self, idx: list[int], vals: list[float], lo: float, hi: float) -> None:
        self.rows.append((lo, hi, idx, vals))

    def solve(self, *, maximise: bool, time_limit: float) -> list[float] | None:
        highs = new_quiet_highs()
        n = len(self.upper)
        if n == 0:
            return []
        highs.addCols(
            n,
            np.array(self.cost, dtype=np.float64),
            np.zeros(n),
            np.array(self.upper, dtype=np.float64),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        highs.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger, np.uint8)
        )
        add_rows(highs, self.rows)
        highs.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        )
        highs.setOptionValue("time_limit", max(0.1, time_limit))
        highs.run()
        status = highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise TimeoutError("the solver ran out of time")
        return [round(v) for v in highs.getSolution().col_value]


def _run_labels(p: Problem, extras: int) -> list[int]:
    """Run numbers worth trying: every run an examiner named, plus `extras` further run numbers
    (the smallest unused) when some examiner can come to any run. Such extra runs all have the
    same examiners, so `extras` of them are as good as any more, up to the number used."""
    named: set[int] = set()
    for e in p.examiners:
        if e.runs is not None:
            named |= e.runs
    labels = set(named)
    if any(e.runs is None for e in p.examiners):
        n = 1
        while extras > 0:
            if n not in named:
                labels.add(n)
                extras -= 1
            n += 1
    return sorted(labels)


@dataclass
class _Placement:
    # (run, circuit index) -> examiners by station; candidate -> (run, circuit index)
    staff: dict[tuple[int, int], dict[str, str]]
    seats: dict[str, tuple[int, int]]


def _build_model(
    p: Problem, labels: list[int], length: int, max_runs: int | None, *, place_all: bool
):
    """The integer model for circuits of `length` positions using at most `max_runs` of `labels`.
    With place_all=False, candidates may stay out and the objective is the number placed."""
    m = _Model()
    exam_ids = {e.id for e in p.examiners}
    conflicted = {c for _, c in p.conflicts}
    special = [c for c in p.candidates if c in conflicted or c in exam_ids]
    n_free = len(p.candidates) - len(special)
    K = p.circuits
    units = _examiner_units(p)
    label_weight = sum(labels) + 1
    y = {v: m.var(cost=(label_weight + v) if place_all else 0.0) for v in labels}
    w: dict[tuple[int, int], int] = {}
    f: dict[tuple[int, int], int] = {}
    x: dict[tuple[str, int, int], int] = {}
    z: dict[tuple[str, int, int, str], int] = {}
    z_station: dict[tuple[int, int, str], list[int]] = {}
    z_run: dict[tuple[str, int], list[int]] = {}
    z_circuit: dict[tuple[str, int, int], list[int]] = {}
    for v in labels:
        for k in range(K):
            w[v, k] = m.var()
            f[v, k] = m.var(upper=length, cost=0.0 if place_all else 1.0)
            for c in special:
                x[c, v, k] = m.var(cost=0.0 if place_all else 1.0)
            for uid, members in units.items():
                e = members[0]
                if e.runs is None or v in e.runs:
                    for s in p.stations:
                        if s in e.stations:
                            j = z[uid, v, k, s] = m.var()
                            z_station.setdefault((v, k, s), []).append(j)
                            z_run.setdefault((uid, v), []).append(j)
                            z_circuit.setdefault((uid, v, k), []).append(j)
    if max_runs is not None:
        m.row([y[v] for v in labels], [1.0] * len(labels), 0, max_runs)
    named = {r for e in p.examiners if e.runs is not None for r in e.runs}
    extra_labels = [v for v in labels if v not in named]
    for a, b in zip(extra_labels, extra_labels[1:], strict=False):  # interchangeable runs
        m.row([y[a], y[b]], [1.0, -1.0], 0, math.inf)
    for v in labels:
        for k in range(K):
            m.row([w[v, k], y[v]], [1.0, -1.0], -math.inf, 0)
            if k + 1 < K:  # circuits of a run are interchangeable: fill them in order
                m.row([w[v, k], w[v, k + 1]], [1.0, -1.0], 0, math.inf)
            seated = [f[v, k]] + [x[c, v, k] for c in special]
            m.row([*seated, w[v, k]], [1.0] * len(seated) + [-float(length)], -math.inf, 0)
            m.row([*seated, w[v, k]], [1.0] * len(seated) + [-1.0], 0, math.inf)
            for s in p.stations:
                zs = z_station.get((v, k, s), [])
                m.row([*zs, w[v, k]], [1.0] * len(zs) + [-1.0], 0, 0)
        for uid, members in units.items():
            ze = z_run.get((uid, v), [])
            if ze:
                m.row(ze, [1.0] * len(ze), 0, len(members))
    for c in special:
        xc = [x[c, v, k] for v in labels for k in range(K)]
        m.row(xc, [1.0] * len(xc), 1 if place_all else 0, 1)
    fs = list(f.values())
    m.row(fs, [1.0] * len(fs), n_free if place_all else 0, n_free)
    for e_id, c in p.conflicts:
        for v in labels:
            for k in range(K):
                ze = z_circuit.get((e_id, v, k), [])
                if ze:
                    m.row([x[c, v, k], *ze], [1.0] * (len(ze) + 1), 0, 1)
    for c in special:
        if c in exam_ids:  # sits as a candidate and examines: never in the same run
            for v in labels:
                ze = z_run.get((c, v), [])
                xs = [x[c, v, k] for k in range(K)]
                if ze:
                    m.row(xs + ze, [1.0] * (len(xs) + len(ze)), 0, 1)
    return m, special, y, w, f, x, z, units


def _examiner_units(p: Problem) -> dict[str, list[Examiner]]:
    """Examiners who offered the same stations and runs, and have no conflict and do not sit,
    are interchangeable: the model counts them as one unit (breaking their symmetry, which
    otherwise makes the solver prove the same thing once per permutation). Others stand alone,
    under their own id."""
    named = {e for e, _ in p.conflicts} | set(p.candidates)
    units: dict[str, list[Examiner]] = {}
    groups: dict[tuple, list[Examiner]] = {}
    for e in p.examiners:
        if e.id in named:
            units[e.id] = [e]
        else:
            key = (e.stations, e.runs)
            groups.setdefault(key, []).append(e)
    for n, members in enumerate(groups.values()):
        if len(members) == 1:
            units[members[0].id] = members
        else:
            units[f"\0group{n}"] = members
    return units


def _feasible(p: Problem, runs: int, length: int, deadline: float) -> _Placement | None:
    labels = _run_labels(p, runs)
    m, special, y, w, f, x, z, units = _build_model(p, labels, length, runs, place_all=True)
    sol = m.solve(maximise=False, time_limit=deadline - time.perf_counter())
    if sol is None:
        return None
    staff: dict[tuple[int, int], dict[str, str]] = {}
    slots: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for (uid, v, k, s), j in z.items():
        if sol[j]:
            slots.setdefault((uid, v), []).append((k, s))
    # A unit's slots in a run go to its members, each preferring the station they had before.
    last: dict[str, str] = {}
    for v in sorted(labels):
        for uid, members in units.items():
            free = list(members)
            for k, s in sorted(slots.get((uid, v), []), key=lambda ks: ks[1]):
                e = next((e for e in free if last.get(e.id) == s), free[0])
                free.remove(e)
                staff.setdefault((v, k), {})[s] = e.id
                last[e.id] = s
    seats: dict[str, tuple[int, int]] = {}
    counts: dict[tuple[int, int], int] = {key: 0 for key, j in w.items() if sol[j]}
    for (c, v, k), j in x.items():
        if sol[j]:
            seats[c] = (v, k)
            counts[v, k] += 1
    # Spread the interchangeable candidates as evenly as the circuits allow (the model only
    # counted them): always into the emptiest circuit with room.
    free = [c for c in p.candidates if c not in set(special)]
    for c in free:
        key = min((k for k in counts if counts[k] < length), key=lambda k: (counts[k], k))
        seats[c] = key
        counts[key] += 1
    return _Placement(staff=staff, seats=seats)


def _positions(stations: tuple[str, ...], rests: int) -> list[str]:
    """Stations in the given order with rest positions spread evenly between them."""
    out: list[str] = []
    n = len(stations)
    placed = 0
    for i, s in enumerate(stations):
        out.append(s)
        # after station i, place rests so that rest j follows station floor((j+1)*n/(rests+1))
        while placed < rests and (placed + 1) * n // (rests + 1) <= i + 1 and i + 1 < n:
            placed += 1
            out.append(f"{REST_PREFIX}{placed}")
    while placed < rests:
        placed += 1
        out.append(f"{REST_PREFIX}{placed}")
    return out


def _assemble(p: Problem, placement: _Placement, length: int) -> Rotation:
    rests = length - len(p.stations)
    positions = _positions(p.stations, rests)
    by_circuit: dict[tuple[int, int], list[str]] = {}
    for c in p.candidates:  # input order within a circuit
        by_circuit.setdefault(placement.seats[c], []).append(c)
    rotation = Rotation(rounds_per_run=length)
    _keep_examiners_at_their_station(p, placement)
    for v in sorted({key[0] for key in by_circuit}):
        circuits = []
        keys = sorted(key for key in by_circuit if key[0] == v)
        for number, key in enumerate(keys, start=1):
            members = by_circuit[key]
            # Candidate j starts at position j and moves one place on each round.
            rounds = [
                {positions[(j + t) % length]: c for j, c in enumerate(members)}
                for t in range(length)
            ]
            rounds = [{pos: r[pos] for pos in positions if pos in r} for r in rounds]
            staff = placement.staff[key]
            circuits.append(
                Circuit(number, list(positions), {s: staff[s] for s in p.stations}, rounds)
            )
        rotation.runs.append((v, circuits))
    return rotation


def _keep_examiners_at_their_station(p: Problem, placement: _Placement) -> None:
    """Swap stations between two examiners of one circuit when that puts someone back at the
    station they examined in an earlier run (both must offer the swapped stations). Who is in
    which circuit does not change, so every rule still holds; examiners read one scheme less."""
    by_id = {e.id: e for e in p.examiners}
    last: dict[str, str] = {}
    for key in sorted(placement.staff):
        staff = placement.staff[key]
        changed = True
        while changed:
            changed = False
            at = {e: s for s, e in staff.items()}
            for e, current in at.items():
                wanted = last.get(e)
                if wanted is None or wanted == current or wanted not in staff:
                    continue
                other = staff[wanted]
                if last.get(other) == wanted:
                    continue  # the other examiner is at home there already
                run = key[0]
                if by_id[e].can_take(wanted, run) and by_id[other].can_take(current, run):
                    staff[wanted], staff[current] = e, other
                    changed = True
                    break
        for s, e in staff.items():
            last[e] = s


def _station_matching(p: Problem, run: int, excluded: set[str]) -> bool:
    """Can every station get a different examiner in `run` (without those excluded)?"""
    match: dict[str, str] = {}  # examiner -> station

    def augment(s: str, seen: set[str]) -> bool:
        for e in p.examiners:
            if e.id in excluded or e.id in seen or not e.can_take(s, run):
                continue
            seen.add(e.id)
            if e.id not in match or augment(match[e.id], seen):
                match[e.id] = s
                return True
        return False

    return all(augment(s, set()) for s in p.stations)


def _quick_diagnosis(p: Problem, labels: list[int]) -> str | None:
    """The rules that fail for one station or one candidate alone (cheap matchings)."""
    for s in p.stations:
        if not any(s in e.stations for e in p.examiners):
            return f'every station needs an examiner: no examiner offered station "{s}"'
    if not any(_station_matching(p, v, set()) for v in labels):
        return (
            "every station needs its own examiner at the same time: in no run can the examiners "
            "cover all stations at once (an examiner is in one place per run)"
        )
    exam_ids = {e.id for e in p.examiners}
    for c in p.candidates:
        blocked = {e for e, cc in p.conflicts if cc == c}
        if c in exam_ids:
            blocked.add(c)
        if blocked and not any(_station_matching(p, v, blocked) for v in labels):
            names = ", ".join(sorted(blocked))
            return (
                f'no conflict pair may meet: candidate "{c}" cannot sit any run, because in '
                f"every run some station has no examiner left once {names} step aside"
            )
    return None


def _diagnose(p: Problem, labels: list[int], deadline: float) -> str:
    """Say which rule cannot hold, for whom."""
    quick = _quick_diagnosis(p, labels)
    if quick:
        return quick
    m, *_ = _build_model(p, labels, len(p.stations) + p.max_rest_stations, None, place_all=False)
    sol = m.solve(maximise=True, time_limit=deadline - time.perf_counter())
    placed = sum(v for v, c in zip(sol or [], m.cost, strict=False) if c)  # objective columns only
    return (
        "every candidate must sit in one run and circuit: with the examiners' runs, stations "
        f"and conflicts at most {placed} of {len(p.candidates)} candidates can be placed"
    )


def build_rotation(p: Problem) -> Rotation:
    """The rotation with the fewest rounds in total. Raises RuleError when none exists,
    TimeoutError when the solver runs out of time."""
    deadline = time.perf_counter() + p.time_limit_s
    n_c, n_s, K = len(p.candidates), len(p.stations), p.circuits
    if n_c == 0:
        return Rotation(rounds_per_run=n_s)
    lengths = range(n_s, n_s + p.max_rest_stations + 1)
    any_run = any(e.runs is None for e in p.examiners)
    named = {r for e in p.examiners if e.runs is not None for r in e.runs}
    # With examiners free to come to any run, one candidate per run is the most ever needed.
    max_runs = len(named) + n_c if any_run else len(named)
    full_labels = _run_labels(p, n_c)
    quick = _quick_diagnosis(p, full_labels)
    if quick:
        raise RuleError(quick)
    pairs = sorted(
        (
            (u * length, length, u)
            for length in lengths
            for u in range(math.ceil(n_c / (K * length)), max_runs + 1)
        ),
    )
    labels = _run_labels(p, max_runs)
    staffable = {v: _circuits_staffable(p, v) for v in labels}
    allowed = _runs_each_candidate_can_sit(p, labels)
    for _, length, u in pairs:
        # Relaxation without conflicts: the u runs that can staff the most circuits must hold
        # everyone. It proves most small pairs infeasible without the integer model.
        best = sorted(staffable.values(), reverse=True)[:u]
        if sum(best) * length < n_c:
            continue
        # With conflicts, per run: some u runs must hold everyone, each candidate only in a run
        # where their conflicts leave a full staff (Hall's condition on runs).
        if not _some_runs_hold_everyone(p, allowed, staffable, u, length):
            continue
        if time.perf_counter() > deadline:
            raise TimeoutError("the solver ran out of time")
        placement = _greedy(p, u, length, staffable)
        # A few randomised tries (seeded: the same input gives the same answer) before the
        # exact model, which is slow on tightly packed days with many conflicts.
        rng = random.Random(0)
        tries_until = time.perf_counter() + min(2.0, p.time_limit_s / 20)
        while placement is None and time.perf_counter() < tries_until:
            placement = _greedy(p, u, length, staffable, rng)
        if placement is None:
            placement = _feasible(p, u, length, deadline)
        if placement is not None:
            return _assemble(p, placement, length)
    raise RuleError(_diagnose(p, full_labels, deadline))


def _runs_each_candidate_can_sit(p: Problem, labels: list[int]) -> dict[str, frozenset[int]]:
    exam_ids = {e.id for e in p.examiners}
    blocked: dict[str, set[str]] = {}
    for e, c in p.conflicts:
        blocked.setdefault(c, set()).add(e)
    for c in p.candidates:
        if c in exam_ids:
            blocked.setdefault(c, set()).add(c)
    everyone = frozenset(v for v in labels if _station_matching(p, v, set()))
    out: dict[str, frozenset[int]] = {}
    cache: dict[frozenset[str], frozenset[int]] = {}
    for c in p.candidates:
        key = frozenset(blocked.get(c, ()))
        if key not in cache:
            cache[key] = (
                frozenset(v for v in everyone if _station_matching(p, v, set(key)))
                if key
                else everyone
            )
        out[c] = cache[key]
    return out


def _some_runs_hold_everyone(
    p: Problem,
    allowed: dict[str, frozenset[int]],
    staffable: dict[int, int],
    runs: int,
    length: int,
    max_subsets: int = 2000,
) -> bool:
    """A necessary condition (True when unsure): for some choice of `runs` runs, every set T of
    them can seat the candidates who can sit only in T (Hall's condition)."""
    labels = [v for v in staffable if staffable[v] > 0]
    if math.comb(len(labels), min(runs, len(labels))) * 2 ** min(runs, len(labels)) > max_subsets:
        return True
    kinds: dict[frozenset[int], int] = {}
    for runs_ok in allowed.values():
        kinds[runs_ok] = kinds.get(runs_ok, 0) + 1
    for chosen in itertools.combinations(labels, min(runs, len(labels))):
        ok = True
        for size in range(1, len(chosen) + 1):
            for subset in itertools.combinations(chosen, size):
                t = set(subset)
                need = sum(n for runs_ok, n in kinds.items() if runs_ok & set(chosen) <= t)
                if need > sum(staffable[v] for v in t) * length:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            return True
    return False


def _greedy(
    p: Problem, runs: int, length: int, staffable: dict[int, int], rng: random.Random | None = None
) -> _Placement | None:
    """A quick constructive try for (runs, length); None when it does not find one (the exact
    model then decides). Any rotation it returns keeps every rule, and the pair it answers for
    is the smallest not yet proven infeasible, so it is as short as the exact model's.

    Staff as many circuits as each run allows, drawing examiners with the most conflicts into
    the same circuits, so that the other circuits are free for the candidates they conflict
    with; then seat the most constrained candidates first."""
    labels = sorted(staffable, key=lambda v: (-staffable[v], v))[:runs]
    conflicts_of: dict[str, set[str]] = {}
    for e, c in p.conflicts:
        conflicts_of.setdefault(c, set()).add(e)
    load = {e.id: sum(1 for ee, _ in p.conflicts if ee == e.id) for e in p.examiners}
    jitter = {e.id: rng.random() * 2 if rng else 0.0 for e in p.examiners}
    order = sorted(p.examiners, key=lambda e: (-load[e.id] - jitter[e.id], e.id))
    staff: dict[tuple[int, int], dict[str, str]] = {}
    for v in sorted(labels):
        used: set[str] = set()
        for k in range(staffable[v]):
            match: dict[str, tuple[str, int]] = {}
            pool = Problem(
                stations=p.stations,
                candidates=(),
                circuits=1,
                max_rest_stations=0,
                examiners=tuple(e for e in order if e.id not in used),
                conflicts=frozenset(),
            )
            if not all(_augment(pool, v, (st, 0), match, set()) for st in p.stations):
                return None
            staff[v, k] = {slot[0]: e for e, slot in match.items()}
            used |= set(match)
    examining_in: dict[str, set[int]] = {}
    for (v, _), by_station in staff.items():
        for e in by_station.values():
            examining_in.setdefault(e, set()).add(v)
    room = dict.fromkeys(staff, length)
    seats: dict[str, tuple[int, int]] = {}

    def fits(c: str, key: tuple[int, int]) -> bool:
        return (
            room[key] > 0
            and not (conflicts_of.get(c, set()) & set(staff[key].values()))
            and key[0] not in examining_in.get(c, set())
        )

    options = {c: [key for key in staff if fits(c, key)] for c in p.candidates}
    for c in sorted(p.candidates, key=lambda c: (len(options[c]), c)):
        choices = [key for key in options[c] if fits(c, key)]
        if not choices:
            return None
        if rng:
            key = rng.choice(choices)
        else:
            key = max(choices, key=lambda key: (room[key], -key[0], -key[1]))
        seats[c] = key
        room[key] -= 1
    used_keys = set(seats.values())
    return _Placement(staff={key: v for key, v in staff.items() if key in used_keys}, seats=seats)


def _circuits_staffable(p: Problem, run: int) -> int:
    """How many circuits can be fully staffed at once in `run` (each examiner in one place):
    the largest k for which k copies of every station match distinct examiners."""
    best = 0
    for k in range(1, p.circuits + 1):
        match: dict[str, tuple[str, int]] = {}
        if all(_augment(p, run, (s, i), match, set()) for s in p.stations for i in range(k)):
            best = k
        else:
            break
    return best


def _augment(
    p: Problem, run: int, slot: tuple[str, int], match: dict[str, tuple[str, int]], seen: set[str]
) -> bool:
    """Kuhn's augmenting path: give `slot` (station, copy) an examiner, moving others along."""
    for e in p.examiners:
        if e.id in seen or not e.can_take(slot[0], run):
            continue
        seen.add(e.id)
        if e.id not in match or _augment(p, run, match[e.id], match, seen):
            match[e.id] = slot
            return True
    return False


def solve_json(data: object, *, time_limit_s: float | None = None) -> dict:
    """Parse, build and return the output document (raises InputError / RuleError)."""
    problem = parse_problem(data)
    if time_limit_s is not None:
        problem = Problem(**{**problem.__dict__, "time_limit_s": time_limit_s})
    return build_rotation(problem).to_json()


def iter_assignments(rotation: dict) -> Iterable[tuple[int, int, int, str, str]]:
    """(run, circuit, round index, position, candidate) for every seat of an output document."""
    for run in rotation["runs"]:
        for circuit in run["circuits"]:
            for t, rnd in enumerate(circuit["rounds"]):
                for pos, cand in rnd.items():
                    yield run["run"], circuit["circuit"], t, pos, cand
