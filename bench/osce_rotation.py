"""Mock OSCE rotation builder: seconds to the proven-fewest rounds on generated days.

Prints one line per instance: stations, candidates, circuits, examiners, conflicts, the rounds
found and the seconds taken. Instances are seeded, so runs compare; the machine's load shows in
the seconds, not in the rounds."""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nearpeer.osce import rotation  # noqa: E402

CASES = [
    # (seed, stations, candidates, circuits, examiners, conflicts, share with named runs)
    (1, 6, 24, 2, 14, 10, 1.0),
    (2, 8, 40, 3, 40, 20, 0.8),
    (3, 10, 60, 3, 50, 40, 0.8),
    (4, 12, 80, 4, 80, 60, 0.8),
    (5, 6, 24, 2, 14, 60, 1.0),  # tight: every seat used, many conflicts
]


def instance(seed, ns, nc, k, ne, nconf, named):
    rng = random.Random(seed)
    stations = [f"s{i}" for i in range(1, ns + 1)]
    candidates = [f"c{i}" for i in range(1, nc + 1)]
    examiners = []
    for i in range(1, ne + 1):
        e = {"id": f"e{i}", "stations": rng.sample(stations, rng.randint(ns // 2, ns))}
        if rng.random() < named:
            e["runs"] = sorted(rng.sample([1, 2, 3], rng.randint(2, 3)))
        examiners.append(e)
    conflicts = sorted(
        {(rng.choice(examiners)["id"], rng.choice(candidates)) for _ in range(nconf)}
    )
    return {
        "stations": stations,
        "candidates": candidates,
        "circuits": k,
        "max_rest_stations": 1,
        "examiners": examiners,
        "conflicts": [list(c) for c in conflicts],
    }


def main() -> None:
    print("stations candidates circuits examiners conflicts -> rounds  seconds")
    for seed, ns, nc, k, ne, nconf, named in CASES:
        data = instance(seed, ns, nc, k, ne, nconf, named)
        start = time.perf_counter()
        try:
            result = rotation.solve_json(data, time_limit_s=60).get("rounds_total")
        except (rotation.RuleError, TimeoutError) as exc:
            result = f"none ({str(exc)[:40]}…)"
        seconds = time.perf_counter() - start
        print(f"{ns:8} {nc:10} {k:8} {ne:9} {nconf:9} -> {result!s:6} {seconds:8.2f}")


if __name__ == "__main__":
    main()
