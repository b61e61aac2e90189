"""Academic terms as date ranges. No Django import."""

from datetime import date


def term_bounds(today: date) -> tuple[date, date, str]:
    """(first day, day after the last, name) of the UK-style term containing `today`:
    autumn September–December, spring January–March, summer April–August."""
    y = today.year
    if today.month >= 9:
        return date(y, 9, 1), date(y + 1, 1, 1), f"Autumn term {y}"
    if today.month <= 3:
        return date(y, 1, 1), date(y, 4, 1), f"Spring term {y}"
    return date(y, 4, 1), date(y, 9, 1), f"Summer term {y}"
