"""The rotation builder: rules kept, fewest rounds (against brute force), refusals named."""

import json
from contextlib import nullcontext
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nearpeer.osce import rotation
from nearpeer.osce.tests.rotation_oracle import brute_force_optimum, check


def _examiners(n, stations, runs=None):
    out = []
    for i in range(n):
        e = {"id": f"e{i + 1}", "stations": list(stations)}
        if runs is not None:
            e["runs"] = list(runs)
        out.append(e)
    return out


def _solve(data):
    out = rotation.solve_json(json.loads(json.dumps(data)))
    assert check(data, out) == []
    return out


def test_rotation_odd_numbers_fill_one_circuit_with_a_rest_station():
    data = {
        "stations": ["s1", "s2", "s3"],
        "candidates": ["c1", "c2", "c3", "c4"],
        "circuits": 1,
        "max_rest_stations": 1,
        "examiners": _examiners(3, ["s1", "s2", "s3"]),
        "conflicts": [],
    }
    out = _solve(data)
    assert out["rounds_total"] == 4
    circuit = out["runs"][0]["circuits"][0]
    assert len(circuit["positions"]) == 4 and "rest-1" in circuit["positions"]


def test_rotation_without_rest_stations_needs_a_second_run():
    data = {
        "stations": ["s1", "s2", "s3"],
        "candidates": ["c1", "c2", "c3", "c4"],
        "circuits": 1,
        "max_rest_stations": 0,
        "examiners": _examiners(3, ["s1", "s2", "s3"]),
        "conflicts": [],
    }
    out = _solve(data)
    assert out["rounds_total"] == 6
    assert [r["run"] for r in out["runs"]] == [1, 2]


def test_rotation_more_candidates_than_positions_uses_parallel_circuits():
    data = {
        "stations": ["s1", "s2", "s3", "s4", "s5"],
        "candidates": [f"c{i}" for i in range(1, 12)],
        "circuits": 2,
        "max_rest_stations": 1,
        "examiners": _examiners(10, ["s1", "s2", "s3", "s4", "s5"]),
        "conflicts": [],
    }
    out = _solve(data)
    # 11 candidates in 2 circuits: 6 positions (one rest) hold them in one run of 6 rounds.
    assert out["rounds_total"] == 6
    sizes = sorted(
        len({c for r in circ["rounds"] for c in r.values()}) for circ in out["runs"][0]["circuits"]
    )
    assert sizes == [5, 6]


def test_rotation_conflict_forces_a_later_run():
    # Without the conflicts one run of two circuits holds both candidates. c2 is a tutee of both
    # run-1 examiners, so c2 must wait for run 2, where only e3 examines.
    data = {
        "stations": ["s1"],
        "candidates": ["c1", "c2"],
        "circuits": 2,
        "max_rest_stations": 0,
        "examiners": [
            {"id": "e1", "stations": ["s1"], "runs": [1]},
            {"id": "e2", "stations": ["s1"], "runs": [1]},
            {"id": "e3", "stations": ["s1"], "runs": [2]},
        ],
        "conflicts": [["e1", "c2"], ["e2", "c2"]],
    }
    assert _solve({**data, "conflicts": []})["rounds_total"] == 1
    out = _solve(data)
    assert out["rounds_total"] == 2
    seat = {
        c: (run["run"], circ["examiners"]["s1"])
        for run in out["runs"]
        for circ in run["circuits"]
        for r in circ["rounds"]
        for c in r.values()
    }
    assert seat["c2"] == (2, "e3") and seat["c1"][0] == 1


