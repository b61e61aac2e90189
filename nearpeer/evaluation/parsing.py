"""Survey export parsers: Qualtrics CSV (current and legacy layouts), Microsoft Forms XLSX and
plain CSV.

Plain Python, no Django: returns a ParsedSurvey or raises ParseError listing every problem by row
and column. Only columns that look like questions by name and content are kept
(`screening.py`, an allowlist); every other column is dropped here with its reason, so it never
reaches the database, unless the lead keeps it by giving a reason (`keep`).
"""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from .screening import IDENTIFYING_NAME, Decision, decide

KINDS = ("single", "multi", "likert", "text")
LIKERT_LABELS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]
_LIKERT_WORDS = {label.lower(): i + 1 for i, label in enumerate(LIKERT_LABELS)}
# Microsoft Forms' Likert question offers "Strongly agree, Agree, Neutral, Disagree, Strongly
# disagree" by default, and its export holds the label text (tests/data/README.md).
_LIKERT_WORDS["neutral"] = 3
_LIKERT_HINT = re.compile(r"agree|confiden|satisf|likely|useful|how much|rate", re.I)
_IDENTIFYING = IDENTIFYING_NAME
_RESPONSE_ID = {"responseid", "response_id", "_recordid", "id"}
MAX_ROWS = 50_000
MAX_CELL = 20_000
# An .xlsx is a zip: its XML, not the file, is what openpyxl reads. A 498 KiB workbook that
# unpacked to hundreds of MiB took 125 s and 760 MiB of memory; the zip directory tells the
# unpacked size before anything is read.
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_XLSX_MEMBERS = 1_000


class ParseError(Exception):
    """The file cannot be imported; `errors` names each problem by row and column."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:20]))
        self.errors = errors


@dataclass
class ParsedQuestion:
    qid: str
    text: str
    kind: str
    options: list[str] = field(default_factory=list)


@dataclass
class ParsedRow:
    line: int
    response_id: str
    answers: dict[str, list[str]]


@dataclass
class ParsedSurvey:
    questions: list[ParsedQuestion]
    rows: list[ParsedRow]
    dropped_columns: list[str]
    # One per column of the file (the response id aside), in file order: question or dropped.
    decisions: list[Decision] = field(default_factory=list)
    # What the parser changed on the way in (columns grouped into one question), said aloud.
    notes: list[str] = field(default_factory=list)

    def preview(self) -> list[str]:
        return [d.describe() for d in self.decisions] + self.notes


@dataclass
class _Column:
    index: int
    qid: str
    text: str
    # A multiple-answer question spread over one column per choice: (column index, choice).
    parts: list[tuple[int, str]] | None = None


@dataclass
class _Candidate:
    index: int
    qid: str
    text: str
    header: str
    name_reason: str | None


def _screen(
    candidates: list[_Candidate], body: list[tuple[int, list[str]]], keep: dict[str, str]
) -> tuple[list[_Column], list[str], list[Decision]]:
    """Apply the allowlist to every candidate column: (kept columns, dropped headers,
    decisions). Raises ParseError for a --keep naming no column."""
    headers = {c.header for c in candidates}
    unknown = [h for h in keep if h not in headers]
    if unknown:
        raise ParseError(
            [f"--keep {h!r}: no column {h!r} in the file" for h in unknown]
            + [f"columns are: {', '.join(sorted(headers))}"]
        )
    missing_reason = [h for h, reason in keep.items() if not reason.strip()]
    if missing_reason:
        raise ParseError([f"--keep {h!r}: give a reason for keeping it" for h in missing_reason])
    columns, dropped, decisions = [], [], []
    for c in candidates:
        values = [r[c.index] for _, r in body if len(r) > c.index]
        decision = decide(
            header=c.header, qid=c.qid, name_reason=c.name_reason, values=values, keep=keep
        )
        decisions.append(decision)
        if decision.kept:
            columns.append(_Column(c.index, c.qid, c.text))
        else:
            dropped.append(c.header)
    return columns, dropped, decisions


def _read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError([f"the file is not UTF-8 text (at byte offset {exc.start})"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    try:
        previous = 0
        for record in reader:
            # A record may span lines (line breaks inside quotes): report the line it starts on.
            records.append((previous + 1, record))
            previous = reader.line_num
            if len(records) > MAX_ROWS:
                raise ParseError([f"more than {MAX_ROWS} rows"])
    except csv.Error as exc:
        raise ParseError([f"line {reader.line_num}: {exc}"]) from None
    return records


def _split_multi(value: str, sep: str) -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


def infer_kind(text: str, values: list[str], multi_sep: str = ",") -> str:
    """Guess a question's type from its wording and its non-blank answers."""
    values = [v for v in values if v.strip()]
    if not values:
        return "text"
    if all(re.fullmatch(r"\d+(\s*,\s*\d+)*", v) for v in values):
        if any("," in v for v in values):
            return "multi"
        numbers = {int(v) for v in values}
        if numbers <= set(range(1, 6)) and _LIKERT_HINT.search(text):
            return "likert"
        return "single"
    if all(v.strip().lower() in _LIKERT_WORDS for v in values):
        return "likert"
    distinct = set(values)
    parts = Counter(p for v in values for p in _split_multi(v, multi_sep))
    if multi_sep != "," and any(multi_sep in v for v in values) and len(parts) <= 15:
        return "multi"
    if (
        len(distinct) <= 10
        and all(len(v) <= 60 for v in distinct)
        and len(values) >= 2 * len(distinct)
    ):
        return "single"
    return "text"


