from datetime import date

import pytest

from nearpeer.teaching.terms import term_bounds


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 25), (date(2026, 9, 1), date(2027, 1, 1), "Autumn term 2026")),
        (date(2027, 1, 1), (date(2027, 1, 1), date(2027, 4, 1), "Spring term 2027")),
        (date(2027, 3, 31), (date(2027, 1, 1), date(2027, 4, 1), "Spring term 2027")),
        (date(2027, 8, 31), (date(2027, 4, 1), date(2027, 9, 1), "Summer term 2027")),
    ],
)
def test_term_bounds(today, expected):
    assert term_bounds(today) == expected
