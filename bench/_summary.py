"""One summary table for `make bench`.

Each bench script calls `record(...)` for its headline figures; with NEARPEER_BENCH_SUMMARY=FILE
set (as `make bench` does) they are appended to FILE as JSON lines, otherwise nothing happens.
`python bench/_summary.py FILE` prints the table.
"""

import json
import os
import sys


def record(bench: str, what: str, figure: str, target: str = "", met: bool | None = None) -> None:
    path = os.environ.get("NEARPEER_BENCH_SUMMARY")
    if not path:
        return
    row = {"bench": bench, "what": what, "figure": figure, "target": target, "met": met}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def print_table(path: str) -> None:
    rows = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
    if not rows:
        print("No bench recorded a figure.")
        return
    widths = [max(len(str(r[k] or "")) for r in rows) for k in ("bench", "what", "figure")]
    widths = [max(w, len(h)) for w, h in zip(widths, ("bench", "what", "figure"), strict=True)]
    print("\nSummary (machine load shown by each bench above)")
    head = f"{'bench':<{widths[0]}}  {'what':<{widths[1]}}  {'figure':<{widths[2]}}  target"
    print(head)
    print("-" * len(head))
    for r in rows:
        mark = {True: " (met)", False: " (NOT met)", None: ""}[r.get("met")]
        print(
            f"{r['bench']:<{widths[0]}}  {r['what']:<{widths[1]}}  {r['figure']:<{widths[2]}}  "
            f"{r['target'] or ''}{mark if r['target'] else ''}"
        )


if __name__ == "__main__":
    print_table(sys.argv[1])