def _build(
    columns: list[_Column],
    body: list[tuple[int, list[str]]],
    *,
    width: int,
    id_index: int | None,
    types: dict[str, str],
    multi_sep: str,
    dropped: list[str],
    decisions: list[Decision] | None = None,
) -> ParsedSurvey:
    errors: list[str] = []
    known = {c.qid for c in columns}
    for qid, kind in types.items():
        if qid not in known:
            errors.append(
                f"--type {qid}={kind}: no question {qid} in the file"
                f" (have {', '.join(sorted(known))})"
            )
        if kind not in KINDS:
            errors.append(f"--type {qid}={kind}: type must be one of {', '.join(KINDS)}")
    rows: list[tuple[int, list[str]]] = []
    for line, record in body:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != width:
            errors.append(f"row {line}: {len(record)} columns, expected {width} as in the header")
            continue
        for column in columns:
            if len(record[column.index]) > MAX_CELL:
                errors.append(
                    f"row {line}, column {column.qid}: answer longer than {MAX_CELL} characters"
                )
        rows.append((line, record))
    kinds = {
        c.qid: types.get(c.qid) or infer_kind(c.text, [r[c.index] for _, r in rows], multi_sep)
        for c in columns
    }
    seen: dict[str, int] = {}
    parsed_rows = []
    for n, (line, record) in enumerate(rows, start=1):
        response_id = record[id_index].strip() if id_index is not None else f"row-{n}"
        if not response_id:
            errors.append(f"row {line}, column ResponseId: empty response id")
        elif response_id in seen:
            errors.append(
                f"row {line}, column ResponseId: {response_id} repeats row {seen[response_id]}"
            )
        seen[response_id] = line
        answers = {}
        for column in columns:
            if column.parts:
                chosen = [choice for i, choice in column.parts if record[i].strip()]
                if chosen:
                    answers[column.qid] = chosen
                continue
            raw = record[column.index]
            if not raw.strip():
                continue
            kind = kinds[column.qid]
            if kind == "multi":
                answers[column.qid] = _split_multi(raw, multi_sep)
            elif kind == "likert":
                value = raw.strip()
                if value.lower() in _LIKERT_WORDS:
                    value = str(_LIKERT_WORDS[value.lower()])
                if value not in {"1", "2", "3", "4", "5"}:
                    errors.append(
                        f"row {line}, column {column.qid}: {raw!r} is not a 5-point Likert answer"
                    )
                    continue
                answers[column.qid] = [value]
            elif kind == "single":
                answers[column.qid] = [raw.strip()]
            else:
                answers[column.qid] = [raw.replace("\r\n", "\n")]
        parsed_rows.append(ParsedRow(line=line, response_id=response_id, answers=answers))
    if errors:
        raise ParseError(errors)
    questions = []
    for column in columns:
        kind = kinds[column.qid]
        options: list[str] = []
        if column.parts:
            options = [choice for _, choice in column.parts]
        elif kind == "likert":
            options = ["1", "2", "3", "4", "5"]
        elif kind in ("single", "multi"):
            observed = {v for row in parsed_rows for v in row.answers.get(column.qid, [])}
            options = sorted(
                observed, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v)
            )
        questions.append(
            ParsedQuestion(qid=column.qid, text=column.text, kind=kind, options=options)
        )
    return ParsedSurvey(
        questions=questions, rows=parsed_rows, dropped_columns=dropped, decisions=decisions or []
    )


