"""Parse a roster CSV (`email,name,year`) into rows and per-line errors. No Django import.

Line numbers count the header as line 1, as a spreadsheet shows them.
"""

import csv
import io
import re
from dataclasses import dataclass

HEADER = ("email", "name", "year")
MAX_ROWS = 5000
MAX_BYTES = 1_000_000
MAX_NAME_LENGTH = 150
MAX_EMAIL_LENGTH = 254
# Deliberately plain: one @, a dot in the domain, no spaces. The mail server has the last word.
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    name: str
    year: int


@dataclass(frozen=True)
class RosterError:
    line: int  # 0 when the problem is the whole file
    column: str  # "" when the problem is the whole line or file
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return f"The file: {self.message}"
        where = f"Line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def parse_roster(
    data: bytes, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> tuple[list[RosterRow], list[RosterError]]:
    """Return the valid rows and every error found. Callers import nothing if errors is not
    empty (all-or-nothing)."""
    if len(data) > max_bytes:
        return [], [RosterError(0, "", f"larger than {max_bytes:,} bytes")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [RosterError(line, "", "the file is not UTF-8 text; save it as CSV UTF-8")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [RosterError(1, "", f"unreadable CSV ({exc})")]
    if header is None:
        return [], [RosterError(1, "", "the file is empty; expected the header email,name,year")]
    if tuple(h.strip().lower() for h in header) != HEADER:
        found = ",".join(header)
        return [], [RosterError(1, "", f"expected the header email,name,year, found {found!r}")]

    rows: list[RosterRow] = []
    errors: list[RosterError] = []
    first_line_of: dict[str, int] = {}
    count = 0
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines are harmless
            count += 1
            if count > max_rows:
                errors.append(RosterError(line, "", f"more than {max_rows:,} rows in one file"))
                break
            if len(record) != len(HEADER):
                errors.append(RosterError(line, "", f"expected 3 columns, found {len(record)}"))
                continue
            row, row_errors = _parse_record(line, record, first_line_of)
            errors.extend(row_errors)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(RosterError(reader.line_num, "", f"unreadable CSV ({exc})"))
    return rows, errors


def _parse_record(
    line: int, record: list[str], first_line_of: dict[str, int]
) -> tuple[RosterRow | None, list[RosterError]]:
    email, name, year_text = (cell.strip() for cell in record)
    email = email.lower()
    errors = []
    if not email:
        errors.append(RosterError(line, "email", "missing email address"))
    elif len(email) > MAX_EMAIL_LENGTH or not EMAIL_RE.match(email):
        errors.append(RosterError(line, "email", f"{email!r} is not an email address"))
    elif email in first_line_of:
        errors.append(
            RosterError(line, "email", f"{email} already appears on line {first_line_of[email]}")
        )
    else:
        first_line_of[email] = line
    if not name:
        errors.append(RosterError(line, "name", "missing name"))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(RosterError(line, "name", f"longer than {MAX_NAME_LENGTH} characters"))
    year = int(year_text) if year_text.isdigit() else None
    if year is None or not 1 <= year <= 6:
        errors.append(
            RosterError(line, "year", f"year must be a whole number 1–6, not {year_text!r}")
        )
    if errors:
        return None, errors
    return RosterRow(line=line, email=email, name=name, year=year), []
