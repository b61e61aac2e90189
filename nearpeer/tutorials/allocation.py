"""Exact allocation of tutorial groups, and mentor matching, with HiGHS. No Django import.

Tutorial groups (see docs/allocation.md for the file format and the model):
a group is (slot, tutors, tutees). Rules: every member can attend the slot (available or "if need
be"); group sizes and tutors per group within bounds; a tutor is in at most `max_groups` groups
and never in two at the same slot; a tutee is in at most one group. Objective, lexicographic:
(1) most tutees placed, (2) most friend pairs in the same group, (3) fewest "if need be" uses.

The exact model is the group-instance model (`_InstanceModel`): up to K candidate groups per
slot. Because groups at one slot are interchangeable, the slot-level aggregate (`_SlotModel`,
"how many tutees and tutors at each slot, how many groups there") is exact for objectives (1) and
(3) and an upper bound for (2); it is small, so we solve it first, split each slot into groups,
and stop when the split keeps every friend pair the bound promised (then the answer is proven
optimal). Only when a split loses a pair do we solve the instance model.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from nearpeer.core.highs import add_rows, new_quiet_highs

Id = str | int

DEFAULT_TIME_LIMIT_S = 10.0
_EPS = 1e-6


class InputError(ValueError):
    """The input breaks the format or can never be satisfied; the message names the entry."""


# --- Data -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tutor:
    id: Id
    available: frozenset
    if_need_be: frozenset = frozenset()
    max_groups: int = 1
    wants_co_tutor: bool = False

    def can_attend(self, slot: Id) -> bool:
        return slot in self.available or slot in self.if_need_be


@dataclass(frozen=True)
class Tutee:
    id: Id
    available: frozenset
    if_need_be: frozenset = frozenset()
    friends: tuple = ()

    def can_attend(self, slot: Id) -> bool:
        return slot in self.available or slot in self.if_need_be


@dataclass(frozen=True)
class Group:
    slot: Id
    tutors: tuple
    tutees: tuple

    def to_json(self) -> dict:
        return {"slot": self.slot, "tutors": list(self.tutors), "tutees": list(self.tutees)}


@dataclass(frozen=True)
class Problem:
    slots: tuple
    tutors: tuple[Tutor, ...]
    tutees: tuple[Tutee, ...]
    group_min: int = 3
    group_max: int = 6
    tutors_min: int = 1
    tutors_max: int = 2
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    pinned: tuple[Group, ...] = ()

    def friend_pairs(self) -> list[tuple[Id, Id]]:
        """Unordered pairs where either names the other, in tutee order."""
        order = {t.id: i for i, t in enumerate(self.tutees)}
        pairs = set()
        for tutee in self.tutees:
            for friend in tutee.friends:
                if friend != tutee.id and friend in order:
                    pairs.add(tuple(sorted((tutee.id, friend), key=order.__getitem__)))
        return sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))

    def if_need_be_uses(self, groups: Iterable[Group]) -> int:
        tutors = {t.id: t for t in self.tutors}
        tutees = {t.id: t for t in self.tutees}
        return sum(
            sum(g.slot in tutors[i].if_need_be for i in g.tutors)
            + sum(g.slot in tutees[i].if_need_be for i in g.tutees)
            for g in groups
        )


@dataclass(frozen=True)
class Result:
    groups: tuple[Group, ...]
    unplaced: tuple
    placed: int
    friend_pairs_together: int
    if_need_be_used: int
    optimal: bool
    gap: float
    seconds: float
    # How many objectives, in order, are proven optimal (3 when `optimal`); not in the JSON.
    proven: int = 0
    # A proven upper bound on friend pairs together when the most tutees are placed (None when
    # the placing stage itself was not proven); not in the JSON.
    pairs_bound: float | None = None

    def to_json(self) -> dict:
        """Exactly the output format of `nearpeer tutorials allocate`."""
        return {
            "groups": [g.to_json() for g in self.groups],
            "unplaced": list(self.unplaced),
            "placed": self.placed,
            "friend_pairs_together": self.friend_pairs_together,
            "optimal": self.optimal,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
        }


# --- Parsing and checking -----------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value) -> bool:
    return (isinstance(value, str) and value != "") or _is_int(value)


def _bounds(data: dict, key: str, default: tuple[int, int]) -> tuple[int, int]:
    value = data.get(key, {"min": default[0], "max": default[1]})
    if not isinstance(value, dict) or set(value) - {"min", "max"}:
        raise InputError(f'{key}: expected {{"min": integer, "max": integer}}')
    low, high = value.get("min", default[0]), value.get("max", default[1])
    for name, bound in (("min", low), ("max", high)):
        if not _is_int(bound):
            raise InputError(f"{key}.{name}: expected an integer, got {bound!r}")
    if low < 1:
        raise InputError(f"{key}.min: must be at least 1, got {low}")
    if high < low:
        raise InputError(f"{key}: max ({high}) is below min ({low}), so no group can be formed")
    return low, high


def _slot_list(entry: str, value, known: set, field_name: str) -> frozenset:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise InputError(f"{entry}: {field_name} must be a list of slot ids")
    for slot in value:
        if not _is_id(slot) or slot not in known:
            raise InputError(f"{entry}: unknown slot {slot!r} in {field_name}")
    return frozenset(value)


def _people(data: dict, key: str, known_slots: set, allowed: set) -> list[tuple[str, dict]]:
    items = data.get(key)
    if not isinstance(items, list):
        raise InputError(f"{key}: expected a list")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError(f"{key}[{i}]: expected an object")
        if not _is_id(item.get("id")):
            raise InputError(f"{key}[{i}]: id must be a non-empty string or an integer")
        entry = f"{key}[{i}] (id {item['id']!r})"
        unknown = set(item) - allowed
        if unknown:
            raise InputError(f"{entry}: unknown field {sorted(unknown)[0]!r}")
        available = _slot_list(entry, item.get("available", []), known_slots, "available")
        if_need_be = _slot_list(entry, item.get("if_need_be"), known_slots, "if_need_be")
        both = available & if_need_be
        if both:
            raise InputError(
                f"{entry}: slot {sorted(both, key=str)[0]!r} is both available and if_need_be"
            )
        out.append((entry, {**item, "available": available, "if_need_be": if_need_be}))
    return out


def parse_problem(data) -> Problem:
    """Validate the JSON input of `nearpeer tutorials allocate` and build a Problem.

    Raises InputError naming the offending entry (unknown slot or friend id, duplicate ids,
    bounds that cannot hold, wrong types)."""
    if not isinstance(data, dict):
        raise InputError("input: expected a JSON object")
    allowed = {
        "slots",
        "group_size",
        "tutors_per_group",
        "tutors",
        "tutees",
        "time_limit_s",
        "pinned",
    }
    unknown = set(data) - allowed
    if unknown:
        raise InputError(f"input: unknown key {sorted(unknown)[0]!r}")
    slots = data.get("slots")
    if not isinstance(slots, list) or not slots:
        raise InputError("slots: expected a non-empty list of slot ids")
    seen: set = set()
    for i, slot in enumerate(slots):
        if not _is_id(slot):
            raise InputError(f"slots[{i}]: expected a string or integer id, got {slot!r}")
        if slot in seen:
            raise InputError(f"slots[{i}]: duplicate slot id {slot!r}")
        seen.add(slot)
    group_min, group_max = _bounds(data, "group_size", (3, 6))
    tutors_min, tutors_max = _bounds(data, "tutors_per_group", (1, 2))
    time_limit = data.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or time_limit <= 0:
        raise InputError(f"time_limit_s: expected a positive number, got {time_limit!r}")

    ids: dict = {}
    tutors = []
    tutor_fields = {"id", "available", "if_need_be", "max_groups", "wants_co_tutor"}
    for entry, item in _people(data, "tutors", seen, tutor_fields):
        if item["id"] in ids:
            raise InputError(f"{entry}: duplicate id (also {ids[item['id']]})")
        ids[item["id"]] = entry
        max_groups = item.get("max_groups", 1)
        if not _is_int(max_groups) or max_groups < 0:
            raise InputError(f"{entry}: max_groups must be a non-negative integer")
        co = item.get("wants_co_tutor", False)
        if not isinstance(co, bool):
            raise InputError(f"{entry}: wants_co_tutor must be true or false")
        tutors.append(Tutor(item["id"], item["available"], item["if_need_be"], max_groups, co))
    tutee_items = _people(data, "tutees", seen, {"id", "available", "if_need_be", "friends"})
    tutee_ids = set()
    for entry, item in tutee_items:
        if item["id"] in ids:
            raise InputError(f"{entry}: duplicate id (also {ids[item['id']]})")
        ids[item["id"]] = entry
        tutee_ids.add(item["id"])
    tutees = []
    for entry, item in tutee_items:
        friends = item.get("friends", [])
        if not isinstance(friends, list):
            raise InputError(f"{entry}: friends must be a list of tutee ids")
        for friend in friends:
            if not _is_id(friend) or friend not in tutee_ids:
                raise InputError(f"{entry}: unknown friend id {friend!r}")
            if friend == item["id"]:
                raise InputError(f"{entry}: names themself as a friend")
        tutees.append(Tutee(item["id"], item["available"], item["if_need_be"], tuple(friends)))

    problem = Problem(
        slots=tuple(slots),
        tutors=tuple(tutors),
        tutees=tuple(tutees),
        group_min=group_min,
        group_max=group_max,
        tutors_min=tutors_min,
        tutors_max=tutors_max,
        time_limit_s=float(time_limit),
    )
    pinned = data.get("pinned", [])
    if not isinstance(pinned, list):
        raise InputError("pinned: expected a list of groups")
    groups = []
    for i, g in enumerate(pinned):
        if not isinstance(g, dict) or set(g) != {"slot", "tutors", "tutees"}:
            raise InputError(f'pinned[{i}]: expected {{"slot", "tutors", "tutees"}}')
        if not (isinstance(g["tutors"], list) and isinstance(g["tutees"], list)):
            raise InputError(f"pinned[{i}]: tutors and tutees must be lists of ids")
        groups.append(Group(g["slot"], tuple(g["tutors"]), tuple(g["tutees"])))
    problems = check_groups(problem, groups)
    if problems:
        raise InputError(f"pinned: {problems[0]}")
    return Problem(**{**problem.__dict__, "pinned": tuple(groups)})


def check_groups(
    problem: Problem, groups: Sequence[Group], *, name=repr, slot_name=str
) -> list[str]:
    """Every rule a set of groups must keep; returns one readable message per broken rule.
    `name` and `slot_name` turn ids into what a reader should see."""
    tutors = {t.id: t for t in problem.tutors}
    tutees = {t.id: t for t in problem.tutees}
    slots = set(problem.slots)
    errors: list[str] = []
    tutor_groups: dict = defaultdict(list)
    tutee_group: dict = {}
    for n, group in enumerate(groups, 1):
        label = f"group {n} ({slot_name(group.slot)})"
        if group.slot not in slots:
            errors.append(f"{label}: unknown slot {group.slot!r}")
            continue
        if not problem.tutors_min <= len(group.tutors) <= problem.tutors_max:
            errors.append(
                f"{label}: has {len(group.tutors)} tutors; needs {problem.tutors_min}"
                f"–{problem.tutors_max}"
            )
        if not problem.group_min <= len(group.tutees) <= problem.group_max:
            errors.append(
                f"{label}: has {len(group.tutees)} tutees; needs {problem.group_min}"
                f"–{problem.group_max}"
            )
        for tutor_id in group.tutors:
            tutor = tutors.get(tutor_id)
            if tutor is None:
                errors.append(f"{label}: {name(tutor_id)} is not a tutor")
                continue
            if not tutor.can_attend(group.slot):
                errors.append(
                    f"{label}: tutor {name(tutor_id)} cannot attend {slot_name(group.slot)}"
                )
            if any(g.slot == group.slot for g in tutor_groups[tutor_id]):
                errors.append(
                    f"{label}: tutor {name(tutor_id)} already has a group at "
                    f"{slot_name(group.slot)}"
                )
            tutor_groups[tutor_id].append(group)
        for tutee_id in group.tutees:
            tutee = tutees.get(tutee_id)
            if tutee is None:
                errors.append(f"{label}: {name(tutee_id)} is not a tutee")
                continue
            if not tutee.can_attend(group.slot):
                errors.append(
                    f"{label}: tutee {name(tutee_id)} cannot attend {slot_name(group.slot)}"
                )
            if tutee_id in tutee_group:
                errors.append(f"{label}: tutee {name(tutee_id)} is already in another group")
            tutee_group[tutee_id] = n
    for tutor_id, its_groups in tutor_groups.items():
        tutor = tutors.get(tutor_id)
        if tutor and len(its_groups) > tutor.max_groups:
            errors.append(
                f"tutor {name(tutor_id)} has {len(its_groups)} groups; their limit is "
                f"{tutor.max_groups}"
            )
    return errors


def count_friend_pairs(problem: Problem, groups: Iterable[Group]) -> int:
    where = {u: i for i, g in enumerate(groups) for u in g.tutees}
    return sum(1 for u, v in problem.friend_pairs() if u in where and where.get(v) == where[u])


def unplaced_reasons(problem: Problem, unplaced: Iterable[Id]) -> dict:
    """Why each unplaced tutee is unplaced: no slot shared with any tutor, or capacity."""
    tutor_slots = set()
    for tutor in problem.tutors:
        if tutor.max_groups > 0:
            tutor_slots |= tutor.available | tutor.if_need_be
    tutees = {t.id: t for t in problem.tutees}
    reasons = {}
    for tutee_id in unplaced:
        tutee = tutees[tutee_id]
        if not (tutee.available | tutee.if_need_be):
            reasons[tutee_id] = "no_availability"
        elif not ((tutee.available | tutee.if_need_be) & tutor_slots):
            reasons[tutee_id] = "no_common_slot"
        else:
            reasons[tutee_id] = "capacity"
    return reasons


# --- HiGHS plumbing -------------------------------------------------------------------------------


def _new_highs() -> highspy.Highs:
    highs = new_quiet_highs()
    # Every objective here has integer coefficients on integer variables: a bound less than one
    # unit away from the incumbent proves it optimal.
    highs.setOptionValue("mip_abs_gap", 0.99)
    return highs


class _Model:
    """Columns and rows collected in Python lists, passed to HiGHS in one go."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def var(self, upper: float = 1.0, integer: bool = True) -> int:
        self.lower.append(0.0)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.lower) - 1)
        return len(self.lower) - 1

    def row(self, idx: Sequence[int], vals: Sequence[float], lo: float, hi: float) -> None:
        if idx:
            self.rows.append((lo, hi, list(idx), list(vals)))

    def build(self) -> highspy.Highs:
        highs = _new_highs()
        n = len(self.lower)
        highs.addCols(
            n,
            np.zeros(n),
            np.array(self.lower),
            np.array(self.upper),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        if self.integer:
            ints = np.array(self.integer, dtype=np.int32)
            highs.changeColsIntegrality(
                len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger, dtype=np.uint8)
            )
        add_rows(highs, self.rows)
        return highs


