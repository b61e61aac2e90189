"""Target years of study stored as a bitmask (bit n set = year n), so "sessions for year 3" is one
indexed integer test on SQLite and PostgreSQL alike. No Django import."""

ALL_YEARS = tuple(range(1, 7))


def years_to_mask(years) -> int:
    mask = 0
    for year in years:
        year = int(year)
        if year not in ALL_YEARS:
            raise ValueError(f"year {year} is not between 1 and 6")
        mask |= 1 << year
    return mask


def mask_to_years(mask: int) -> list[int]:
    return [year for year in ALL_YEARS if mask & (1 << year)]


def format_years(mask: int) -> str:
    years = mask_to_years(mask)
    if not years:
        return "Invited members only"
    if years == list(ALL_YEARS):
        return "all years"
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"Years {years[0]}–{years[-1]}"
    return ("Year " if len(years) == 1 else "Years ") + ", ".join(map(str, years))
