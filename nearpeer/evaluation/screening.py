"""Which columns of a survey export may become questions. Plain Python, no Django.

An allowlist, not a blocklist: a column is kept only when its name looks like a question and
its answers look like answers — categories that repeat (scales, choices) or prose. Anything
else is dropped with the reason: names or contents that identify people (emails, student and
NHS numbers, dates of birth and other dates, postcodes, IP addresses, names and user names,
start and end times) and columns whose answers are mostly unique single words (a name, a
user name, a code), which no question asks for. The lead may keep a dropped column by giving
a reason; the reason is reported back and logged.
"""

import ipaddress
import re
from dataclasses import dataclass

# Names that announce personal data, whatever the export tool.
IDENTIFYING_NAME = re.compile(
    r"ip.?address|^ip$|recipient|e-?mail|externalreference|externaldatareference|location|"
    r"latitude|longitude|^name$|full.?name|first.?name|last.?name|sur.?name|fore.?name|"
    r"given.?name|family.?name|student.?(id|no|num)|matric|candidate.?(no|num|id)|"
    r"nhs|date.?of.?birth|\bdob\b|birth|post.?code|zip.?code|user.?name|login|"
    r"phone|mobile|address|start.?(date|time)|end.?(date|time)|recorded.?date|"
    r"completion.?time|submit(ted)?.?(at|time|date)|timestamp|last.?modified",
    re.I,
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_STUDENT_NUMBER = re.compile(r"[A-Za-z]{0,2}\d{6,10}")
_NHS_SHAPE = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")
_DATE = re.compile(
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?.*)?|\d{1,2}:\d{2}(:\d{2})?"
)
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}", re.I)
_WORD = re.compile(r"[\w.'@-]+")

# A column is judged by its non-blank values: this share must match for a content reason.
SHARE = 0.5


def nhs_number_valid(value: str) -> bool:
    """NHS numbers: 10 digits whose last is a modulus-11 check digit."""
    digits = re.sub(r"[ -]", "", value)
    if not (len(digits) == 10 and digits.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_CONTENT_CHECKS = [
    ("email addresses", lambda v: bool(_EMAIL.fullmatch(v))),
    ("NHS numbers", lambda v: bool(_NHS_SHAPE.fullmatch(v)) and nhs_number_valid(v)),
    ("IP addresses", _is_ip),
    ("postcodes", lambda v: bool(_POSTCODE.fullmatch(v))),
    ("dates or times (dates of birth, start and end times)", lambda v: bool(_DATE.fullmatch(v))),
    ("student or staff numbers", lambda v: bool(_STUDENT_NUMBER.fullmatch(v))),
]


def content_reason(values: list[str]) -> str | None:
    """Why these answers look like personal data or not like answers, or None."""
    values = [v.strip() for v in values if v.strip()]
    if not values:
        return None
    for label, check in _CONTENT_CHECKS:
        if sum(1 for v in values if check(v)) >= SHARE * len(values):
            return f"its answers look like {label}"
    if len(values) >= 5:
        distinct = set(values)
        short = [v for v in values if len(_WORD.findall(v)) <= 2 and len(v) <= 40]
        # Answers to a question repeat (choices, scales) or are prose; mostly unique one- or
        # two-word values are names, user names or codes.
        # Except scale points (1–5, 0–10) and choices joined by ";" or "," whose parts repeat
        # (a Forms or Qualtrics multiple-answer column): those are answers, however varied.
        parts = [p.strip() for v in values for p in re.split(r"[;,]", v) if p.strip()]
        scale = all(re.fullmatch(r"\d{1,2}", v) for v in values)
        choices = len(parts) > len(values) and len(set(parts)) <= 0.5 * len(parts)
        if (
            not (scale or choices)
            and len(distinct) >= 0.8 * len(values)
            and len(short) >= 0.8 * len(values)
        ):
            return "its answers are mostly unique single words (names, user names or codes)"
    return None


@dataclass
class Decision:
    header: str
    qid: str
    kept: bool
    reason: str  # why dropped, or the lead's reason for keeping a flagged column

    def describe(self) -> str:
        if self.kept and self.reason:
            return f"{self.header}: question {self.qid} (kept by the lead: {self.reason})"
        if self.kept:
            return f"{self.header}: question {self.qid}"
        return f"{self.header}: dropped ({self.reason})"


def decide(
    *, header: str, qid: str, name_reason: str | None, values: list[str], keep: dict[str, str]
) -> Decision:
    """Keep or drop one candidate column. `keep` maps headers to the lead's reasons."""
    reason = name_reason or content_reason(values)
    if reason is None:
        return Decision(header, qid, True, "")
    if header in keep:
        return Decision(header, qid, True, keep[header])
    return Decision(header, qid, False, reason)
