"""`nearpeer osce rotation IN.json -o OUT.json`: output shape, exit codes, named errors."""

import json
import subprocess
import sys

from nearpeer.osce.tests.rotation_oracle import check

INPUT = {
    "stations": ["s1", "s2", "s3"],
    "candidates": ["c1", "c2", "c3", "c4", "c5"],
    "circuits": 2,
    "max_rest_stations": 2,
    "examiners": [
        {"id": "e1", "stations": ["s1", "s2"], "runs": [1, 2]},
        {"id": "e2", "stations": ["s2", "s3"], "runs": [1, 2]},
        {"id": "e3", "stations": ["s1", "s3"], "runs": [1, 2]},
        {"id": "e4", "stations": ["s1", "s2", "s3"], "runs": [1, 2]},
    ],
    "conflicts": [["e1", "c3"]],
}


def _run(tmp_path, data, *extra):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data) if not isinstance(data, str) else data)
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "nearpeer.cli", "osce", "rotation", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc, out


def test_command_writes_a_valid_minimal_rotation(tmp_path):
    proc, out = _run(tmp_path, INPUT)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert check(INPUT, result) == []
    # Four examiners staff one circuit per run (three stations each need their own). Five
    # candidates fit one run of five positions (two rests): 5 rounds beat 2 runs of 3. c3 sits
    # in a circuit without e1, which e2, e3 and e4 can staff.
    assert result["rounds_total"] == 5
    circuit = result["runs"][0]["circuits"][0]
    assert set(circuit) == {"circuit", "positions", "examiners", "rounds"}


def test_command_impossible_says_which_rule_and_exits_2(tmp_path):
    data = {**INPUT, "conflicts": [["e1", "c3"], ["e2", "c3"]]}
    proc, out = _run(tmp_path, data)
    assert proc.returncode == 2
    assert 'candidate "c3" cannot sit any run' in proc.stderr
    assert not out.exists()


def test_command_bad_input_names_the_entry_and_exits_1(tmp_path):
    data = {**INPUT, "examiners": [{"id": "e1", "stations": ["s7"]}]}
    proc, _ = _run(tmp_path, data)
    assert proc.returncode == 1
    assert 'examiners[0] ("e1"): unknown station' in proc.stderr
    proc, _ = _run(tmp_path, "{not json")
    assert proc.returncode == 1 and "not valid JSON" in proc.stderr