def _unique_ids(columns: list[_Column]) -> list[str]:
    counts = Counter(c.qid for c in columns)
    return [
        f"question id {qid!r} appears in more than one column" for qid, n in counts.items() if n > 1
    ]


# The ImportId row: {"ImportId":"QID1"} today; {'ImportId': 'QID2_1'} in 2017-era exports.
_IMPORT_ID = re.compile(r"""^\{\s*(["'])ImportId\1\s*:\s*["']([^"']*)["']""")
# A multiple-answer question's choices: one column each, `Q3_1`, `Q3_2`… (ImportId QID3_1…).
_CHOICE_ID = re.compile(r"^(.+?)_(\d+)$")


def _group_choices(
    columns: list[_Column], body: list[tuple[int, list[str]]]
) -> tuple[list[_Column], list[str]]:
    """Qualtrics writes a multiple-answer question as one column per choice (`Q3_1`, `Q3_2`…,
    label "Question - Choice", value 1 or the choice's text when chosen, blank otherwise).
    Neighbouring columns of one id stem whose every answer is 1 or the choice's own text become
    one multiple-answer question; the preview says so. A matrix (answers 1–5) is left alone."""
    grouped: list[_Column] = []
    notes: list[str] = []
    i = 0
    while i < len(columns):
        match = _CHOICE_ID.match(columns[i].qid)
        j = i + 1
        while match and j < len(columns):
            other = _CHOICE_ID.match(columns[j].qid)
            if (
                not other
                or other.group(1) != match.group(1)
                or columns[j].index != (columns[j - 1].index + 1)
            ):
                break
            j += 1
        run = columns[i:j]
        if len(run) >= 2 and _all_choice_marks(run, body):
            question, choices = _split_labels([c.text for c in run])
            grouped.append(
                _Column(run[0].index, match.group(1), question, parts=list(zip(
                    [c.index for c in run], choices, strict=True
                )))
            )  # fmt: skip
            notes.append(
                f"columns {run[0].qid}…{run[-1].qid}: one multiple-answer question "
                f"{match.group(1)} with {len(run)} choices (each column held 1 or its choice, "
                "or was blank)"
            )
            i = j
        else:
            grouped.append(columns[i])
            i += 1
    return grouped, notes


def _all_choice_marks(run: list[_Column], body: list[tuple[int, list[str]]]) -> bool:
    _, choices = _split_labels([c.text for c in run])
    seen = False
    for column, choice in zip(run, choices, strict=True):
        for _, record in body:
            value = record[column.index].strip() if len(record) > column.index else ""
            if not value:
                continue
            if value not in ("1", choice, column.text.strip()):
                return False
            seen = True
    return seen


def _split_labels(labels: list[str]) -> tuple[str, list[str]]:
    """ "Which did you use? - Recordings", "… - Slides" → the question and its choices."""
    prefix = labels[0]
    for label in labels[1:]:
        while not label.startswith(prefix):
            prefix = prefix[:-1]
    # Cut back to the separator Qualtrics puts between question and choice (" - " or "-").
    cut = max(prefix.rfind(" - "), prefix.rfind("-"))
    if cut > 0:
        prefix = prefix[: cut + (3 if prefix[cut : cut + 3] == " - " else 1)]
    question = prefix.rstrip(" -").strip() or labels[0]
    choices = [label[len(prefix) :].strip() or label for label in labels]
    return question, choices


