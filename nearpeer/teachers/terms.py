"""Terms named the way people type them. No Django import."""

import re
from datetime import date

from nearpeer.teaching.terms import term_bounds

_SEASON_MONTH = {"autumn": 9, "spring": 1, "summer": 4}
_PATTERNS = (
    re.compile(r"^(?P<season>autumn|spring|summer)[\s_-]*(?:term)?[\s_-]*(?P<year>\d{4})$"),
    re.compile(r"^(?P<year>\d{4})[\s_-]*(?P<season>autumn|spring|summer)$"),
)


class TermError(ValueError):
    pass


def parse_term(text: str) -> tuple[date, date, str]:
    """'autumn-2026', 'Autumn term 2026' or '2026-autumn' → (first day, day after last, name)."""
    cleaned = " ".join(text.strip().lower().split())
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            month = _SEASON_MONTH[match["season"]]
            return term_bounds(date(int(match["year"]), month, 1))
    raise TermError(f"term {text!r}: write it as autumn-2026, spring-2027 or summer-2027")


def term_slug(name: str) -> str:
    """'Autumn term 2026' → 'autumn-2026'."""
    season, _, year = name.lower().split()
    return f"{season}-{year}"
