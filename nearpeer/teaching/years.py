"""Target years of study stored as a bitmask (bit n set = year n). "Sessions for year 3" is asked
as "the mask is one of the 32 masks with bit 3 set" (`masks_with_year`), which an index on the
mask serves on SQLite and PostgreSQL alike; a bitwise test in SQL cannot use an index. No Django
import."""

ALL_YEARS = tuple(range(1, 7))


def years_to_mask(years) -> int:
    mask = 0
    for year in years:
        year = int(year)
        if year not in ALL_YEARS:
            raise ValueError(f"year {year} is not between 1 and 6")
        mask |= 1 << year
    return mask


def masks_with_year(year: int) -> list[int]:
    """Every mask of years 1–6 that includes `year`, in ascending order."""
    bit = 1 << year
    return [mask for mask in range(0, 1 << (ALL_YEARS[-1] + 1), 2) if mask & bit]


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
