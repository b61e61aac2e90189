"""Which feedback batches may be shown. No Django import.

The anonymous-answer store hands answers over in batches. A report that grew by fewer than
`threshold` answers between two looks would reveal those few answers by difference, so batches
are released only in groups that together hold at least `threshold` answers; what is left over
waits for the next batch (and stays hidden for good if none comes).
"""

from collections.abc import Sequence

ABSOLUTE_MINIMUM = 3


def effective_threshold(configured: int) -> int:
    """The configured number of answers, never under three."""
    return max(ABSOLUTE_MINIMUM, int(configured))


def released_count(batch_sizes: Sequence[int], threshold: int) -> int:
    """How many of the batches (in flush order) are released: a prefix, ending where the
    running total since the last release first reaches the threshold."""
    released = 0
    pending = 0
    for index, size in enumerate(batch_sizes):
        pending += size
        if pending >= threshold:
            released = index + 1
            pending = 0
    return released
