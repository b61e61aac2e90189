"""Classical item analysis of a sat paper. No Django import: used by the mock-exam page, the
`nearpeer questions item-analysis` command and the benchmark alike.

Input is one response per candidate and item (`Response`); a blank response is an omission and
scores 0. Formulas are documented in docs/item-analysis.md.
"""

import csv
import functools
import io
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

UPPER_LOWER_SHARE = 0.27
LOW_FACILITY = 0.2
HIGH_FACILITY = 0.9
LOW_DISCRIMINATION = 0.2
OMITTED = "omitted"
CSV_COLUMNS = ("candidate", "item", "response", "key")
ITEM_FIELDS = ("item", "n", "facility", "discrimination", "point_biserial", "options", "flags")


class ResponsesError(ValueError):
    """Bad responses input; the message names the line where there is one."""


class Response(NamedTuple):
    candidate: str
    item: str
    response: str
    key: str
    # Share of the marks (0–1) when the paper scores it (partial credit); None: right when the
    # response equals the key.
    credit: float | None = None


@dataclass
class ItemResult:
    item: str
    n: int
    facility: float
    discrimination: float
    point_biserial: float | None
    options: dict[str, float]
    flags: list[str] = field(default_factory=list)


@dataclass
class TestResult:
    candidates: int
    items: int
    mean: float
    sd: float
    kr20: float | None
    sem: float | None


@dataclass
class Analysis:
    items: list[ItemResult]
    test: TestResult

    def as_dict(self) -> dict:
        return {
            "items": [{name: getattr(item, name) for name in ITEM_FIELDS} for item in self.items],
            "test": {
                "candidates": self.test.candidates,
                "items": self.test.items,
                "mean": self.test.mean,
                "sd": self.test.sd,
                "kr20": self.test.kr20,
                "sem": self.test.sem,
            },
        }


@functools.lru_cache(maxsize=4096)
def normalise_answer(text: str) -> str:
    """Compare answers letter-set-wise, so a multiple-response "CA" equals the key "AC"."""
    text = (text or "").strip().upper()
    if len(text) > 1 and text.isalpha():
        return "".join(sorted(set(text)))
    return text


def _frame(responses) -> pd.DataFrame:
    if isinstance(responses, pd.DataFrame):
        return responses
    return pd.DataFrame.from_records(list(responses), columns=[*CSV_COLUMNS, "credit"])


def _normalised(column: pd.Series) -> np.ndarray:
    memo = {value: normalise_answer(value) for value in pd.unique(column)}
    return column.map(memo).to_numpy(dtype=object)