def parse_qualtrics(
    data: bytes, *, types: dict[str, str] | None = None, keep: dict[str, str] | None = None
) -> ParsedSurvey:
    """A Qualtrics CSV export: current layout (ids, question text, {"ImportId": …}) or legacy
    (V1… ids, then labels). Only question columns are kept; ResponseId becomes the response id."""
    records = _read_csv(data)
    if len(records) < 2:
        raise ParseError(
            ["a Qualtrics export starts with at least two header rows (column ids, question text)"]
        )
    ids = [c.strip() for c in records[0][1]]
    labels = records[1][1]
    width = len(ids)
    legacy = bool(ids) and ids[0] == "V1"
    if len(labels) != width:
        raise ParseError(
            [
                f"row {records[1][0]}: {len(labels)} columns in the question text row,"
                f" expected {width}"
            ]
        )
    candidates: list[_Candidate] = []
    id_index = None
    if legacy:
        body = records[2:]
        for i, (cid, label) in enumerate(zip(ids, labels, strict=True)):
            if not cid:
                continue
            if label.strip().lower() == "responseid":
                id_index = i
                continue
            reason = None
            if re.fullmatch(r"V\d+", cid):
                reason = "Qualtrics metadata, not a question"
            elif _IDENTIFYING.search(cid) or _IDENTIFYING.search(label):
                reason = "its name looks identifying"
            candidates.append(_Candidate(i, cid, label.strip(), cid, reason))
    else:
        if (
            len(records) < 3
            or not all(_IMPORT_ID.match(c.strip()) for c in records[2][1] if c.strip())
            or not any(records[2][1])
        ):
            raise ParseError(
                [
                    'row 3: expected the Qualtrics ImportId header row ({"ImportId": …}); '
                    "export with three header rows, or use --format csv"
                ]
            )
        if len(records[2][1]) != width:
            raise ParseError(
                [
                    f"row {records[2][0]}: {len(records[2][1])} columns in the ImportId row,"
                    f" expected {width}"
                ]
            )
        body = records[3:]
        for i, (cid, label, meta) in enumerate(zip(ids, labels, records[2][1], strict=True)):
            match = _IMPORT_ID.match(meta.strip())
            import_id = match.group(2) if match else ""
            if cid.lower() == "responseid" or import_id == "_recordId":
                id_index = i
                continue
            derived = "Topics" in import_id or "Sentiment" in import_id or " - Topics" in cid
            reason = None
            if not import_id.startswith("QID") or derived:
                reason = "Qualtrics metadata or a derived column, not a question"
            elif _IDENTIFYING.search(cid) or _IDENTIFYING.search(label):
                reason = "its name looks identifying"
            candidates.append(
                _Candidate(i, re.sub(r"[^\w.-]", "_", cid)[:50], label.strip(), cid, reason)
            )
    if id_index is None:
        raise ParseError(["no ResponseId column in the header (column ids row)"])
    columns, dropped, decisions = _screen(candidates, body, keep or {})
    columns, notes = _group_choices(columns, body)
    problems = _unique_ids(columns)
    if problems:
        raise ParseError(problems)
    parsed = _build(
        columns,
        body,
        width=width,
        id_index=id_index,
        types={**{c.qid: "multi" for c in columns if c.parts}, **(types or {})},
        multi_sep=",",
        dropped=dropped,
        decisions=decisions,
    )
    parsed.notes = notes
    return parsed


def _qid_for(header: str, n: int) -> str:
    header = header.strip()
    return header if re.fullmatch(r"[A-Za-z][\w.-]{0,49}", header) else f"Q{n}"


def parse_plain_csv(
    data: bytes, *, types: dict[str, str] | None = None, keep: dict[str, str] | None = None
) -> ParsedSurvey:
    """One header row; a response_id column if present; every other column a question when
    its name and answers pass the screening (an allowlist), dropped otherwise."""
    records = _read_csv(data)
    if not records:
        raise ParseError(["the file is empty"])
    header = [h.strip() for h in records[0][1]]
    candidates, id_index = [], None
    for i, h in enumerate(header):
        if h.lower() in _RESPONSE_ID:
            id_index = i
        elif not h:
            raise ParseError([f"row 1, column {i + 1}: empty column name"])
        else:
            reason = "its name looks identifying" if _IDENTIFYING.search(h) else None
            candidates.append(_Candidate(i, "", h, h, reason))
    columns, dropped, decisions = _screen(candidates, records[1:], keep or {})
    # Question ids are numbered over the kept columns only.
    for n, column in enumerate(columns, start=1):
        column.qid = _qid_for(column.text, n)
    for decision in decisions:
        decision.qid = next((c.qid for c in columns if c.text == decision.header), "")
    problems = _unique_ids(columns)
    if problems:
        raise ParseError(problems)
    return _build(
        columns,
        records[1:],
        width=len(header),
        id_index=id_index,
        types=types or {},
        multi_sep=",",
        dropped=dropped,
        decisions=decisions,
    )


_MSFORMS_META = re.compile(
    r"^(start time|completion time|last modified time|email|name|total points|quiz feedback"
    r"|grade posted time)$"
    # A quiz export follows each question with its marks and the feedback shown.
    r"|^(points|feedback) - ",
    re.I,
)


