"""Question types and how an answer is scored. No Django import: used by practice, mock exams,
the review queue, item analysis and every import/export format alike.

A version keeps `options` (a list of {"text", "correct", optional "credit", optional
"feedback"}) and `details` (a dict whose keys depend on the type):

- single / multiple / truefalse: choose options; true/false has exactly the options True, False.
- emq (extended matching; Moodle "matching"): `options` is the one option list and
  `details["stems"]` = [{"text", "key": option index}]; each stem is answered from the list.
- short: `details["accepted"]` = [{"text", "credit"}] and `details["case_sensitive"]`.
- numerical: `details["accepted"]` = [{"value", "tolerance", "credit"}] and `details["units"]` =
  [{"unit", "multiplier"}] (a value typed in that unit is divided by the multiplier first).

A response is a dict: {"selected": [indexes]} for choice types, {"stems": [index or None, …]}
for EMQ, {"text": "…"} for short answer and numerical. Scores (credit) are in [0, 1].
"""

import math
import re
import unicodedata

SINGLE = "single"
MULTIPLE = "multiple"
TRUEFALSE = "truefalse"
EMQ = "emq"
SHORT = "short"
NUMERICAL = "numerical"
CHOICE_TYPES = (SINGLE, MULTIPLE, TRUEFALSE)
TYPES = (SINGLE, MULTIPLE, TRUEFALSE, EMQ, SHORT, NUMERICAL)
TYPE_LABELS = {
    SINGLE: "single best answer",
    MULTIPLE: "multiple response",
    TRUEFALSE: "true/false",
    EMQ: "extended matching",
    SHORT: "short answer",
    NUMERICAL: "numerical",
}
TRUE_FALSE_OPTIONS = ("True", "False")
MIN_OPTIONS, MAX_OPTIONS = 3, 8
MAX_EMQ_OPTIONS = 26
MAX_STEMS = 20
MAX_ACCEPTED = 20
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def letter(index: int) -> str:
    return chr(ord("A") + index)


def check(qtype: str, options: list[dict], details: dict) -> list[str]:
    """What is wrong with a question's answer part, as messages (empty when fine)."""
    if qtype not in TYPES:
        return [f"type {qtype!r} is not one of {', '.join(TYPES)}"]
    problems = []
    keys = sum(1 for o in options if o.get("correct"))
    if any(not str(o.get("text", "")).strip() for o in options):
        problems.append("an option is empty")
    if qtype in (SINGLE, MULTIPLE):
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(
                f"has {len(options)} options; a question needs {MIN_OPTIONS} to {MAX_OPTIONS}"
            )
        if qtype == SINGLE and keys != 1:
            problems.append(f"a single-best-answer question needs exactly one key, found {keys}")
        if qtype == MULTIPLE and keys < 1:
            problems.append("a multiple-response question needs at least one correct option")
    elif qtype == TRUEFALSE:
        if tuple(o.get("text") for o in options) != TRUE_FALSE_OPTIONS or keys != 1:
            problems.append("a true/false question has the options True and False, one correct")
    elif qtype == EMQ:
        stems = details.get("stems") or []
        if not 2 <= len(options) <= MAX_EMQ_OPTIONS:
            problems.append(
                f"has {len(options)} options; extended matching needs 2 to {MAX_EMQ_OPTIONS}"
            )
        if not 1 <= len(stems) <= MAX_STEMS:
            problems.append(f"extended matching needs 1 to {MAX_STEMS} stems, found {len(stems)}")
        for n, stem in enumerate(stems, start=1):
            if not str(stem.get("text", "")).strip():
                problems.append(f"stem {n} is empty")
            key = stem.get("key")
            if not isinstance(key, int) or not 0 <= key < len(options):
                problems.append(f"stem {n} has no key in the option list")
    elif qtype == SHORT:
        accepted = details.get("accepted") or []
        if not 1 <= len(accepted) <= MAX_ACCEPTED:
            problems.append(f"a short-answer question needs 1 to {MAX_ACCEPTED} accepted answers")
        if any(not str(a.get("text", "")).strip() for a in accepted):
            problems.append("an accepted answer is empty")
        if accepted and max(_credit(a) for a in accepted) < 1:
            problems.append("no accepted answer gives full credit")
    elif qtype == NUMERICAL:
        accepted = details.get("accepted") or []
        if not 1 <= len(accepted) <= MAX_ACCEPTED:
            problems.append(f"a numerical question needs 1 to {MAX_ACCEPTED} accepted values")
        for a in accepted:
            if not _finite(a.get("value")) or not _finite(a.get("tolerance", 0)):
                problems.append("an accepted value or tolerance is not a number")
            elif float(a.get("tolerance", 0)) < 0:
                problems.append("a tolerance is negative")
        if accepted and max(_credit(a) for a in accepted) < 1:
            problems.append("no accepted value gives full credit")
        for unit in details.get("units") or []:
            if not str(unit.get("unit", "")).strip() or not _finite(unit.get("multiplier")):
                problems.append("a unit needs a name and a number to multiply by")
            elif float(unit["multiplier"]) == 0:
                problems.append("a unit multiplier is zero")
    for o in options:
        if "credit" in o and not (_finite(o["credit"]) and -1 <= float(o["credit"]) <= 1):
            problems.append("an option's credit is not between -100 % and 100 %")
    return problems


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _credit(entry: dict) -> float:
    return float(entry.get("credit", 1.0))


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """Short answers compare after Unicode normalisation and whitespace folding."""
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    return text if case_sensitive else text.casefold()


def parse_number(text: str) -> tuple[float, str] | None:
    """`"5.2 mmol/L"` → (5.2, "mmol/L"); a decimal comma is read as a point."""
    match = _NUMBER.match(text or "")
    if not match:
        return None
    try:
        return float(match.group(1).replace(",", ".")), match.group(2)
    except ValueError:
        return None


def score(qtype: str, options: list[dict], details: dict, response: dict) -> float:
    """Credit in [0, 1] for a response. Unanswered is 0."""
    if qtype in CHOICE_TYPES:
        selected = sorted(set(response.get("selected") or []))
        if not selected:
            return 0.0
        if qtype != MULTIPLE:
            if len(selected) != 1:
                return 0.0
            chosen = options[selected[0]]
            return _clamp(float(chosen.get("credit", 1.0 if chosen.get("correct") else 0.0)))
        if any("credit" in o for o in options):
            # Moodle's multiple response: the fractions of the chosen options add up.
            return _clamp(sum(float(options[i].get("credit", 0)) for i in selected))
        keys = [i for i, o in enumerate(options) if o.get("correct")]
        return 1.0 if selected == keys else 0.0
    if qtype == EMQ:
        stems = details.get("stems") or []
        if not stems:
            return 0.0
        chosen = list(response.get("stems") or [])
        right = sum(
            1
            for n, stem in enumerate(stems)
            if n < len(chosen) and chosen[n] is not None and chosen[n] == stem.get("key")
        )
        return right / len(stems)
    if qtype == SHORT:
        case_sensitive = bool(details.get("case_sensitive"))
        typed = normalise_text(response.get("text", ""), case_sensitive=case_sensitive)
        if not typed:
            return 0.0
        best = 0.0
        for accepted in details.get("accepted") or []:
            if _wildcard_match(
                normalise_text(accepted.get("text", ""), case_sensitive=case_sensitive), typed
            ):
                best = max(best, _credit(accepted))
        return _clamp(best)
    if qtype == NUMERICAL:
        value = numeric_value(details, response.get("text", ""))
        if value is None:
            return 0.0
        best = 0.0
        for accepted in details.get("accepted") or []:
            target, tolerance = float(accepted["value"]), float(accepted.get("tolerance", 0))
            # A relative epsilon so 0.1 + 0.2 style rounding never loses a right answer.
            if abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target)):
                best = max(best, _credit(accepted))
        return _clamp(best)
    return 0.0


def numeric_value(details: dict, text: str) -> float | None:
    """The typed number in the question's main unit, or None when it cannot be read (an unknown
    unit is refused rather than guessed)."""
    parsed = parse_number(text)
    if parsed is None:
        return None
    value, unit = parsed
    units = details.get("units") or []
    if not unit:
        return value
    for known in units:
        if normalise_text(known["unit"], case_sensitive=True) == normalise_text(
            unit, case_sensitive=True
        ):
            return value / float(known["multiplier"])
    return None


def _wildcard_match(pattern: str, typed: str) -> bool:
    # Moodle short answers use * as a wildcard.
    if "*" not in pattern:
        return pattern == typed
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, typed) is not None


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def is_answered(qtype: str, response: dict) -> bool:
    if qtype in CHOICE_TYPES:
        return bool(response.get("selected"))
    if qtype == EMQ:
        return any(c is not None for c in response.get("stems") or [])
    return bool(str(response.get("text", "")).strip())


def response_label(qtype: str, response: dict) -> str:
    """A short label of a response for distributions and item analysis ("" when unanswered).
    Letters for choices, `1B 2C` for EMQ, the typed text in quotes otherwise."""
    if qtype in CHOICE_TYPES:
        return "".join(letter(i) for i in sorted(set(response.get("selected") or [])))
    if qtype == EMQ:
        chosen = response.get("stems") or []
        if all(c is None for c in chosen):
            return ""
        return " ".join(f"{n}{'-' if c is None else letter(c)}" for n, c in enumerate(chosen, 1))
    text = " ".join(str(response.get("text", "")).split())
    return f'"{text}"' if text else ""


def key_label(qtype: str, options: list[dict], details: dict) -> str:
    """The key written the way `response_label` writes a response."""
    if qtype in CHOICE_TYPES:
        return "".join(letter(i) for i, o in enumerate(options) if o.get("correct"))
    if qtype == EMQ:
        stems = details.get("stems") or []
        return " ".join(f"{n}{letter(s['key'])}" for n, s in enumerate(stems, start=1))
    best = [a for a in details.get("accepted") or [] if _credit(a) >= 1]
    if qtype == NUMERICAL:
        return " or ".join(
            f"{_number(a['value'])}"
            + (f" ± {_number(a['tolerance'])}" if a.get("tolerance") else "")
            for a in best
        ) + (f" {details['units'][0]['unit']}" if details.get("units") else "")
    return " or ".join(f'"{a["text"]}"' for a in best)


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


# --- The answer box of the question form: one line per accepted answer / stem / unit -----------


def answer_lines(qtype: str, options: list[dict], details: dict) -> str:
    """The text a writer edits for the non-choice part of a question (inverse of parse_lines)."""
    lines = []
    if qtype == EMQ:
        lines = [f"{s['text']} => {letter(s['key'])}" for s in details.get("stems") or []]
    elif qtype == SHORT:
        lines = [_with_credit(a, a["text"]) for a in details.get("accepted") or []]
        if details.get("case_sensitive"):
            lines.insert(0, "case: sensitive")
    elif qtype == NUMERICAL:
        for a in details.get("accepted") or []:
            tolerance = float(a.get("tolerance", 0))
            text = _number(a["value"]) + (f" +- {_number(tolerance)}" if tolerance else "")
            lines.append(_with_credit(a, text))
        for unit in details.get("units") or []:
            lines.append(f"unit: {unit['unit']} = {_number(unit['multiplier'])}")
    return "\n".join(lines)


def _with_credit(entry: dict, text: str) -> str:
    credit = _credit(entry)
    return text if credit >= 1 else f"{_number(round(credit * 100, 5))}% {text}"


_CREDIT = re.compile(r"^(-?\d+(?:\.\d+)?)%\s*")
_TOLERANCE = re.compile(r"^(.*?)\s*(?:\+-|±|\+/-)\s*(.*)$")


def parse_lines(qtype: str, text: str, option_count: int) -> tuple[dict, list[str]]:
    """Read the answer box: for EMQ `stem text => C`; for short answer one accepted answer a line
    (`50% text` for partial credit, `case: sensitive` to compare case); for numerical
    `value +- tolerance` lines and `unit: mmol/L = 1` lines. Returns (details, problems)."""
    details: dict = {}
    problems: list[str] = []
    rows = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if qtype == EMQ:
        stems = []
        for n, row in enumerate(rows, start=1):
            stem, sep, key = row.rpartition("=>")
            key = key.strip().upper()
            if not sep or len(key) != 1 or not "A" <= key <= letter(option_count - 1):
                problems.append(f"line {n}: write the stem, then => and the letter of its key")
                continue
            stems.append({"text": stem.strip(), "key": ord(key) - ord("A")})
        details["stems"] = stems
    elif qtype == SHORT:
        accepted = []
        for row in rows:
            if row.lower().replace(" ", "") == "case:sensitive":
                details["case_sensitive"] = True
                continue
            credit, row = _split_credit(row)
            accepted.append({"text": row, "credit": credit})
        details["accepted"] = accepted
    elif qtype == NUMERICAL:
        accepted, units = [], []
        for n, row in enumerate(rows, start=1):
            if row.lower().startswith("unit:"):
                name, _, multiplier = row[5:].partition("=")
                try:
                    units.append({"unit": name.strip(), "multiplier": float(multiplier or 1)})
                except ValueError:
                    problems.append(f"line {n}: write a unit as `unit: mmol/L = 1`")
                continue
            credit, row = _split_credit(row)
            match = _TOLERANCE.match(row)
            value, tolerance = (match.group(1), match.group(2)) if match else (row, "0")
            try:
                accepted.append(
                    {"value": float(value), "tolerance": float(tolerance), "credit": credit}
                )
            except ValueError:
                problems.append(f"line {n}: write a value as `5.2 +- 0.1`")
        details["accepted"] = accepted
        details["units"] = units
    return details, problems


def _split_credit(row: str) -> tuple[float, str]:
    match = _CREDIT.match(row)
    if not match:
        return 1.0, row
    return float(match.group(1)) / 100, row[match.end() :].strip()
