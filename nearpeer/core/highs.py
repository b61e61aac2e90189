"""A quiet HiGHS solver for the exact models (tutorial allocation, OSCE rotation). No Django import,
so the command-line tools that run without settings can use it."""

import os
import sys
from collections.abc import Sequence

import highspy
import numpy as np

_banner_hidden = False


def new_quiet_highs() -> highspy.Highs:
    """A single-threaded, seeded HiGHS that prints nothing and closes no gap early. HiGHS prints a
    banner to stdout the first time one is built in a process (which would corrupt `-o -`
    output), so that first construction runs with stdout closed."""
    global _banner_hidden
    if _banner_hidden:
        highs = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_hidden = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("random_seed", 1)
    return highs


def add_rows(
    highs: highspy.Highs, rows: Sequence[tuple[float, float, list[int], list[float]]]
) -> None:
    """Add constraint rows `(lower, upper, column indices, coefficients)` in one call (one row at a
    time is far slower on models of tens of thousands of rows)."""
    if not rows:
        return
    starts, index, value = [], [], []
    for _, _, idx, vals in rows:
        starts.append(len(index))
        index.extend(idx)
        value.extend(vals)
    highs.addRows(
        len(rows),
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )
