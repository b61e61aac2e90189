"""GIFT parsing speed: a ~5 MB file (the size cap) of Moodle-style questions, timed against a
quarter-size file in the same run so the ratio shows linear growth on a busy machine.

    .venv/bin/python bench/gift_parse.py
"""

import time

from nearpeer.questions import formats


def make(questions: int) -> str:
    blocks = []
    for i in range(questions):
        blocks.append(
            f"// [tag:specialty:Cardiology] [tag:set {i % 7}]\n"
            f"::Q{i}::[markdown]A {40 + i % 30}-year-old has chest pain \\{{case {i}\\}}. "
            "Which artery is most likely occluded? {\n"
            "  =Right coronary artery#Inferior leads.\n"
            "  ~Left anterior descending#Anterior leads.\n"
            "  ~%25%Left circumflex#Lateral leads.\n"
            "  ~Left main stem\n"
            "  ####Leads II, III and aVF face the inferior wall.\n}"
        )
    return "\n\n".join(blocks)


def timed(text: str) -> float:
    start = time.perf_counter()
    result = formats.parse_gift(text)
    elapsed = time.perf_counter() - start
    assert not result.problems, result.problems[:3]
    return elapsed


def main() -> None:
    quarter = make(3_500)
    full = make(14_000)
    while len(full.encode()) > formats.MAX_FILE_BYTES:
        full = full[: full.rfind("\n\n")]
    small, large = timed(quarter), timed(full)
    print(f"GIFT {len(quarter.encode()) / 1e6:.2f} MB: {small:.2f} s")
    print(f"GIFT {len(full.encode()) / 1e6:.2f} MB: {large:.2f} s")
    print(f"size ×{len(full) / len(quarter):.2f} → time ×{large / small:.2f} (linear ≈ equal)")


if __name__ == "__main__":
    main()