RANKING_REASON = (
    "a ranking (every answer orders the same {n} choices, in different orders): Nearpeer has "
    "no ranking question, and reading it as multiple choice would lose the order. Keep it "
    "(--keep, or the form's 'Keep a dropped column') to store each order as text"
)


def _ranking_size(values: list[str]) -> int:
    """How many choices a Microsoft Forms ranking column orders, or 0 if it is not one.

    Forms writes a ranking as the choices in the respondent's order, ";"-joined with a trailing
    ";", the same way as a multiple-answer choice question (which lists them in the form's
    order). A column is a ranking when every answer holds the same two or more choices and the
    orders differ."""
    answers = [_split_multi(v, ";") for v in values if v.strip()]
    if len(answers) < 2 or not all(v.strip().endswith(";") for v in values if v.strip()):
        return 0
    first = set(answers[0])
    if len(first) < 2 or any(len(a) != len(first) or set(a) != first for a in answers):
        return 0
    return len(first) if len({tuple(a) for a in answers}) > 1 else 0


def _check_xlsx_size(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack beyond the limit, from the zip directory
    alone (nothing is decompressed here)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise ParseError(["not an XLSX workbook (it is not a zip file)"]) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise ParseError([f"the workbook has {len(members):,} parts; at most {MAX_XLSX_MEMBERS:,}"])
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ParseError(
            [
                f"the workbook unpacks to {unpacked / 1024 / 1024:,.0f} MiB; the limit is "
                f"{MAX_XLSX_UNPACKED_BYTES / 1024 / 1024:,.0f} MiB. Export only the responses "
                "sheet, or as CSV (--format csv)"
            ]
        )


def parse_msforms(
    data: bytes, *, types: dict[str, str] | None = None, keep: dict[str, str] | None = None
) -> ParsedSurvey:
    """A Microsoft Forms XLSX export: ID, times, Email, Name, then one column per question;
    multiple-choice answers separated by semicolons."""
    import openpyxl

    _check_xlsx_size(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-XLSX file
        raise ParseError([f"not an XLSX workbook ({exc.__class__.__name__})"]) from None
    sheet = book.worksheets[0]
    records = []
    for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        records.append((n, ["" if v is None else str(v) for v in row]))
        if n > MAX_ROWS:
            raise ParseError([f"more than {MAX_ROWS} rows"])
    book.close()
    if not records:
        raise ParseError(["the workbook is empty"])
    header = [h.strip() for h in records[0][1]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    body = [(n, (r + [""] * width)[:width] if not any(r[width:]) else r) for n, r in records[1:]]
    candidates, id_index, rankings = [], None, set()
    for i, h in enumerate(header):
        if h.lower() == "id":
            id_index = i
            continue
        reason = None
        if _MSFORMS_META.match(h):
            reason = "Microsoft Forms metadata, not a question"
        elif _IDENTIFYING.search(h):
            reason = "its name looks identifying"
        elif size := _ranking_size([r[i] for _, r in body if len(r) > i]):
            reason = RANKING_REASON.format(n=size)
            rankings.add(i)
        candidates.append(_Candidate(i, "", h, h, reason))
    columns, dropped, decisions = _screen(candidates, body, keep or {})
    types = dict(types or {})
    for n, column in enumerate(columns, start=1):
        column.qid = f"Q{n}"
        if column.index in rankings:
            types.setdefault(column.qid, "text")  # kept on purpose: the order, as written
    for decision in decisions:
        decision.qid = next((c.qid for c in columns if c.index == _index_of(header, decision)), "")
    return _build(
        columns,
        body,
        width=width,
        id_index=id_index,
        types=types,
        multi_sep=";",
        dropped=dropped,
        decisions=decisions,
    )


def _index_of(header: list[str], decision: Decision) -> int:
    return header.index(decision.header)


PARSERS = {"qualtrics": parse_qualtrics, "msforms": parse_msforms, "csv": parse_plain_csv}


def parse(
    data: bytes,
    *,
    fmt: str,
    types: dict[str, str] | None = None,
    keep: dict[str, str] | None = None,
) -> ParsedSurvey:
    """`keep` maps column headers the screening drops to the lead's reason for keeping them."""
    if fmt not in PARSERS:
        raise ParseError([f"unknown format {fmt!r}; use one of {', '.join(PARSERS)}"])
    return PARSERS[fmt](data, types=types, keep=keep)