def test_rotation_conflict_pair_can_swap_circuits_instead_of_runs():
    data = {
        "stations": ["s1"],
        "candidates": ["c1", "c2"],
        "circuits": 2,
        "max_rest_stations": 0,
        "examiners": _examiners(2, ["s1"], runs=[1, 2]),
        "conflicts": [["e1", "c1"], ["c2", "e2"]],
    }
    out = _solve(data)
    assert out["rounds_total"] == 1
    circuits = out["runs"][0]["circuits"]
    pairs = {(circ["examiners"]["s1"], circ["rounds"][0]["s1"]) for circ in circuits}
    assert pairs == {("e2", "c1"), ("e1", "c2")}


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {
                "stations": ["s1", "s2"],
                "candidates": ["c1"],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1"]}],
            },
            'no examiner offered station "s2"',
        ),
        (
            {
                "stations": ["s1", "s2"],
                "candidates": ["c1"],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1", "s2"]}],
            },
            "in no run can the examiners cover all stations at once",
        ),
        (
            {
                "stations": ["s1"],
                "candidates": ["c1", "c2"],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1"], "runs": [1]}],
                "conflicts": [["e1", "c2"]],
            },
            'candidate "c2" cannot sit any run',
        ),
        (
            {
                "stations": ["s1"],
                "candidates": ["c1", "c2", "c3"],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1"], "runs": [1, 2]}],
            },
            "at most 2 of 3 candidates can be placed",
        ),
    ],
)
def test_rotation_impossible_says_which_rule(data, message):
    with pytest.raises(rotation.RuleError, match=message):
        rotation.solve_json(data)


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "must be a JSON object"),
        (
            {"stations": [], "candidates": [], "circuits": 1, "examiners": []},
            '"stations" must not be empty',
        ),
        (
            {"stations": ["s1", "s1"], "candidates": [], "circuits": 1, "examiners": []},
            'stations\\[1\\]: "s1" appears twice',
        ),
        (
            {"stations": ["s1"], "candidates": [3], "circuits": 1, "examiners": []},
            "candidates\\[0\\]",
        ),
        ({"stations": ["s1"], "candidates": [], "circuits": 0, "examiners": []}, '"circuits"'),
        (
            {
                "stations": ["s1"],
                "candidates": [],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s9"]}],
            },
            'examiners\\[0\\] \\("e1"\\): unknown station',
        ),
        (
            {
                "stations": ["s1"],
                "candidates": [],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1"], "runs": [0]}],
            },
            "run 0",
        ),
        (
            {
                "stations": ["s1"],
                "candidates": ["c1"],
                "circuits": 1,
                "examiners": [{"id": "e1", "stations": ["s1"]}],
                "conflicts": [["c1", "x"]],
            },
            "conflicts\\[0\\]",
        ),
        (
            {"stations": ["rest-1"], "candidates": [], "circuits": 1, "examiners": []},
            "stations\\[0\\]",
        ),
        (
            {"stations": ["s1"], "candidates": [], "circuits": 1, "examiners": [], "extra": 1},
            'unknown key "extra"',
        ),
    ],
)
def test_rotation_bad_input_names_the_entry(data, message):
    with pytest.raises(rotation.InputError, match=message):
        rotation.parse_problem(data)


@st.composite
def tiny_instances(draw):
    n_s = draw(st.integers(1, 2))
    stations = [f"s{i + 1}" for i in range(n_s)]
    n_c = draw(st.integers(0, 5))
    candidates = [f"c{i + 1}" for i in range(n_c)]
    n_e = draw(st.integers(1, 4))
    examiners = []
    for i in range(n_e):
        e = {
            "id": f"e{i + 1}",
            "stations": draw(st.lists(st.sampled_from(stations), min_size=1, unique=True)),
        }
        if draw(st.booleans()):
            e["runs"] = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2, unique=True))
        examiners.append(e)
    pairs = [[e["id"], c] for e in examiners for c in candidates]
    conflicts = draw(st.lists(st.sampled_from(pairs), max_size=3, unique_by=tuple)) if pairs else []
    return {
        "stations": stations,
        "candidates": candidates,
        "circuits": draw(st.integers(1, 2)),
        "max_rest_stations": draw(st.integers(0, 2)),
        "examiners": examiners,
        "conflicts": conflicts,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(), st.booleans())
def test_rotation_matches_brute_force_on_tiny_instances(data, exact_only):
    """Both paths: the quick constructive try with the exact model behind it, and the exact
    model alone."""
    optimum = brute_force_optimum(data)
    with mock.patch.object(rotation, "_greedy", return_value=None) if exact_only else nullcontext():
        try:
            out = rotation.solve_json(data)
        except rotation.RuleError:
            assert optimum is None
            return
    assert check(data, out) == []
    assert out["rounds_total"] == optimum


def test_rotation_when_a_candidate_also_examines_they_examine_in_another_run():
    data = {
        "stations": ["s1"],
        "candidates": ["c1", "x"],
        "circuits": 1,
        "max_rest_stations": 0,
        "examiners": [
            {"id": "x", "stations": ["s1"]},
            {"id": "e2", "stations": ["s1"], "runs": [2]},
        ],
        "conflicts": [],
    }
    out = _solve(data)
    assert out["rounds_total"] == 2
    assert brute_force_optimum(data) == 2