def score_matrix(responses) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Candidates and items (first-seen order), the score matrix (candidates × items: 0/1, or the
    credit given where the input carries it) and the normalised responses (items × candidates,
    "" for an omission)."""
    frame = _frame(responses)
    candidate_codes, candidates = pd.factorize(frame["candidate"])
    item_codes, items = pd.factorize(frame["item"])
    answers = _normalised(frame["response"])
    keys = _normalised(frame["key"])
    correct = ((answers != "") & (answers == keys)).astype(float)
    if "credit" in frame and frame["credit"].notna().any():
        credit = pd.to_numeric(frame["credit"], errors="coerce").to_numpy(dtype=float)
        correct = np.where(np.isnan(credit), correct, credit)
        scores = np.zeros((len(candidates), len(items)), dtype=float)
    else:
        scores = np.zeros((len(candidates), len(items)), dtype=np.int8)
    scores[candidate_codes, item_codes] = correct
    by_item = np.full((len(items), len(candidates)), "", dtype=object)
    by_item[item_codes, candidate_codes] = answers
    return list(candidates), list(items), scores, by_item


def _round(value: float | None, places: int = 4) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), places)


def group_weights(totals: np.ndarray, group: int) -> np.ndarray:
    """Each candidate's share of membership in the top `group` candidates by `totals`.

    Candidates above the cut count fully; those tied at the cut score share the places left
    fractionally (2 places among 4 tied candidates → ½ each). The weights sum to `group` and do
    not depend on the order of the input rows, which a sort that kept input order for ties did."""
    weights = np.zeros(len(totals), dtype=float)
    if group <= 0 or len(totals) == 0:
        return weights
    cut = np.sort(totals)[::-1][group - 1]
    above = totals > cut
    tied = totals == cut
    weights[above] = 1.0
    weights[tied] = (group - above.sum()) / tied.sum()
    return weights


def analyse(responses: "Iterable[Response] | pd.DataFrame") -> Analysis:
    """Facility, discrimination (upper–lower 27 %), point-biserial (item vs rest of test), option
    shares per item; mean, SD, KR-20 and SEM for the test."""
    candidates, items, scores, by_item = score_matrix(responses)
    n_candidates, n_items = scores.shape
    if n_candidates == 0 or n_items == 0:
        raise ResponsesError("there are no responses to analyse")
    totals = scores.sum(axis=1).astype(float)
    group = max(1, int(round(UPPER_LOWER_SHARE * n_candidates)))
    upper = group_weights(totals, group)
    lower = group_weights(-totals, group)

    results = []
    for i, item in enumerate(items):
        column = scores[:, i].astype(float)
        facility = column.mean()
        discrimination = (upper @ column - lower @ column) / group
        rest = totals - column
        point_biserial = None
        if column.std() > 0 and rest.std() > 0:
            point_biserial = float(np.corrcoef(column, rest)[0, 1])
        counts = Counter(by_item[i].tolist())
        if "" in counts:
            counts[OMITTED] = counts.pop("")
        options = {
            label: round(count / n_candidates, 4)
            for label, count in sorted(counts.items(), key=lambda kv: (kv[0] == OMITTED, kv[0]))
        }
        flags = []
        if facility < LOW_FACILITY:
            flags.append("low_facility")
        if facility > HIGH_FACILITY:
            flags.append("high_facility")
        if discrimination < LOW_DISCRIMINATION:
            flags.append("low_discrimination")
        results.append(
            ItemResult(
                item=item,
                n=n_candidates,
                facility=_round(facility),
                discrimination=_round(discrimination),
                point_biserial=_round(point_biserial),
                options=options,
                flags=flags,
            )
        )

    mean = totals.mean()
    sd = totals.std(ddof=1) if n_candidates > 1 else 0.0
    kr20 = sem = None
    if n_items > 1 and n_candidates > 1 and sd > 0:
        item_variances = scores.astype(float).var(axis=0, ddof=1).sum()
        kr20 = n_items / (n_items - 1) * (1 - item_variances / sd**2)
        sem = sd * math.sqrt(max(0.0, 1 - kr20))
    test = TestResult(
        candidates=n_candidates,
        items=n_items,
        mean=_round(mean),
        sd=_round(sd),
        kr20=_round(kr20),
        sem=_round(sem),
    )
    return Analysis(items=results, test=test)


def read_responses_csv(text: str) -> "pd.DataFrame | list[Response]":
    """Parse `candidate,item,response,key` rows. Errors name the line (header is line 1).

    A vectorised pass (pandas) accepts a clean file quickly; anything doubtful is re-read row by
    row, which finds the first bad line and names it."""
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError):
        return _read_responses_rows(text)
    if [c.strip().lower() for c in frame.columns] != list(CSV_COLUMNS) or frame.empty:
        return _read_responses_rows(text)
    frame.columns = list(CSV_COLUMNS)
    frame = frame.apply(lambda column: column.str.strip())
    keys = pd.Series(_normalised(frame["key"]), index=frame.index)
    if (
        (frame[["candidate", "item", "key"]] == "").to_numpy().any()
        or frame.duplicated(["candidate", "item"]).any()
        or (keys.groupby(frame["item"]).nunique() > 1).any()
        or len(frame) != frame["candidate"].nunique() * frame["item"].nunique()
    ):
        return _read_responses_rows(text)
    return frame


def _read_responses_rows(text: str) -> list[Response]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ResponsesError("line 1: the file is empty; expected a header row") from None
    header = [h.strip().lower() for h in header]
    if header[: len(CSV_COLUMNS)] != list(CSV_COLUMNS) or len(header) != len(CSV_COLUMNS):
        raise ResponsesError(
            f"line 1: expected the header {','.join(CSV_COLUMNS)}, found {','.join(header)}"
        )
    responses: list[Response] = []
    seen: dict[tuple[str, str], int] = {}
    keys: dict[str, tuple[str, int]] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            raise ResponsesError(f"line {line}: expected 4 columns, found {len(row)}")
        candidate, item, response, key = (cell.strip() for cell in row)
        if not candidate:
            raise ResponsesError(f"line {line}: the candidate is empty")
        if not item:
            raise ResponsesError(f"line {line}: the item is empty")
        if not key:
            raise ResponsesError(f"line {line}: the key of item {item!r} is empty")
        if (candidate, item) in seen:
            raise ResponsesError(
                f"line {line}: candidate {candidate!r} already answered item {item!r} "
                f"on line {seen[(candidate, item)]}"
            )
        known = keys.get(item)
        if known is None:
            known = keys[item] = (normalise_answer(key), line)
        elif known[0] != normalise_answer(key):
            raise ResponsesError(
                f"line {line}: item {item!r} has key {key!r} but {known[0]!r} on line {known[1]}"
            )
        seen[(candidate, item)] = line
        responses.append(Response(candidate, item, response, key))
    if not responses:
        raise ResponsesError("line 2: there are no response rows after the header")
    candidates = {c for c, _ in seen}
    if len(seen) == len(candidates) * len(keys):
        return responses
    for candidate in sorted(candidates):
        for item in keys:
            if (candidate, item) not in seen:
                raise ResponsesError(
                    f"candidate {candidate!r} has no row for item {item!r} "
                    "(write a row with a blank response for an omission)"
                )
    return responses


def to_json(analysis: Analysis) -> str:
    return json.dumps(analysis.as_dict(), indent=2)


def to_csv(analysis: Analysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ITEM_FIELDS)
    for item in analysis.items:
        writer.writerow(
            [
                escape_csv_cell(item.item),
                item.n,
                item.facility,
                item.discrimination,
                "" if item.point_biserial is None else item.point_biserial,
                ";".join(f"{escape_csv_cell(k)}={v}" for k, v in item.options.items()),
                ";".join(item.flags),
            ]
        )
    return out.getvalue()


def escape_csv_cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote stops it."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