@dataclass
class _Stage:
    value: float
    optimal: bool
    gap: float
    bound: float | None = None


def _solve_stage(
    highs: highspy.Highs,
    costs: dict[int, float],
    *,
    maximise: bool,
    deadline: float,
    fix_previous: tuple[dict[int, float], float, bool] | None = None,
    start: list[float] | None = None,
) -> _Stage | None:
    """One lexicographic stage: fix the previous stage's optimum as a constraint, then optimise
    this stage's objective. Returns None when no solution could be found in time."""
    if fix_previous is not None:
        prev_costs, prev_value, prev_max = fix_previous
        idx = np.array(list(prev_costs), dtype=np.int32)
        vals = np.array(list(prev_costs.values()), dtype=np.float64)
        inf = highspy.kHighsInf
        lo, hi = (prev_value - _EPS, inf) if prev_max else (-inf, prev_value + _EPS)
        highs.addRow(lo, hi, len(idx), idx, vals)
    n = highs.getNumCol()
    if n == 0:  # nothing to decide: the empty allocation is optimal
        return _Stage(0.0, True, 0.0)
    cost = np.zeros(n)
    for j, c in costs.items():
        cost[j] = c
    highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    highs.changeObjectiveSense(
        highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    )
    if start is not None:
        highs.setSolution(n, np.arange(n, dtype=np.int32), np.array(start, dtype=np.float64))
    highs.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
    highs.run()
    if start is not None and highs.getInfo().primal_solution_status == 2:
        # With a start given, HiGHS can report the optimum's value yet hand back the start's
        # values (seen with 1.16); solve once more from scratch when they disagree.
        actual = float(np.dot(cost, highs.getSolution().col_value))
        if abs(actual - highs.getInfo().objective_function_value) > 0.5:
            highs.clearSolver()
            highs.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
            highs.run()
    if fix_previous is not None and highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        # The previous stage's solution satisfies the row just added, so "infeasible" is wrong
        # (seen with 1.16 when it reuses its earlier search); solve once more from scratch.
        highs.clearSolver()
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("time_limit", max(0.05, deadline - time.perf_counter()))
        highs.run()
        highs.setOptionValue("presolve", "choose")
    status = highs.getModelStatus()
    info = highs.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible or info.primal_solution_status != 2:
        return None
    optimal = status == highspy.HighsModelStatus.kOptimal
    value = info.objective_function_value
    bound = value if optimal else info.mip_dual_bound
    if not optimal and math.isfinite(bound) and abs(bound - value) < 1 - _EPS:
        optimal, bound = True, value
    return _Stage(value, optimal, 0.0 if optimal else _relative_gap(value, bound), bound)


def _relative_gap(primal: float, bound: float) -> float:
    if not math.isfinite(bound):
        return 1.0
    if abs(bound - primal) < 0.5:  # integral objectives: closer than one unit means proven
        return 0.0
    return abs(bound - primal) / max(abs(primal), abs(bound), 1.0)


# --- Pools: the free part of a problem once pinned groups are taken out ---------------------------


@dataclass
class _Pool:
    problem: Problem
    tutees: list[Tutee]
    tutors: list[Tutor]
    capacity: dict
    blocked: dict
    pairs: list[tuple[int, int]]  # indexes into tutees

    @classmethod
    def of(cls, problem: Problem) -> _Pool:
        pinned_tutees = {u for g in problem.pinned for u in g.tutees}
        tutees = [t for t in problem.tutees if t.id not in pinned_tutees]
        position = {t.id: i for i, t in enumerate(tutees)}
        used: dict = defaultdict(int)
        blocked: dict = defaultdict(set)
        for g in problem.pinned:
            for t in g.tutors:
                used[t] += 1
                blocked[t].add(g.slot)
        tutors = [t for t in problem.tutors if t.max_groups - used[t.id] > 0]
        capacity = {t.id: t.max_groups - used[t.id] for t in tutors}
        pairs = [
            (position[u], position[v])
            for u, v in problem.friend_pairs()
            if u in position and v in position
        ]
        return cls(problem, tutees, tutors, capacity, blocked, pairs)

    def tutor_slots(self, tutor: Tutor) -> list:
        return [
            s for s in self.problem.slots if tutor.can_attend(s) and s not in self.blocked[tutor.id]
        ]

    def tutee_slots(self, tutee: Tutee) -> list:
        return [s for s in self.problem.slots if tutee.can_attend(s)]


@dataclass
class _Outcome:
    groups: list[Group]
    optimal: bool
    gap: float
    pairs_bound: float | None = None
    stages: list[_Stage] = field(default_factory=list)
    # The split into groups lost so many pairs that no model here can prove the answer: the rest
    # of the time goes to the local search.
    hopeless: bool = False
    # The friend-piece bound, when it was computed on the way (tight programmes).
    piece_bound: float | None = None
    # Other groups worth starting the search from (the piece relaxation's frames).
    starts: list[list[Group]] = field(default_factory=list)


def _lexicographic(
    highs: highspy.Highs,
    objectives: list[tuple[dict[int, float], bool]],
    deadline: float,
    improve=None,
    proceed=None,
    stage_deadlines: dict[int, float] | None = None,
) -> tuple[list[_Stage], bool, list[float] | None]:
    """Solve the stages in order, each with the previous optimum fixed. Stops at the first stage
    that runs out of time; its gap (against the best solution kept) is the one reported.
    Returns the stages, whether all were proven optimal, and the best solution's values."""
    stages: list[_Stage] = []
    previous = None
    values: list[float] | None = None
    for costs, maximise in objectives:
        start = None
        if improve is not None and values is not None:
            start = improve(len(stages), values)
        # `improve` may cap a stage's time (it can tell when a stage cannot be proven)
        stage = _solve_stage(
            highs,
            costs,
            maximise=maximise,
            deadline=min(deadline, (stage_deadlines or {}).get(len(stages), math.inf)),
            fix_previous=previous,
            start=start,
        )
        if start is not None:
            values = start  # the improved start is what we keep if HiGHS finds nothing better
        if values is not None:
            kept = sum(values[j] * c for j, c in costs.items())
            # The kept values carry rounding noise (3.999999999999995 against HiGHS's 4.0):
            # only a difference beyond it means HiGHS stopped short of what we had.
            worse = stage is None or (
                stage.value < kept - _EPS if maximise else stage.value > kept + _EPS
            )
            if worse:  # the time ran out before HiGHS got back to what we already had
                bound = highs.getInfo().mip_dual_bound
                stages.append(_Stage(kept, False, _relative_gap(kept, bound), bound))
                return stages, False, values
        if stage is None:
            return stages, False, values
        values = list(highs.getSolution().col_value)
        stages.append(stage)
        if not stage.optimal:
            return stages, False, values
        previous = (costs, stage.value, maximise)
        if proceed is not None and len(stages) < len(objectives) and not proceed(stages, values):
            return stages, False, values
    return stages, True, values


# --- Slot-level aggregate model -----------------------------------------------------------------


class _SlotModel:
    """a[u,s]: tutee u meets at slot s; b[t,s]: tutor t teaches at s; n[s]: groups at s;
    f[p,s]: both of friend pair p meet at s (an upper bound on being in the same group)."""

    def __init__(self, pool: _Pool, *, pairs: bool = True) -> None:
        p = pool.problem
        m = _Model()
        self.pool = pool
        self.a: dict[tuple[int, Id], int] = {}
        self.b: dict[tuple[int, Id], int] = {}
        self.n: dict[Id, int] = {}
        self.f: dict[tuple[int, Id], int] = {}
        tutees_at: dict = defaultdict(list)
        tutors_at: dict = defaultdict(list)
        for i, u in enumerate(pool.tutees):
            for s in pool.tutee_slots(u):
                self.a[i, s] = m.var()
                tutees_at[s].append(i)
            idx = [self.a[i, s] for s in pool.tutee_slots(u)]
            m.row(idx, [1.0] * len(idx), 0, 1)
        for j, t in enumerate(pool.tutors):
            slots = pool.tutor_slots(t)
            for s in slots:
                self.b[j, s] = m.var()
                tutors_at[s].append(j)
            m.row([self.b[j, s] for s in slots], [1.0] * len(slots), 0, pool.capacity[t.id])
        for s in p.slots:
            bound = min(len(tutors_at[s]) // p.tutors_min, len(tutees_at[s]) // p.group_min)
            if bound == 0:
                continue
            self.n[s] = n = m.var(upper=bound)
            ai = [self.a[i, s] for i in tutees_at[s]]
            bj = [self.b[j, s] for j in tutors_at[s]]
            m.row([*ai, n], [1.0] * len(ai) + [-p.group_max], -math.inf, 0)
            m.row([*ai, n], [1.0] * len(ai) + [-p.group_min], 0, math.inf)
            m.row([*bj, n], [1.0] * len(bj) + [-p.tutors_max], -math.inf, 0)
            m.row([*bj, n], [1.0] * len(bj) + [-p.tutors_min], 0, math.inf)
        for s in p.slots:
            if s not in self.n:  # no group can meet here
                for i in tutees_at[s]:
                    m.upper[self.a[i, s]] = 0.0
                for j in tutors_at[s]:
                    m.upper[self.b[j, s]] = 0.0
        for k, (i, j) in enumerate(pool.pairs if pairs else ()):
            for s in p.slots:
                if (i, s) in self.a and (j, s) in self.a and s in self.n:
                    self.f[k, s] = f = m.var()
                    m.row([f, self.a[i, s]], [1.0, -1.0], -math.inf, 0)
                    m.row([f, self.a[j, s]], [1.0, -1.0], -math.inf, 0)
        self.model = m

    def improve(self, values: list[float]) -> list[float]:
        """Local search from a solution: move or swap tutees between slots (and swap a tutor
        teaching "if need be" for one who said yes) while it brings friends together or uses
        fewer "if need be" answers; slot counts stay within bounds. Handing HiGHS a start this
        good usually lets it prove the next stage at the root instead of searching for it."""
        pool, p = self.pool, self.pool.problem
        slot_of = {i: s for (i, s), c in self.a.items() if values[c] > 0.5}
        groups = {s: round(values[c]) for s, c in self.n.items()}
        size: dict = defaultdict(int)
        at: dict = defaultdict(set)
        for i, s in slot_of.items():
            size[s] += 1
            at[s].add(i)
        friends: dict = defaultdict(set)
        for i, j in pool.pairs:
            friends[i].add(j)
            friends[j].add(i)

        def worth(i, s):  # (friends there, minus an "if need be" use)
            return (
                sum(1 for j in friends[i] if slot_of.get(j) == s),
                -(s in pool.tutees[i].if_need_be),
            )

        def move_gain(i, s_from, s_to, without=None):
            slot_of.pop(i)
            if without is not None:
                saved = slot_of.pop(without)
            a, b = worth(i, s_to), worth(i, s_from)
            slot_of[i] = s_from
            if without is not None:
                slot_of[without] = saved
            return (a[0] - b[0], a[1] - b[1])

        improved = True
        rounds = 0
        while improved and rounds < 20:
            improved, rounds = False, rounds + 1
            for i in list(slot_of):
                s = slot_of[i]
                for s2 in pool.tutee_slots(pool.tutees[i]):
                    if s2 == s or groups.get(s2, 0) == 0:
                        continue
                    gain = move_gain(i, s, s2)
                    if (
                        gain > (0, 0)
                        and size[s2] < p.group_max * groups[s2]
                        and size[s] > p.group_min * groups[s]
                    ):
                        slot_of[i] = s2
                        at[s].discard(i)
                        at[s2].add(i)
                        size[s] -= 1
                        size[s2] += 1
                        improved = True
                        break
                    if gain <= (0, 0):
                        continue
                    for w in list(at[s2]):
                        if not pool.tutees[w].can_attend(s):
                            continue
                        g1 = move_gain(i, s, s2, without=w)
                        g2 = move_gain(w, s2, s, without=i)
                        total = (g1[0] + g2[0], g1[1] + g2[1])
                        if total > (0, 0):
                            slot_of[i], slot_of[w] = s2, s
                            at[s].discard(i)
                            at[s2].discard(w)
                            at[s2].add(i)
                            at[s].add(w)
                            improved = True
                            break
                    if slot_of[i] != s:
                        break
        out = list(values)
        for (i, s), c in self.a.items():
            out[c] = 1.0 if slot_of.get(i) == s else 0.0
        for (k, s), c in self.f.items():
            i, j = pool.pairs[k]
            out[c] = 1.0 if slot_of.get(i) == s and slot_of.get(j) == s else 0.0
        self._swap_tutors(out)
        return out

    def _swap_tutors(self, out: list[float]) -> None:
        pool = self.pool
        load = defaultdict(int)
        for (j, _s), c in self.b.items():
            load[j] += out[c] > 0.5
        for (j, s), c in self.b.items():
            if out[c] < 0.5 or s not in pool.tutors[j].if_need_be:
                continue
            for (j2, s2), c2 in self.b.items():
                tutor = pool.tutors[j2]
                if (
                    s2 == s
                    and out[c2] < 0.5
                    and s in tutor.available
                    and load[j2] < pool.capacity[tutor.id]
                ):
                    out[c], out[c2] = 0.0, 1.0
                    load[j] -= 1
                    load[j2] += 1
                    break

    def objectives(self) -> list[tuple[dict[int, float], bool]]:
        pool = self.pool
        inb = {}
        for (i, s), col in self.a.items():
            if s in pool.tutees[i].if_need_be:
                inb[col] = 1.0
        for (j, s), col in self.b.items():
            if s in pool.tutors[j].if_need_be:
                inb[col] = 1.0
        return [
            (dict.fromkeys(self.a.values(), 1.0), True),
            (dict.fromkeys(self.f.values(), 1.0), True),
            (inb, False),
        ]


class _CircleModel:
    """A restriction of the slot model used only to find good starting points: each friend
    circle (a connected group of friends that fits in one group) meets at one slot as a unit, or
    its members are placed with no credit for their pairs. Circles as units make the relaxation
    far tighter, so HiGHS finds "everyone with their friends" placements in a fraction of the
    time the full model needs; the full model then only has to prove them optimal."""

    def __init__(
        self, slot_model: _SlotModel, placed: float, groups_at: dict | None = None
    ) -> None:
        pool, p = slot_model.pool, slot_model.pool.problem
        self.slot_model = slot_model
        m = _Model()
        self.comps = [
            c
            for c in _components(list(range(len(pool.tutees))), pool.pairs)
            if 2 <= len(c) <= p.group_max
        ]
        circle_of = {i: k for k, c in enumerate(self.comps) for i in c}
        credit: dict = defaultdict(int)
        for i, j in pool.pairs:
            if i in circle_of and circle_of[i] == circle_of.get(j):
                credit[circle_of[i]] += 1
        live = slot_model.model.upper
        self.a = {key: m.var() for key, col in slot_model.a.items() if live[col] > 0}
        self.c: dict = {}
        for k, comp in enumerate(self.comps):
            common = set.intersection(*(set(pool.tutee_slots(pool.tutees[i])) for i in comp))
            for s in sorted(common, key=p.slots.index):
                if s in slot_model.n:
                    self.c[k, s] = m.var()
        self.b = {key: m.var() for key, col in slot_model.b.items() if live[col] > 0}
        self.n = {s: m.var(upper=slot_model.model.upper[c]) for s, c in slot_model.n.items()}
        # Group counts near those of a known solution: free counts make the search slow,
        # fixed ones keep circles from the slots they need.
        for s, count in (groups_at or {}).items():
            m.lower[self.n[s]] = float(max(0, count - 2))
            m.upper[self.n[s]] = float(min(m.upper[self.n[s]], count + 2))
        own: dict = defaultdict(list)
        for (i, _s), col in self.a.items():
            own[i].append(col)
        for (k, _s), col in self.c.items():
            for i in self.comps[k]:
                own[i].append(col)
        for cols in own.values():
            m.row(cols, [1.0] * len(cols), 0, 1)
        by_tutor: dict = defaultdict(list)
        for (j, _s), col in self.b.items():
            by_tutor[j].append(col)
        for j, cols in by_tutor.items():
            m.row(cols, [1.0] * len(cols), 0, pool.capacity[pool.tutors[j].id])
        for s, n in self.n.items():
            idx = [col for (i, s2), col in self.a.items() if s2 == s]
            val = [1.0] * len(idx)
            for (k, s2), col in self.c.items():
                if s2 == s:
                    idx.append(col)
                    val.append(float(len(self.comps[k])))
            m.row([*idx, n], [*val, -p.group_max], -math.inf, 0)
            m.row([*idx, n], [*val, -p.group_min], 0, math.inf)
            bj = [col for (j, s2), col in self.b.items() if s2 == s]
            m.row([*bj, n], [1.0] * len(bj) + [-p.tutors_max], -math.inf, 0)
            m.row([*bj, n], [1.0] * len(bj) + [-p.tutors_min], 0, math.inf)
            # A circle larger than half a group shares its group with no circle of half a group
            # or more, and two circles of exactly half fill one: Σ weights ≤ groups, so the
            # circles placed here can always be packed whole.
            idx, val = [], []
            for (k, s2), col in self.c.items():
                twice = 2 * len(self.comps[k])
                if s2 == s and twice >= p.group_max:
                    idx.append(col)
                    val.append(1.0 if twice > p.group_max else 0.5)
            m.row([*idx, n], [*val, -1.0], -math.inf, 0)
        idx = list(self.a.values()) + list(self.c.values())
        val = [1.0] * len(self.a) + [float(len(self.comps[k])) for k, _ in self.c]
        m.row(idx, val, placed - _EPS, math.inf)
        inb = {}
        for (i, s), col in self.a.items():
            if s in pool.tutees[i].if_need_be:
                inb[col] = 1.0
        for (k, s), col in self.c.items():
            inb[col] = float(sum(s in pool.tutees[i].if_need_be for i in self.comps[k]))
        for (j, s), col in self.b.items():
            if s in pool.tutors[j].if_need_be:
                inb[col] = 1.0
        self.objectives = [
            ({col: float(credit[k]) for (k, _s), col in self.c.items()}, True),
            (inb, False),
        ]
        self.model = m

    def starts(self, deadline: float) -> list[list[float]]:
        """Full-model solutions after each of this model's stages (pairs, then if need be)."""
        highs = self.model.build()
        out = []
        previous = None
        for costs, maximise in self.objectives:
            stage = _solve_stage(
                highs, costs, maximise=maximise, deadline=deadline, fix_previous=previous
            )
            if stage is None:
                break
            out.append(self._as_full(highs.getSolution().col_value))
            if not stage.optimal:
                break
            previous = (costs, stage.value, maximise)
        return out

    def _as_full(self, values) -> list[float]:
        sm = self.slot_model
        full = [0.0] * len(sm.model.lower)
        slot_of = {}
        for key, col in self.a.items():
            if values[col] > 0.5:
                slot_of[key[0]] = key[1]
        for (k, s), col in self.c.items():
            if values[col] > 0.5:
                for i in self.comps[k]:
                    slot_of[i] = s
        for i, s in slot_of.items():
            full[sm.a[i, s]] = 1.0
        for key, col in self.b.items():
            full[sm.b[key]] = 1.0 if values[col] > 0.5 else 0.0
        for s, col in self.n.items():
            full[sm.n[s]] = float(round(values[col]))
        for (q, s), col in sm.f.items():
            i, j = sm.pool.pairs[q]
            full[col] = 1.0 if slot_of.get(i) == s and slot_of.get(j) == s else 0.0
        return full


def _value_of(values, objectives, stage: int) -> tuple:
    """A solution's objectives up to `stage`, larger is better (for picking a start)."""
    out = []
    for costs, maximise in objectives[: stage + 1]:
        v = sum(values[j] * c for j, c in costs.items())
        out.append(v if maximise else -v)
    return tuple(out)


def _split_slot(pool: _Pool, slot: Id, tutees: list[int], tutors: list[int], n: int, deadline):
    """Split one slot's tutees into n groups keeping as many friend pairs as possible, and its
    tutors into n teams. Returns (groups, friend pairs kept)."""
    p = pool.problem
    members = set(tutees)
    pairs = [(i, j) for i, j in pool.pairs if i in members and j in members]
    bins = _pack_components(tutees, pairs, n, p.group_min, p.group_max)
    if bins is None:
        bins = _pack_search(tutees, pairs, n, p.group_min, p.group_max)
    if bins is None or _pairs_in(bins, pairs) < _max_pairs_possible(tutees, pairs, p.group_max):
        exact = _split_exact(tutees, pairs, n, p.group_min, p.group_max, deadline)
        if exact is not None and (bins is None or _pairs_in(exact, pairs) > _pairs_in(bins, pairs)):
            bins = exact
    if bins is None:  # out of time: balanced sizes, friend circles kept next to each other
        order = [i for comp in _components(tutees, pairs) for i in comp]
        sizes = [len(order) // n + (k < len(order) % n) for k in range(n)]
        bins, start = [], 0
        for size in sizes:
            bins.append(order[start : start + size])
            start += size
    teams = _split_tutors([pool.tutors[j] for j in tutors], n, p.tutors_min, p.tutors_max)
    groups = [
        Group(
            slot,
            tuple(t.id for t in team),
            tuple(pool.tutees[i].id for i in sorted(b)),
        )
        for team, b in zip(teams, bins, strict=True)
    ]
    return groups, _pairs_in(bins, pairs)


def _pairs_in(bins: list[list[int]], pairs: list[tuple[int, int]]) -> int:
    where = {i: k for k, b in enumerate(bins) for i in b}
    return sum(1 for i, j in pairs if where[i] == where[j])


def _components(items: list[int], pairs: list[tuple[int, int]]) -> list[list[int]]:
    parent = {i: i for i in items}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        parent[find(i)] = find(j)
    comps: dict = defaultdict(list)
    for i in items:
        comps[find(i)].append(i)
    return sorted(comps.values(), key=lambda c: (-len(c), c[0]))


def _max_pairs_possible(items, pairs, group_max) -> int:
    """All pairs, unless a friend circle is larger than a group (then the packing can't tell)."""
    comps = _components(items, pairs)
    if any(len(c) > group_max for c in comps):
        return len(pairs) + 1  # forces the exact split
    return len(pairs)


def _pack_components(items, pairs, n, low, high) -> list[list[int]] | None:
    """Worst-fit decreasing of friend circles into n groups; None if a group ends out of bounds."""
    bins: list[list[int]] = [[] for _ in range(n)]
    for comp in _components(items, pairs):
        if len(comp) > high:
            return None
        k = min(range(n), key=lambda b: (len(bins[b]), b))
        if len(bins[k]) + len(comp) > high:
            return None
        bins[k].extend(comp)
    if any(not low <= len(b) <= high for b in bins):
        return None
    return bins


def _pack_search(items, pairs, n, low, high, node_limit: int = 20000):
    """Depth-first packing of whole friend circles into n groups of low..high (bins with equal
    loads are tried once). None when no packing exists or the search gives up."""
    comps = _components(items, pairs)
    sizes = [len(c) for c in comps]
    if any(size > high for size in sizes) or not n * low <= sum(sizes) <= n * high:
        return None
    suffix = [sum(sizes[k:]) for k in range(len(sizes) + 1)]
    loads = [0] * n
    where = [0] * len(comps)
    nodes = 0

    def dfs(k: int) -> bool:
        nonlocal nodes
        nodes += 1
        if nodes > node_limit:
            return False
        if k == len(comps):
            return all(load >= low for load in loads)
        if sum(max(0, low - load) for load in loads) > suffix[k]:
            return False
        tried = set()
        for b in range(n):
            if loads[b] in tried or loads[b] + sizes[k] > high:
                continue
            tried.add(loads[b])
            loads[b] += sizes[k]
            where[k] = b
            if dfs(k + 1):
                return True
            loads[b] -= sizes[k]
        return False

    if not dfs(0):
        return None
    bins: list[list[int]] = [[] for _ in range(n)]
    for comp, b in zip(comps, where, strict=True):
        bins[b].extend(comp)
    return bins


def _split_exact(items, pairs, n, low, high, deadline) -> list[list[int]] | None:
    """Partition items into n groups of size low..high maximising pairs kept (small MIP)."""
    if time.perf_counter() > deadline:
        return None
    m = _Model()
    x = {(i, k): m.var() for pos, i in enumerate(items) for k in range(min(n, pos + 1))}
    for i in items:
        ks = [x[i, k] for k in range(n) if (i, k) in x]
        m.row(ks, [1.0] * len(ks), 1, 1)
    for k in range(n):
        col = [x[i, k] for i in items if (i, k) in x]
        m.row(col, [1.0] * len(col), low, high)
    z = {}
    for q, (i, j) in enumerate(pairs):
        for k in range(n):
            if (i, k) in x and (j, k) in x:
                z[q, k] = v = m.var()
                m.row([v, x[i, k]], [1.0, -1.0], -math.inf, 0)
                m.row([v, x[j, k]], [1.0, -1.0], -math.inf, 0)
    highs = m.build()
    stage = _solve_stage(highs, dict.fromkeys(z.values(), 1.0), maximise=True, deadline=deadline)
    if stage is None:
        return None
    values = highs.getSolution().col_value
    bins: list[list[int]] = [[] for _ in range(n)]
    for (i, k), col in x.items():
        if values[col] > 0.5:
            bins[k].append(i)
    return bins


def _split_tutors(tutors: list[Tutor], n: int, low: int, high: int) -> list[list[Tutor]]:
    """Give each group `low` tutors, then the rest one by one; tutors who asked for a co-tutor
    are seated first so the extra tutors join them."""
    ordered = sorted(tutors, key=lambda t: (not t.wants_co_tutor, str(t.id)))
    teams: list[list[Tutor]] = [[] for _ in range(n)]
    rest = list(ordered)
    for k in range(n):
        for _ in range(low):
            teams[k].append(rest.pop(0))
    k = 0
    while rest:
        if len(teams[k]) < high:
            teams[k].append(rest.pop(0))
        k = (k + 1) % n
    return teams


def _solve_by_slots(pool: _Pool, deadline: float) -> _Outcome:
    model = _SlotModel(pool)
    highs = model.model.build()
    objectives = model.objectives()
    circle_starts: list[list[list[float]]] = []

    hopeless = False
    stage_deadlines: dict[int, float] = {}
    piece_bound = None
    guided: list[list[Group]] = []  # groups that follow the piece relaxation (tight programmes)

    def improve(stage: int, values: list[float]) -> list[float]:
        nonlocal hopeless, piece_bound
        if stage == 1 and pool.pairs and _tight(model, values):
            # Splitting slots into groups will lose many pairs (friends at one slot form webs
            # larger than a group): the slot-level bound is far too high, so the friend-piece
            # bound comes first, with up to PIECE_LP_SHARE of the time left; the friend-pair
            # stage cannot be proven and only yields a frame for the groups, so it gets 60 % of
            # the rest
            # (the local search the remainder); circles (friends who fit in one group) are too
            # few here to be worth their models.
            hopeless = True
            placed = sum(values[c] for c in objectives[0][0])
            budget = time.perf_counter() + PIECE_LP_SHARE * (deadline - time.perf_counter())
            relaxation = _piece_relaxation(pool, placed, budget)
            share = 0.6
            if relaxation is not None:
                # The LP's frame is the better start for the groups: the friend-pair stage
                # gets less time, the annealing more.
                piece_bound, weights = relaxation
                budget = time.perf_counter() + 0.2 * (deadline - time.perf_counter())
                frame = _guided_frame(pool, placed, weights, budget)
                if frame is not None:
                    guided.append(frame)
                    share = 0.05
            stage_deadlines[1] = time.perf_counter() + share * (deadline - time.perf_counter())
            return model.improve(values)
        if stage == 1 and pool.pairs:
            placed = sum(values[c] for c in objectives[0][0])
            # Free group counts often find the best circles fast but sometimes stall; counts
            # near stage 1's are the reliable second try.
            for groups_at, share in (
                (None, 0.3),
                ({s: round(values[c]) for s, c in model.n.items()}, 0.5),
            ):
                budget = time.perf_counter() + share * (deadline - time.perf_counter())
                circle_starts.append(_CircleModel(model, placed, groups_at).starts(budget))
        candidates = [model.improve(values)]
        for starts in circle_starts:
            if len(starts) >= stage:
                circles = starts[stage - 1]
                candidates[:0] = [circles, model.improve(circles)]  # ties prefer circles
        return max(candidates, key=lambda v: _value_of(v, objectives, stage))

    def proceed(stages: list[_Stage], values: list[float]) -> bool:
        """After the friend-pair stage: when splitting the slots into groups loses more than
        3 % of the pairs the slot-level bound counts (friends at one slot in different groups:
        tight instances, many friend links), no split can prove the answer, and the "if need be"
        stage would only spend the time; it goes to improving the groups instead."""
        nonlocal hopeless
        if len(stages) != 2 or hopeless:
            return not hopeless
        candidates = [values, *(c for starts in circle_starts for c in starts)]
        kept = max(
            _realise(model, c, 0.0)[1]
            for c in candidates
            if _value_of(c, objectives, 0) >= _value_of(values, objectives, 0)
        )
        hopeless = (
            kept < 0.97 * stages[1].value - 1
            and _instance_model_size(pool) > HOPELESS_INSTANCE_COLUMNS
        )
        return not hopeless

    # Keep some time to split slots into groups.
    reserve = min(1.0, 0.1 * pool.problem.time_limit_s)
    stages, complete, values = _lexicographic(
        highs,
        objectives,
        deadline - reserve,
        improve=improve,
        proceed=proceed,
        stage_deadlines=stage_deadlines,
    )
    if values is None:
        return _Outcome([], False, 1.0)
    # Several slot-level solutions may be equally good; the one whose split into groups keeps
    # most pairs wins (circle starts are built to split well). Exact splits only for the winner.
    best = None
    for candidate in [values, *(start for starts in circle_starts for start in reversed(starts))]:
        if _value_of(candidate, objectives, 0) < _value_of(values, objectives, 0):
            continue
        groups, kept = _realise(model, candidate, 0.0)
        score = (kept, -sum(candidate[c] for c in objectives[2][0]))
        if best is None or score > best[0]:
            best = (score, groups, candidate)
    (kept, minus_inb), groups, chosen = best
    if len(stages) > 1 and kept < round(stages[1].value) and not hopeless:
        groups, kept = _realise(model, chosen, deadline)
    bound = stages[1].bound if len(stages) > 1 else None
    optimal = complete and bound is not None and kept >= round(bound)
    gap = stages[-1].gap  # the stage that ran out of time, if any
    if len(stages) > 1 and bound is not None:  # the split into groups may lose pairs too
        gap = max(gap, _relative_gap(kept, bound))
    if complete and len(stages) == 3 and -minus_inb > stages[2].value + _EPS:
        optimal = False
        if kept >= round(bound):  # all pairs kept, but more "if need be" than the optimum
            gap = max(gap, _relative_gap(-minus_inb, stages[2].value))
    return _Outcome(
        groups,
        optimal,
        gap,
        pairs_bound=bound,
        stages=stages,
        hopeless=hopeless,
        piece_bound=piece_bound,
        starts=guided,
    )


def _tight(model: _SlotModel, values: list[float]) -> bool:
    """Whether friend links are so many that splitting slots into groups must lose pairs: few
    friend pairs lie inside circles that fit in one group, and splitting the placing stage's
    solution (improved for pairs) keeps under 97 % of the pairs it has at each slot. Only
    programmes too large for the exact instance model to settle count."""
    pool = model.pool
    if _instance_model_size(pool) <= HOPELESS_INSTANCE_COLUMNS:
        return False
    circles = [
        set(c)
        for c in _components(list(range(len(pool.tutees))), pool.pairs)
        if len(c) <= pool.problem.group_max
    ]
    inside = sum(1 for i, j in pool.pairs for c in circles if i in c and j in c)
    if inside > 0.5 * len(pool.pairs):
        return False
    start = model.improve(values)
    at_slots = sum(start[c] for c in model.f.values())
    return _realise(model, start, 0.0)[1] < 0.97 * at_slots - 1


def _realise(model: _SlotModel, values: list[float], deadline: float):
    """Split each slot of a slot-level solution into groups; returns (groups, pairs kept)."""
    pool = model.pool
    groups: list[Group] = []
    kept = 0
    for s, col in model.n.items():
        n = round(values[col])
        if n == 0:
            continue
        tutees = [i for (i, slot), c in model.a.items() if slot == s and values[c] > 0.5]
        tutors = [j for (j, slot), c in model.b.items() if slot == s and values[c] > 0.5]
        # Any group count the slot's tutees and tutors allow will do; fewer, larger groups
        # hold friend circles more easily, so try from the fewest.
        p = pool.problem
        low = max(-(-len(tutees) // p.group_max), -(-len(tutors) // p.tutors_max))
        high = min(len(tutees) // p.group_min, len(tutors) // p.tutors_min)
        best = None
        for count in [*range(low, high + 1), n] if low <= high else [n]:
            split = _split_slot(pool, s, tutees, tutors, count, 0.0)
            if best is None or split[1] > best[1]:
                best = split
            if split[1] >= _pairs_among(pool, tutees):
                break
        if best[1] < _pairs_among(pool, tutees) and time.perf_counter() < deadline:
            exact = _split_slot(pool, s, tutees, tutors, n, deadline)
            best = exact if exact[1] > best[1] else best
        groups.extend(best[0])
        kept += best[1]
    return groups, kept


def _pairs_among(pool: _Pool, tutees: list[int]) -> int:
    members = set(tutees)
    return sum(1 for i, j in pool.pairs if i in members and j in members)


# --- Group-instance model (exact) ---------------------------------------------------------------


class _InstanceModel:
    """o[s,k]: candidate group k at slot s is formed (o[s,k] >= o[s,k+1]); y[t,s,k], x[u,s,k]:
    tutor/tutee in it; z[p,s,k] <= x[u,s,k], x[v,s,k]: friend pair p together in it.

    Symmetry: groups at one slot are interchangeable, so we order them by their lowest-ranked
    tutor: the r-th tutor available at a slot may only sit in candidate groups 0..r."""

    def __init__(self, pool: _Pool) -> None:
        p = pool.problem
        m = _Model()
        self.pool = pool
        self.o: dict = {}
        self.x: dict = {}
        self.y: dict = {}
        self.z: dict = {}
        tutors_at = {
            s: [j for j, t in enumerate(pool.tutors) if s in pool.tutor_slots(t)] for s in p.slots
        }
        tutees_at = {s: [i for i, u in enumerate(pool.tutees) if u.can_attend(s)] for s in p.slots}
        for s in p.slots:
            bound = min(len(tutors_at[s]) // p.tutors_min, len(tutees_at[s]) // p.group_min)
            for k in range(bound):
                self.o[s, k] = m.var()
                for rank, j in enumerate(tutors_at[s]):
                    if k <= rank:
                        self.y[j, s, k] = m.var()
                for i in tutees_at[s]:
                    self.x[i, s, k] = m.var()
            for k in range(bound - 1):
                m.row([self.o[s, k], self.o[s, k + 1]], [1.0, -1.0], 0, math.inf)
            for k in range(bound):
                o = self.o[s, k]
                xs = [self.x[i, s, k] for i in tutees_at[s]]
                ys = [self.y[j, s, k] for j in tutors_at[s] if (j, s, k) in self.y]
                m.row([*xs, o], [1.0] * len(xs) + [-p.group_max], -math.inf, 0)
                m.row([*xs, o], [1.0] * len(xs) + [-p.group_min], 0, math.inf)
                m.row([*ys, o], [1.0] * len(ys) + [-p.tutors_max], -math.inf, 0)
                m.row([*ys, o], [1.0] * len(ys) + [-p.tutors_min], 0, math.inf)
        by_tutee: dict = defaultdict(list)
        for (i, _s, _k), col in self.x.items():
            by_tutee[i].append(col)
        for cols in by_tutee.values():
            m.row(cols, [1.0] * len(cols), 0, 1)
        by_tutor: dict = defaultdict(list)
        by_tutor_slot: dict = defaultdict(list)
        for (j, s, _k), col in self.y.items():
            by_tutor[j].append(col)
            by_tutor_slot[j, s].append(col)
        for j, cols in by_tutor.items():
            m.row(cols, [1.0] * len(cols), 0, pool.capacity[pool.tutors[j].id])
        for cols in by_tutor_slot.values():
            m.row(cols, [1.0] * len(cols), 0, 1)
        for q, (i, j) in enumerate(pool.pairs):
            for s, k in self.o:
                if (i, s, k) in self.x and (j, s, k) in self.x:
                    self.z[q, s, k] = z = m.var()
                    m.row([z, self.x[i, s, k]], [1.0, -1.0], -math.inf, 0)
                    m.row([z, self.x[j, s, k]], [1.0, -1.0], -math.inf, 0)
        self.model = m

    def objectives(self) -> list[tuple[dict[int, float], bool]]:
        pool = self.pool
        inb = {}
        for (i, s, _k), col in self.x.items():
            if s in pool.tutees[i].if_need_be:
                inb[col] = 1.0
        for (j, s, _k), col in self.y.items():
            if s in pool.tutors[j].if_need_be:
                inb[col] = 1.0
        return [
            (dict.fromkeys(self.x.values(), 1.0), True),
            (dict.fromkeys(self.z.values(), 1.0), True),
            (inb, False),
        ]

    def groups(self, values) -> list[Group]:
        out = []
        for (s, k), col in self.o.items():
            if values[col] < 0.5:
                continue
            tutors = [
                self.pool.tutors[j].id
                for (j, s2, k2), c in self.y.items()
                if (s2, k2) == (s, k) and values[c] > 0.5
            ]
            tutees = [
                self.pool.tutees[i].id
                for (i, s2, k2), c in self.x.items()
                if (s2, k2) == (s, k) and values[c] > 0.5
            ]
            out.append(Group(s, tuple(tutors), tuple(tutees)))
        return out


def _solve_by_instances(pool: _Pool, deadline: float) -> _Outcome:
    model = _InstanceModel(pool)
    highs = model.model.build()
    stages, complete, values = _lexicographic(highs, model.objectives(), deadline)
    if values is None:
        return _Outcome([], False, 1.0)
    groups = model.groups(values)
    bound = stages[1].value if len(stages) > 1 else None
    return _Outcome(groups, complete, stages[-1].gap, pairs_bound=bound, stages=stages)


# --- Friend-piece bound (tight instances) ---------------------------------------------------------


# The piece relaxation's LP grows with the connected friend sets it lists; beyond this many it
# does not solve in a time anyone waits for on a small machine, and is not tried.
MAX_PIECES = 80_000


def _connected_sets(nodes: set[int], adj: dict, largest: int) -> list[frozenset[int]]:
    """Every connected set of 2..largest people of the friend graph on `nodes`, each once (grown
    from its lowest member; a person joins only from outside the set's neighbourhood so far)."""
    out: list[frozenset[int]] = []

    def grow(members: frozenset[int], seen: set[int], frontier: list[int], root: int) -> None:
        if len(members) >= 2:
            out.append(members)
        if len(members) == largest:
            return
        frontier = list(frontier)
        while frontier:
            v = frontier.pop()
            new = [w for w in adj[v] if w in nodes and w > root and w not in seen]
            grow(members | {v}, seen | set(new), frontier + new, root)

    for root in sorted(nodes):
        first = [w for w in adj[root] if w in nodes and w > root]
        grow(frozenset([root]), {root, *first}, first, root)
    return out


def _shared_slot_pairs(pool: _Pool) -> float:
    """Friend pairs with a slot both can attend: a bound on the pairs in any groups."""
    slots = [set(pool.tutee_slots(u)) for u in pool.tutees]
    return float(sum(1 for i, j in pool.pairs if slots[i] & slots[j]))


def _piece_bound(pool: _Pool, placed: float, deadline: float) -> float | None:
    """The friend-piece bound alone (see `_piece_relaxation`)."""
    relaxation = _piece_relaxation(pool, placed, deadline)
    return None if relaxation is None else relaxation[0]


def _piece_relaxation(
    pool: _Pool, placed: float, deadline: float
) -> tuple[float, dict[tuple, float]] | None:
    """An upper bound on friend pairs in groups when `placed` tutees (the proven most) are
    placed, far tighter than the slot-level one when friend links are many.

    In any allocation, the friends within one group fall into connected "pieces" of at most
    group_max people, and the pairs kept are the links inside the pieces. So the LP relaxation
    of: the slot model's tutees, tutors and group counts, plus a variable per connected set P of
    at most group_max tutees at a slot s (`Σ_{P∋u} λ[P,s] ≤ a[u,s]`; a piece larger than half a
    group shares its group with no such piece, and two of exactly half fill it: `Σ weights ≤
    n[s]`; a piece of group_max fills its group alone), maximising `Σ links(P)·λ[P,s]`, bounds
    the pairs. Returns the bound and the LP's values of tutees and tutors at slots (keyed
    ("a", tutee, slot) and ("b", tutor, slot), for `_guided_frame`), or None when the pieces are
    too many or the LP is not solved by the deadline."""
    p = pool.problem
    adj: dict = defaultdict(set)
    for i, j in pool.pairs:
        adj[i].add(j)
        adj[j].add(i)
    slot_model = _SlotModel(pool, pairs=False)
    m = slot_model.model
    pieces = []
    for s in slot_model.n:
        here = {i for (i, s2), c in slot_model.a.items() if s2 == s and m.upper[c] > 0}
        pieces += [(piece, s) for piece in _connected_sets(here, adj, p.group_max)]
        if len(pieces) > MAX_PIECES or time.perf_counter() > deadline:
            return None
    if not pieces:  # no two friends can meet at all
        return 0.0, {}
    cover: dict = defaultdict(list)
    heavy: dict = defaultdict(list)
    full: dict = defaultdict(list)
    costs = {}
    for piece, s in pieces:
        col = m.var(integer=False)
        costs[col] = float(sum(len(adj[i] & piece) for i in piece) // 2)
        for i in piece:
            cover[i, s].append(col)
        if 2 * len(piece) >= p.group_max:
            heavy[s].append((col, 1.0 if 2 * len(piece) > p.group_max else 0.5))
        if len(piece) == p.group_max:
            full[s].append(col)
    for s, n_col in slot_model.n.items():
        # A piece of a whole group's size fills its group alone; the other groups still need
        # group_min each: Σ a ≥ group_min·n + (group_max − group_min)·(full pieces).
        ai = [c for (_i, s2), c in slot_model.a.items() if s2 == s]
        m.row(
            [*ai, n_col, *full[s]],
            [1.0] * len(ai) + [-p.group_min] + [-(p.group_max - p.group_min)] * len(full[s]),
            0,
            math.inf,
        )
    for (i, s), cols in cover.items():
        m.row([*cols, slot_model.a[i, s]], [1.0] * len(cols) + [-1.0], -math.inf, 0)
    for s, weighted in heavy.items():
        m.row(
            [c for c, _ in weighted] + [slot_model.n[s]],
            [w for _, w in weighted] + [-1.0],
            -math.inf,
            0,
        )
    placed_cols = list(slot_model.a.values())
    m.row(placed_cols, [1.0] * len(placed_cols), placed - _EPS, math.inf)
    m.integer = []  # the LP relaxation: a bound, solved in seconds
    highs = m.build()
    for key, value in PIECE_LP_OPTIONS.items():
        highs.setOptionValue(key, value)
    columns = np.array(list(costs), dtype=np.int32)
    sizes = np.array([len(piece) for piece, _ in pieces], dtype=np.float64)
    member_of = np.repeat(np.arange(len(pieces)), sizes.astype(np.int64))
    members = np.array([i for piece, _ in pieces for i in piece], dtype=np.int64)
    by_member = np.argsort(members, kind="stable")
    firsts = np.flatnonzero(np.diff(members[by_member], prepend=-1))
    priced = _Pieces(columns, sizes, member_of, members, by_member, firsts)
    # Above PIECES_AT_ONCE pieces, the LP starts from the small pieces only and takes in the
    # others whose reduced cost is positive, round by round (column generation); every round's
    # duals give a proven bound over all pieces (`_dual_bound`), so it may stop at any round.
    active = np.ones(len(pieces), dtype=bool)
    if len(pieces) > PIECES_AT_ONCE:
        active = sizes <= PIECE_START_SIZE
    best, weights = math.inf, None
    while True:
        highs.changeColsBounds(
            len(columns), columns, np.zeros(len(columns)), active.astype(np.float64)
        )
        _solve_stage(highs, costs, maximise=True, deadline=deadline)
        found = _dual_bound(highs, priced)
        if found is None:
            break
        bound, reduced = found
        if bound < best:
            best = bound
            lp = highs.getSolution().col_value
            weights = {("a", *key): lp[c] for key, c in slot_model.a.items()}
            weights.update({("b", *key): lp[c] for key, c in slot_model.b.items()})
        entering = np.flatnonzero(~active & (reduced > 1e-6))
        # The restricted LP's value is (nearly) a lower bound on the whole LP's: once the bound
        # rounds down to it, more pieces cannot lower the whole pairs it proves.
        restricted = highs.getInfo().objective_function_value
        done = math.floor(best + _EPS) <= math.floor(restricted + _EPS)
        if not len(entering) or done or time.perf_counter() > deadline:
            break
        if len(entering) > PIECES_PER_ROUND:  # the most promising only: the LP stays small
            entering = entering[np.argsort(-reduced[entering])[:PIECES_PER_ROUND]]
        active[entering] = True
    if weights is None or not math.isfinite(best):
        return None
    return float(math.floor(best + _EPS)), weights  # pairs are whole


# The share of the time left after the placing stage that the piece LP may take on tight
# programmes (it stops sooner when its bound cannot fall further: 150 and 300 tutees take 1–3 s
# of it). At 600 tutees, load 6: 0.4 gave bound 558 (the first round), 0.6 558 or 523, 0.7 523
# twice, with the groups found no worse (492–499 pairs).
PIECE_LP_SHARE = 0.7
# Piece LPs up to this many columns are solved whole; larger ones by column generation from the
# pieces of at most PIECE_START_SIZE tutees.
PIECES_AT_ONCE = 30_000
PIECE_START_SIZE = 3
PIECES_PER_ROUND = 4_000
# Interior point without crossover and a loose tolerance: the bound is computed from its duals
# by `_dual_bound` and proven whatever their accuracy (300 tutees, tight family: 2 s instead of
# 6 s at load 6.5, the same bound).
PIECE_LP_OPTIONS: dict = {"solver": "ipm", "run_crossover": "off", "ipm_optimality_tolerance": 1e-3}


@dataclass
class _Pieces:
    """The piece columns of a piece LP, for `_dual_bound`: column ids, sizes, and (piece index,
    tutee) for each member."""

    columns: np.ndarray
    sizes: np.ndarray
    member_of: np.ndarray
    members: np.ndarray
    # The member entries sorted by tutee, and where each tutee's run starts (for reduceat)
    by_member: np.ndarray | None = None
    firsts: np.ndarray | None = None
    # The LP's matrix as (column, row, value) per entry, read once (the rounds keep it)
    matrix: tuple | None = None


def _dual_bound(highs: highspy.Highs, pieces: _Pieces | None = None):
    """A proven upper bound on a maximising LP whose columns all have finite bounds, from
    whatever row duals HiGHS holds (optimal or not): for any multipliers y,
    c·x = y·Ax + (c − Aᵀy)·x ≤ Σ_r max(y_r·L_r, y_r·U_r) + Σ_j max(d_j·l_j, d_j·u_j), where a
    multiplier whose row side is infinite is taken as zero. Both sign conventions are tried and
    the smaller bound kept (each is valid).

    With `pieces`, the piece columns count with their true bounds [0, 1] whatever the LP's
    (column generation fixes the ones not taken in at 0), and also, tutee by tutee: since each
    tutee is in pieces of total weight at most one (`Σ_{s, P∋u} λ[P,s] ≤ Σ_s a[u,s] ≤ 1`),
    `Σ_P d_P·λ_P ≤ Σ_u max_{P∋u} max(d_P, 0)/|P|`; the smaller of the two is used. Returns
    (bound, the pieces' reduced costs) for the multipliers that give the bound, or None when
    HiGHS has no duals."""
    solution = highs.getSolution()
    if not solution.dual_valid:
        return None
    return _bound_from_duals(highs.getLp(), np.asarray(solution.row_dual), pieces)


def _bound_from_duals(lp: highspy.HighsLp, row_dual: np.ndarray, pieces: _Pieces | None):
    """`_dual_bound` for given row multipliers (any: the bound holds for all)."""
    cost = np.asarray(lp.col_cost_, dtype=np.float64)
    lower = np.asarray(lp.col_lower_, dtype=np.float64)
    upper = np.array(lp.col_upper_, dtype=np.float64)
    row_lo, row_hi = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    in_piece = np.zeros(len(cost), dtype=bool)
    if pieces is not None:
        upper[pieces.columns] = 1.0
        in_piece[pieces.columns] = True
    if not (np.isfinite(lower).all() and np.isfinite(upper).all()):
        return None
    if pieces is not None and pieces.matrix is not None:
        col_of, row_of, value = pieces.matrix
    else:
        # Reading the matrix out of HiGHS builds Python lists (0.1 s at 500,000 entries); column
        # generation only changes column bounds, so its rounds read it once.
        start = np.asarray(lp.a_matrix_.start_, dtype=np.int64)
        index = np.asarray(lp.a_matrix_.index_, dtype=np.int64)
        value = np.asarray(lp.a_matrix_.value_, dtype=np.float64)
        if lp.a_matrix_.format_ == highspy.MatrixFormat.kColwise:
            col_of, row_of = np.repeat(np.arange(len(cost)), np.diff(start)), index
        else:
            col_of, row_of = index, np.repeat(np.arange(len(row_lo)), np.diff(start))
        if pieces is not None:
            pieces.matrix = (col_of, row_of, value)
    best, best_reduced = math.inf, None
    for sign in (1.0, -1.0):
        y = sign * np.asarray(row_dual, dtype=np.float64)
        y[(y > 0) & ~np.isfinite(row_hi)] = 0.0
        y[(y < 0) & ~np.isfinite(row_lo)] = 0.0
        d = cost - np.bincount(col_of, weights=value * y[row_of], minlength=len(cost))
        rows = np.where(y > 0, y * np.where(np.isfinite(row_hi), row_hi, 0.0), 0.0)
        rows += np.where(y < 0, y * np.where(np.isfinite(row_lo), row_lo, 0.0), 0.0)
        cols = np.where(d > 0, d * upper, d * lower)
        total = float(rows.sum() + cols[~in_piece].sum())
        reduced = None
        if pieces is not None:
            reduced = d[pieces.columns]
            gain = np.maximum(reduced, 0.0)
            share = (gain / pieces.sizes)[pieces.member_of]
            if pieces.by_member is not None and len(share):
                per_tutee = np.maximum.reduceat(share[pieces.by_member], pieces.firsts)
            else:
                per_tutee = np.zeros(int(pieces.members.max(initial=-1)) + 1)
                np.maximum.at(per_tutee, pieces.members, share)
            total += min(float(gain.sum()), float(np.maximum(per_tutee, 0.0).sum()))
        if total < best:
            best, best_reduced = total, reduced
    return (best, best_reduced) if math.isfinite(best) else None


def _guided_frame(pool: _Pool, placed: float, weights: dict, deadline: float) -> list[Group] | None:
    """Groups that follow the piece relaxation's LP: the slot model with the most tutees
    placed, maximising agreement with the LP's tutees at each slot (and, less, its tutors),
    split into groups slot by slot. Annealing from these frames finds far more pairs on tight
    programmes than from the friend-pair stage's or greedy's (300 tutees: 249 pairs in 3 s
    against 236–238). None when HiGHS finds nothing by the deadline."""
    model = _SlotModel(pool, pairs=False)
    m = model.model
    placed_cols = list(model.a.values())
    m.row(placed_cols, [1.0] * len(placed_cols), placed - _EPS, math.inf)
    costs = {c: weights.get(("a", *key), 0.0) for key, c in model.a.items()}
    costs.update({c: 0.2 * weights.get(("b", *key), 0.0) for key, c in model.b.items()})
    highs = m.build()
    if _solve_stage(highs, costs, maximise=True, deadline=deadline) is None:
        return None
    return _realise(model, list(highs.getSolution().col_value), 0.0)[0]


# --- Greedy baseline and group-level local search -------------------------------------------------


def _greedy(pool: _Pool) -> list[Group]:
    """Tutors with the fewest slots first take, at their busiest slot, the largest group of
    unplaced tutees who can come, friends of those already chosen first (the benchmark's
    baseline; also a start the solver's answer is never worse than)."""
    p = pool.problem
    friends: dict = defaultdict(set)
    for i, j in pool.pairs:
        friends[i].add(j)
        friends[j].add(i)
    free = set(range(len(pool.tutees)))
    load: dict = defaultdict(int)
    busy: dict = defaultdict(set)
    groups: list[Group] = []
    order = sorted(range(len(pool.tutors)), key=lambda j: len(pool.tutor_slots(pool.tutors[j])))
    for j in order:
        tutor = pool.tutors[j]
        while load[j] < pool.capacity[tutor.id]:
            best = None
            for slot in pool.tutor_slots(tutor):
                if slot in busy[j]:
                    continue
                can = [i for i in sorted(free) if pool.tutees[i].can_attend(slot)]
                if len(can) >= p.group_min and (best is None or len(can) > len(best[1])):
                    best = (slot, can)
            if best is None:
                break
            slot, can = best
            team = [j]
            for j2 in order:  # co-tutors only when a group needs more than one
                if len(team) >= p.tutors_min:
                    break
                other = pool.tutors[j2]
                if (
                    j2 != j
                    and slot in pool.tutor_slots(other)
                    and slot not in busy[j2]
                    and load[j2] < pool.capacity[other.id]
                ):
                    team.append(j2)
            if len(team) < p.tutors_min:
                busy[j].add(slot)
                continue
            chosen: list[int] = []
            left = set(can)
            while len(chosen) < p.group_max and left:
                pick = next((v for c in chosen for v in sorted(friends[c]) if v in left), min(left))
                chosen.append(pick)
                left.discard(pick)
            free -= set(chosen)
            for t in team:
                busy[t].add(slot)
                load[t] += 1
            groups.append(
                Group(
                    slot,
                    tuple(pool.tutors[t].id for t in team),
                    tuple(pool.tutees[i].id for i in chosen),
                )
            )
    return groups


def greedy_groups(problem: Problem) -> list[Group]:
    """The greedy baseline's groups (pinned groups kept): valid, fast, far from optimal."""
    return [*problem.pinned, *_greedy(_Pool.of(problem))]


def _local_search(
    pool: _Pool, groups: list[Group], deadline: float, *, kicks: int | None = None
) -> list[Group]:
    """Improve a set of groups without changing their slots or tutors: first place unplaced tutees
    in groups with room, then bring friends together (and use fewer "if need be" answers) by
    moving a tutee to another group, swapping two tutees, or swapping a placed tutee for an
    unplaced one, while that gains. Only groups holding a friend are tried, and after a change
    only the tutees it touched are looked at again. Until the deadline, random kicks (a few
    moves and swaps regardless of gain) followed by the same descent search for better local
    optima; the best groups seen are returned (seeded, so the same input gives the same answer).
    `kicks` caps the rounds of kicks (tests give an infinite deadline and a cap)."""
    p = pool.problem
    index = {u.id: i for i, u in enumerate(pool.tutees)}
    friends: dict = defaultdict(set)
    for i, j in pool.pairs:
        friends[i].add(j)
        friends[j].add(i)
    members = [{index[u] for u in g.tutees} for g in groups]
    where = {i: k for k, m in enumerate(members) for i in m}
    slot = [g.slot for g in groups]
    options = [  # the groups each tutee could join
        [k for k in range(len(groups)) if u.can_attend(slot[k])] for u in pool.tutees
    ]

    def inb(i: int, k: int) -> int:
        return int(slot[k] in pool.tutees[i].if_need_be)

    def ties(i: int, k: int, without: int = -1) -> int:
        return sum(1 for v in friends[i] if v != without and where.get(v) == k)

    def put(i: int, k: int | None) -> None:
        old = where.pop(i, None)
        if old is not None:
            members[old].discard(i)
        if k is not None:
            members[k].add(i)
            where[i] = k

    def touched(*people: int) -> set[int]:
        out = set(people)
        for i in people:
            out |= friends[i]
            if i in where:
                out |= members[where[i]]
        return out

    def try_improve(i: int) -> set[int] | None:
        """One improving change around tutee i; returns the tutees to look at again."""
        a = where.get(i)
        if a is None:
            roomy = [k for k in options[i] if len(members[k]) < p.group_max]
            if roomy:  # one more placed beats any pairs
                k = max(roomy, key=lambda k: (ties(i, k), -inb(i, k), -k))
                put(i, k)
                return touched(i)
        targets = sorted({where[v] for v in friends[i] if v in where and where[v] != a})
        for b in targets:
            if pool.tutees[i].can_attend(slot[b]) is False:
                continue
            if a is None:  # take the place of someone in b who gains less there
                for w in sorted(members[b]):
                    gain = ties(i, b, w) - ties(w, b)
                    if (gain, inb(w, b) - inb(i, b)) > (0, 0):
                        put(w, None)
                        put(i, b)
                        return touched(i, w)
                continue
            gain_i = ties(i, b) - ties(i, a)
            if (
                len(members[a]) > p.group_min
                and len(members[b]) < p.group_max
                and (gain_i, inb(i, a) - inb(i, b)) > (0, 0)
            ):
                before = touched(i)
                put(i, b)
                return before | touched(i)
            for w in sorted(members[b]):
                if not pool.tutees[w].can_attend(slot[a]):
                    continue
                # i and w are in different groups before and after, so no pair counts twice.
                gain = ties(i, b, w) + ties(w, a, i) - ties(i, a) - ties(w, b)
                tie = inb(i, a) + inb(w, b) - inb(i, b) - inb(w, a)
                if (gain, tie) > (0, 0):
                    before = touched(i, w)
                    put(i, b)
                    put(w, a)
                    return before | touched(i, w)
        return None

    def descend(queue: set[int]) -> None:
        while queue and time.perf_counter() < deadline:
            i = min(queue)
            queue.discard(i)
            again = try_improve(i)
            if again:
                queue |= again

    def value() -> tuple[int, int, int]:
        placed = len(where)
        pairs = sum(1 for i, j in pool.pairs if i in where and where.get(j) == where[i])
        return placed, pairs, -sum(inb(i, k) for i, k in where.items())

    descend(set(range(len(pool.tutees))))
    best, best_value = [set(m) for m in members], value()
    rng = random.Random(len(pool.tutees) * 7919 + len(groups))
    placed_list = sorted(where)
    rounds = 0
    while (
        time.perf_counter() < deadline
        and (kicks is None or rounds < kicks)
        and len(groups) > 1
        and placed_list
    ):
        rounds += 1
        kicked: set[int] = set()
        for _ in range(3):
            i = rng.choice(placed_list)
            if i not in where:
                continue
            a = where[i]
            choices = [k for k in options[i] if k != a]
            if not choices:
                continue
            b = rng.choice(choices)
            if len(members[a]) > p.group_min and len(members[b]) < p.group_max:
                kicked |= touched(i)
                put(i, b)
                kicked |= touched(i)
                continue
            mates = [w for w in members[b] if pool.tutees[w].can_attend(slot[a])]
            if mates:
                w = rng.choice(sorted(mates))
                kicked |= touched(i, w)
                put(i, b)
                put(w, a)
                kicked |= touched(i, w)
        descend(kicked)
        current = value()
        if current >= best_value:
            best, best_value = [set(m) for m in members], current
        else:  # back to the best
            members[:] = [set(m) for m in best]
            where.clear()
            where.update({i: k for k, m in enumerate(members) for i in m})
        placed_list = sorted(where)
    return [
        Group(g.slot, g.tutors, tuple(pool.tutees[i].id for i in sorted(m)))
        for g, m in zip(groups, best, strict=True)
    ]


def _anneal(
    pool: _Pool,
    groups: list[Group],
    deadline: float,
    *,
    steps: int | None = None,
    hot: float = 1.0,
    cold: float = 0.05,
    seed: int = 0,
) -> list[Group]:
    """Simulated annealing over the tutees of fixed groups (slots, tutors and group count stay),
    maximising friend pairs in the same group: a random tutee moves to another group it can
    attend, mostly one holding a friend (or, when sizes forbid the move, swaps with a random
    member there); a change that loses d pairs is still taken with probability exp(−d/T), the
    temperature T falling geometrically from `hot` to `cold` over the time (or `steps`) given.
    Placed tutees stay placed and nobody is added, so only pairs change; the best groups seen
    are returned. Seeded: given `steps`, the same input and seed give the same groups (given a
    deadline, how far it gets depends on the machine). On tight programmes it
    finds far more pairs than the descent with kicks (`_local_search`), which stalls in the
    first deep local optimum."""
    p = pool.problem
    gmin, gmax = p.group_min, p.group_max
    rng = random.Random(len(pool.tutees) * 7919 + len(groups) + 104729 * seed)
    uniform = rng.random
    index = {u.id: i for i, u in enumerate(pool.tutees)}
    n = len(pool.tutees)
    # Plain lists indexed by tutee and group (the groups are fixed here): where[i] is i's group
    # or -1, ties[i][k] i's friends in group k. Same steps, same random draws, as with dicts.
    members: list[list[int]] = [[index[u] for u in g.tutees] for g in groups]
    where = [-1] * n
    seat = [0] * n
    for k, m in enumerate(members):
        for pos, i in enumerate(m):
            where[i], seat[i] = k, pos
    friend_sets: dict = defaultdict(set)
    for i, j in pool.pairs:
        friend_sets[i].add(j)
        friend_sets[j].add(i)
    friends = [list(friend_sets[i]) for i in range(n)]
    ties = [[0] * len(groups) for _ in range(n)]
    for i in range(n):
        k = where[i]
        if k >= 0:
            for j in friends[i]:
                ties[j][k] += 1
    can = [[pool.tutees[i].can_attend(g.slot) for g in groups] for i in range(n)]
    placed = [i for i in range(n) if where[i] >= 0]
    options = {i: [k for k in range(len(groups)) if can[i][k]] for i in placed}
    movable = [i for i in placed if len(options[i]) > 1]
    value = best = sum(1 for i, j in pool.pairs if where[i] >= 0 and where[j] == where[i])
    best_where = list(where)
    n_movable = len(movable)

    def move(i: int, b: int) -> None:
        a = where[i]
        for j in friends[i]:
            tj = ties[j]
            tj[a] -= 1
            tj[b] += 1
        ma = members[a]
        last = ma[-1]  # take i out of a: the last member fills its seat
        ma[seat[i]] = last
        seat[last] = seat[i]
        ma.pop()
        seat[i] = len(members[b])
        members[b].append(i)
        where[i] = b

    started = time.perf_counter()
    span = max(deadline - started, 1e-9)
    temperature = hot
    step = 0
    exp = math.exp
    while movable:
        step += 1
        if steps is not None:
            if step > steps:
                break
            temperature = hot * (cold / hot) ** (step / steps)
        elif step % 256 == 0:
            now = time.perf_counter()
            if now >= deadline:
                break
            temperature = hot * (cold / hot) ** ((now - started) / span)
        # random picks as seq[int(random() * len(seq))]: a third faster than rng.choice
        i = movable[int(uniform() * n_movable)]
        a = where[i]
        can_i = can[i]
        if uniform() < 0.7:  # mostly towards a friend
            near = [k for j in friends[i] if (k := where[j]) >= 0 and k != a and can_i[k]]
            if not near:
                continue
            b = near[int(uniform() * len(near))]
        else:
            opts = options[i]
            b = opts[int(uniform() * len(opts))]
            if b == a:
                continue
        ties_i = ties[i]
        if len(members[b]) < gmax and len(members[a]) > gmin:
            gain = ties_i[b] - ties_i[a]
            if gain >= 0 or uniform() < exp(gain / temperature):
                move(i, b)
                value += gain
        else:
            mb = members[b]
            w = mb[int(uniform() * len(mb))]
            if not can[w][a]:
                continue
            linked = 1 if w in friend_sets[i] else 0
            ties_w = ties[w]
            gain = ties_i[b] - ties_i[a] + ties_w[a] - ties_w[b] - 2 * linked
            if gain >= 0 or uniform() < exp(gain / temperature):
                move(i, b)
                move(w, a)
                value += gain
        if value > best:
            best, best_where = value, list(where)
    out: list[list[int]] = [[] for _ in groups]
    for i, k in enumerate(best_where):
        if k >= 0:
            out[k].append(i)
    return [
        Group(g.slot, g.tutors, tuple(pool.tutees[i].id for i in sorted(m)))
        for g, m in zip(groups, out, strict=True)
    ]


# --- Entry point ----------------------------------------------------------------------------------


# Beyond this the exact instance model cannot be solved in a time anyone waits for; the answer
# is then the slot-level solution with its proven gap.
MAX_INSTANCE_COLUMNS = 20_000
# Above this size, an instance model whose slot-level split lost many pairs is not worth its time
# (its relaxation is no tighter than the slot model's): the local search gets it instead. Below it,
# the exact model still proves small programmes optimal.
HOPELESS_INSTANCE_COLUMNS = 2_000


def _instance_model_size(pool: _Pool) -> int:
    p = pool.problem
    total = 0
    for s in p.slots:
        tutors = sum(1 for t in pool.tutors if s in pool.tutor_slots(t))
        tutees = sum(1 for u in pool.tutees if u.can_attend(s))
        total += min(tutors // p.tutors_min, tutees // p.group_min) * (tutors + tutees)
    return total


def _score(problem: Problem, groups: list[Group]) -> tuple[int, int, int]:
    placed = sum(len(g.tutees) for g in groups)
    return placed, count_friend_pairs(problem, groups), -problem.if_need_be_uses(groups)


def solve(problem: Problem, *, model: str = "auto") -> Result:
    """Allocate groups; exact within the time limit, else the best found and its proven gap.

    model="auto" solves the slot-level aggregate first and the group-instance model only when
    needed; model="instances" goes straight to the group-instance model (tests compare both)."""
    started = time.perf_counter()
    deadline = started + problem.time_limit_s
    # When the models run out of time, a local search over the groups gets half a second at
    # most after the limit. No time is kept back from the models: under heavy load the standard
    # programmes need all of it to be proven optimal.
    polish = min(0.5, 0.05 * problem.time_limit_s)
    models_deadline = deadline
    pool = _Pool.of(problem)
    if model == "instances":
        outcome = _solve_by_instances(pool, deadline)
    else:
        outcome = _solve_by_slots(pool, models_deadline)
    if (
        model == "auto"
        and not outcome.optimal
        and time.perf_counter() < models_deadline
        and outcome.stages
        and not outcome.hopeless
        and _instance_model_size(pool) <= MAX_INSTANCE_COLUMNS
    ):
        fallback = _solve_by_instances(pool, models_deadline)
        if fallback.optimal or _score(problem, fallback.groups) > _score(problem, outcome.groups):
            best_bound = outcome.pairs_bound
            outcome = (
                fallback
                if fallback.optimal
                else _Outcome(fallback.groups, False, fallback.gap, best_bound, fallback.stages)
            )
    tighter = False
    if (
        model == "auto"
        and not outcome.optimal
        and outcome.stages
        and outcome.stages[0].optimal
        and pool.pairs
        and (outcome.piece_bound is not None or time.perf_counter() < deadline)
    ):
        # The slot-level bound counts friends at one slot as together, far above what any
        # groups keep when friend links are many; the piece bound (computed on the way for
        # tight programmes) gets up to half the time left.
        pieces = outcome.piece_bound
        if pieces is None and not outcome.hopeless:
            budget = time.perf_counter() + 0.5 * (deadline - time.perf_counter())
            pieces = _piece_bound(pool, outcome.stages[0].value, budget)
        # A piece LP stopped early gives a valid but loose bound, and the friend-pair stage may
        # not have run: never report more than the pairs who share a slot at all.
        pieces = min(_shared_slot_pairs(pool), math.inf if pieces is None else pieces)
        if pieces is not None and (outcome.pairs_bound is None or pieces < outcome.pairs_bound):
            outcome.pairs_bound, tighter = pieces, True
    if model == "auto" and not outcome.optimal:
        # HiGHS can overrun its own time limit by a second or so on large models; the local
        # search still gets its share then.
        floor = time.perf_counter() + polish
        outcome = _polish(pool, outcome, max(deadline, floor))
    groups = sorted(
        [*problem.pinned, *outcome.groups],
        key=lambda g: (problem.slots.index(g.slot), [str(t) for t in g.tutors]),
    )
    placed, pairs, minus_inb = _score(problem, groups)
    gap = outcome.gap
    if tighter:  # placing proven; the gap is the pairs' against the tighter bound
        gap = _relative_gap(
            pairs - count_friend_pairs(problem, problem.pinned), outcome.pairs_bound
        )
        if len(outcome.stages) > 2 and not outcome.stages[2].optimal:  # "if need be" unproven
            gap = max(gap, outcome.stages[2].gap)
    placed_ids = {u for g in groups for u in g.tutees}
    return Result(
        groups=tuple(groups),
        unplaced=tuple(t.id for t in problem.tutees if t.id not in placed_ids),
        placed=placed,
        friend_pairs_together=pairs,
        if_need_be_used=-minus_inb,
        optimal=outcome.optimal,
        gap=round(gap, 6),
        seconds=time.perf_counter() - started,
        proven=_proven(outcome, pairs - count_friend_pairs(problem, problem.pinned)),
        pairs_bound=_pairs_bound(outcome, pairs, count_friend_pairs(problem, problem.pinned)),
    )


def _pairs_bound(outcome: _Outcome, pairs: int, pinned_pairs: int) -> float | None:
    if outcome.optimal:
        return float(pairs)
    bound = outcome.pairs_bound
    if not outcome.stages or not outcome.stages[0].optimal or bound is None:
        return None
    if not math.isfinite(bound):
        return None
    # Pinned tutees never share a group with the rest, so their pairs add to the free part's.
    return math.floor(outcome.pairs_bound + _EPS) + pinned_pairs


# Annealing time (of _polish's) up to which the runs keep their frames; the rest anneals the best
# of them with frame moves too (frame_search), starting at temperature FRAME_ANNEAL_HOT.
FRAME_ANNEAL_FROM = 0.5
FRAME_ANNEAL_HOT = 0.3
# The share of _polish's time left after the starts' descent that the last descent gets: it
# settles "if need be" ties. With the piece relaxation's frames (tight programmes) it never found
# a pair after the annealing in the runs traced (150–600 tutees, 10 s and 60 s), so the annealing
# keeps all but a twentieth of the time.
DESCENT_SHARE = 0.2
GUIDED_DESCENT_SHARE = 0.05
# The share of _polish's time the starts' descents share before the annealing: a tenth, or when
# there are piece relaxation's frames a hundredth (the first start took nearly all the tenth):
# annealing from the frame as found or after the descent ends the same (600 tutees, six seeds of
# 300,000 + 300,000 steps: 500.7 against 499.8 pairs; 300 tutees: 252.8 against 253.0), and
# the descent took 0.4–0.7 s of a 10 s run.
START_SHARE = 0.1
GUIDED_START_SHARE = 0.01


def _polish(pool: _Pool, outcome: _Outcome, deadline: float) -> _Outcome:
    """When the models ran out of time: the better of their groups and the greedy baseline's
    (so the answer is never worse than greedy), improved by local search; the gap is then
    measured against the models' proven bounds, which stay valid whatever the groups."""
    from nearpeer.tutorials.frame_search import anneal_frames  # it imports this module

    problem = pool.problem
    best = outcome.groups
    # Both starts get a short search (the greedy one always, even when the time is up: it
    # takes milliseconds); the better goes on searching until the deadline.
    share = GUIDED_START_SHARE if outcome.starts else START_SHARE
    short = time.perf_counter() + share * max(0.0, deadline - time.perf_counter())
    starts = []
    # (start, weight of its share of the annealing time): the piece relaxation's frames first
    for start, weight in (
        *((g, 6.0) for g in outcome.starts),
        (outcome.groups, 1.0),
        (_greedy(pool), 1.0),
    ):
        candidate = _local_search(pool, start, short)
        if _score(problem, start) > _score(problem, candidate):
            candidate = start
        starts.append((candidate, weight))
        if _score(problem, candidate) > _score(problem, best):
            best = candidate
    # Most of the rest anneals (pairs) each start that places as many as the best (the groups
    # found depend much on the frame they start from: the piece relaxation's is best, then
    # usually the models', sometimes greedy's), the last fifth descends from the best
    # (placing, pairs, "if need be").
    starts = [(g, w) for g, w in starts if _score(problem, g)[0] >= _score(problem, best)[0]]
    left = max(0.0, deadline - time.perf_counter())
    anneal_until = time.perf_counter() + FRAME_ANNEAL_FROM * left
    descent = GUIDED_DESCENT_SHARE if outcome.starts else DESCENT_SHARE
    frames_until = time.perf_counter() + (1 - descent) * left
    annealed = []
    for k, (start, weight) in enumerate(starts):
        share = weight / sum(w for _, w in starts[k:])
        seconds = share * max(0.0, anneal_until - time.perf_counter())
        # Runs of a second and a half differ by several pairs (tight family, 150 tutees, from
        # one frame: 122 to 127): the best of several beats one long run.
        runs = max(1, int(seconds // 1.5))
        for run in range(runs):
            until = time.perf_counter() + seconds / runs
            annealed.append(_anneal(pool, start, until, seed=run))
    if annealed:
        # The best annealed groups go on annealing cooler with moves that also change the frame
        # (slots, tutors, group counts), which the runs above keep as found.
        top = max(annealed, key=lambda g: _score(problem, g))
        framed = anneal_frames(pool, top, frames_until, hot=FRAME_ANNEAL_HOT)
        if _score(problem, framed)[:2] > _score(problem, top)[:2]:
            top = framed
        top = _local_search(pool, top, deadline)
        if _score(problem, top) > _score(problem, best):
            best = top
    if _score(problem, best) <= _score(problem, outcome.groups):
        return outcome
    placed, pairs, _ = _score(problem, best)
    gap = outcome.gap
    stages = outcome.stages
    bound = outcome.pairs_bound
    if stages and not stages[0].optimal and stages[0].bound is not None:
        gap = _relative_gap(placed, stages[0].bound)
    elif stages and bound is not None and math.isfinite(bound) and pairs < round(bound):
        gap = _relative_gap(pairs, bound)
    return _Outcome(best, False, gap, outcome.pairs_bound, stages)


def _proven(outcome: _Outcome, pairs_found: int) -> int:
    if outcome.optimal:
        return 3
    proven = 0
    for stage in outcome.stages:
        if not stage.optimal:
            break
        proven += 1
    if proven >= 2 and outcome.pairs_bound is not None and pairs_found < round(outcome.pairs_bound):
        proven = 1
    return min(proven, 2)


# --- Mentoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mentor:
    id: Id
    year: int
    capacity: int
    interests: frozenset


@dataclass(frozen=True)
class Mentee:
    id: Id
    year: int
    interests: frozenset


@dataclass(frozen=True)
class MatchResult:
    pairs: tuple[tuple[Id, Id], ...]  # (mentor, mentee)
    unmatched: tuple
    matched: int
    shared_interests: int
    optimal: bool
    gap: float
    seconds: float


def match_mentors(
    mentors: Sequence[Mentor],
    mentees: Sequence[Mentee],
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    pinned: Sequence[tuple[Id, Id]] = (),
) -> MatchResult:
    """Match mentees to mentors in an older year: (1) most mentees matched, (2) most shared
    interests, lexicographically; a mentor takes at most `capacity` mentees."""
    started = time.perf_counter()
    deadline = started + time_limit_s
    pinned_set = set(pinned)
    m = _Model()
    w: dict = {}
    for a, mentor in enumerate(mentors):
        for b, mentee in enumerate(mentees):
            if mentor.year > mentee.year and mentor.id != mentee.id:
                w[a, b] = m.var()
                if (mentor.id, mentee.id) in pinned_set:
                    m.lower[w[a, b]] = 1.0
    for a, mentor in enumerate(mentors):
        cols = [c for (i, _), c in w.items() if i == a]
        m.row(cols, [1.0] * len(cols), 0, mentor.capacity)
    for b in range(len(mentees)):
        cols = [c for (_, j), c in w.items() if j == b]
        m.row(cols, [1.0] * len(cols), 0, 1)
    if not w:
        return MatchResult((), tuple(x.id for x in mentees), 0, 0, True, 0.0, 0.0)
    highs = m.build()
    shared = {c: float(len(mentors[a].interests & mentees[b].interests)) for (a, b), c in w.items()}
    stages, complete, values = _lexicographic(
        highs, [(dict.fromkeys(w.values(), 1.0), True), (shared, True)], deadline
    )
    values = values or [0.0] * len(m.lower)
    pairs = tuple((mentors[a].id, mentees[b].id) for (a, b), c in w.items() if values[c] > 0.5)
    matched_ids = {b for _, b in pairs}
    return MatchResult(
        pairs=pairs,
        unmatched=tuple(x.id for x in mentees if x.id not in matched_ids),
        matched=len(pairs),
        shared_interests=sum(
            len(mentors[a].interests & mentees[b].interests)
            for (a, b), c in w.items()
            if values[c] > 0.5
        ),
        optimal=complete,
        gap=round(stages[-1].gap, 6) if stages else 1.0,
        seconds=time.perf_counter() - started,
    )
