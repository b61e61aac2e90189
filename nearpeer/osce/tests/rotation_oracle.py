"""An independent rule checker and a brute-force optimum for the rotation, written from the rules
in docs/osce.md without looking at the solver. Used by the rotation tests only."""

from __future__ import annotations

import itertools
from collections import Counter


def check(data: dict, out: dict) -> list[str]:
    """Every rule the output breaks (empty when it is valid)."""
    problems: list[str] = []
    stations = list(data["stations"])
    candidates = list(data["candidates"])
    max_rest = data.get("max_rest_stations", 0)
    examiners = {e["id"]: e for e in data["examiners"]}
    conflicts = {frozenset(p) for p in data.get("conflicts", [])}
    seen_cand: Counter = Counter()
    lengths = set()
    run_numbers = [r["run"] for r in out["runs"]]
    if len(set(run_numbers)) != len(run_numbers):
        problems.append("a run number repeats")
    where_examining: dict[tuple[int, str], int] = Counter()
    sitting_run: dict[str, int] = {}
    for run in out["runs"]:
        numbers = [c["circuit"] for c in run["circuits"]]
        if len(set(numbers)) != len(numbers) or not set(numbers) <= set(
            range(1, data["circuits"] + 1)
        ):
            problems.append(f"run {run['run']}: circuit numbers {numbers}")
        if not run["circuits"]:
            problems.append(f"run {run['run']} is empty")
        for circ in run["circuits"]:
            pos = circ["positions"]
            rests = [p for p in pos if p not in stations]
            if sorted(p for p in pos if p in stations) != sorted(stations):
                problems.append(f"run {run['run']}: positions lack a station")
            if len(set(pos)) != len(pos) or len(rests) > max_rest:
                problems.append(f"run {run['run']}: bad positions {pos}")
            if not all(r.startswith("rest-") for r in rests):
                problems.append(f"unknown position in {pos}")
            lengths.add(len(circ["rounds"]))
            if len(circ["rounds"]) < len(pos):
                problems.append("fewer rounds than positions")
            if set(circ["examiners"]) != set(stations):
                problems.append("a station lacks an examiner")
            for s, e in circ["examiners"].items():
                where_examining[run["run"], e] += 1
                ex = examiners.get(e)
                if ex is None or s not in ex["stations"]:
                    problems.append(f"{e} examines {s} without offering it")
                elif "runs" in ex and run["run"] not in ex["runs"]:
                    problems.append(f"{e} examines in run {run['run']} without offering it")
            members: set[str] = set()
            met: Counter = Counter()
            for rnd in circ["rounds"]:
                if len(set(rnd.values())) != len(rnd):
                    problems.append("a candidate is in two places in one round")
                for p, c in rnd.items():
                    if p not in pos:
                        problems.append(f"{p} is not a position")
                    members.add(c)
                    met[c, p] += 1
            for c in members:
                seen_cand[c] += 1
                sitting_run[c] = run["run"]
                for s in stations:
                    if met[c, s] != 1:
                        problems.append(f"{c} meets {s} {met[c, s]} times")
                for e in circ["examiners"].values():
                    if frozenset((e, c)) in conflicts:
                        problems.append(f"conflict {e}-{c} meets")
    for key, n in where_examining.items():
        if n > 1:
            problems.append(f"{key[1]} in two places in run {key[0]}")
    for (run_no, e), _ in where_examining.items():
        if sitting_run.get(e) == run_no:
            problems.append(f"{e} examines and sits in run {run_no}")
    for c in candidates:
        if seen_cand[c] != 1:
            problems.append(f"{c} sits {seen_cand[c]} circuits")
    if set(seen_cand) - set(candidates):
        problems.append("unknown candidate")
    if len(lengths) > 1:
        problems.append("runs of different lengths")
    per_run = lengths.pop() if lengths else 0
    if out["rounds_total"] != per_run * len(out["runs"]):
        problems.append("rounds_total is not runs x rounds per run")
    return problems


def brute_force_optimum(data: dict) -> int | None:
    """The fewest total rounds by exhaustive search (tiny inputs only); None if impossible."""
    stations = list(data["stations"])
    cands = list(data["candidates"])
    if not cands:
        return 0
    K = data["circuits"]
    conflicts = {frozenset(p) for p in data.get("conflicts", [])}
    exams = data["examiners"]
    named = sorted({r for e in exams if "runs" in e for r in e["runs"]})
    labels = list(named)
    if any("runs" not in e for e in exams):
        extra = [n for n in range(1, len(named) + len(cands) + 1) if n not in named]
        labels += extra[: len(cands)]

    def staffings(run: int) -> list[tuple[frozenset, ...]]:
        """All ways to staff up to K circuits in a run: each a set of examiners (one per
        station, all different)."""
        avail = [e for e in exams if "runs" not in e or run in e["runs"]]
        one = []
        for combo in itertools.permutations(avail, len(stations)):
            if all(s in e["stations"] for s, e in zip(stations, combo, strict=True)):
                one.append(frozenset(e["id"] for e in combo))
        one = sorted(set(one), key=sorted)
        out = [()]
        for n in range(1, K + 1):
            for group in itertools.combinations_with_replacement(one, n):
                used = [e for g in group for e in g]
                if len(used) == len(set(used)):
                    out.append(group)
        return out

    options = {v: staffings(v) for v in labels}
    best = None
    for length in range(len(stations), len(stations) + data.get("max_rest_stations", 0) + 1):
        for n_runs in range(1, len(labels) + 1):
            if best is not None and n_runs * length >= best:
                break
            if _fits(cands, labels, options, n_runs, length, conflicts):
                best = n_runs * length
                break
    return best


def _fits(cands, labels, options, n_runs, length, conflicts) -> bool:
    for runs in itertools.combinations(labels, n_runs):
        for choice in itertools.product(*(options[v] for v in runs)):
            circuits = [(v, g) for v, group in zip(runs, choice, strict=True) for g in group]
            if len(circuits) * length < len(cands):
                continue
            for seats in itertools.product(range(len(circuits)), repeat=len(cands)):
                counts = Counter(seats)
                if max(counts.values()) > length:
                    continue
                ok = True
                for c, i in zip(cands, seats, strict=True):
                    v, staff = circuits[i]
                    if any(frozenset((e, c)) in conflicts for e in staff):
                        ok = False
                        break
                    # a candidate who also examines must not examine in the run they sit
                    if any(c in g for vv, g in circuits if vv == v):
                        ok = False
                        break
                if ok:
                    return True
    return False
