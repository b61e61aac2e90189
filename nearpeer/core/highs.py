"""A quiet HiGHS solver for the exact models (tutorial allocation, OSCE rotation). No Django import,
so the command-line tools that run without settings can use it."""

import os
import sys

import highspy

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
