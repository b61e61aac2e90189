"""Likely patient identifiers in free text: NHS numbers with a valid check digit, dates of birth,
UK postcodes and hospital numbers. No Django import: a plain function over text.

Deliberately cautious: a finding is a question put to the author ("is this a real patient's?"),
never a silent change to their text. Dates and hospital numbers are only flagged beside words that
say what they are, because guides are full of harmless dates and numbers.
"""

import re
from dataclasses import dataclass

NHS_NUMBER = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*({_DATE})",
    re.IGNORECASE,
)
# Royal Mail's format (outward code, space optional, inward code). Upper case only: "ab1 2cd" in
# running text is far more often something else.
POSTCODE = re.compile(
    r"\b(GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRV-Y\d]?)"
    r" ?\d[ABD-HJLNP-UW-Z]{2})\b"
)
HOSPITAL_NUMBER = re.compile(
    r"\b(?:hospital\s+(?:number|no\.?|num\.?)|MRN|unit\s+(?:number|no\.?)|patient\s+(?:id|number)"
    r"|case\s+note\s+(?:number|no\.?))\s*[:#\-]?\s*([A-Z]{0,3}\d{5,10}[A-Z]?)\b",
    re.IGNORECASE,
)

KIND_LABELS = {
    "nhs_number": "NHS number",
    "date_of_birth": "date of birth",
    "postcode": "postcode",
    "hospital_number": "hospital number",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    where: str  # "summary", or an attachment's name

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11 with weights 10..2; a computed check digit of 10 means no valid number."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def find_identifiers(text: str, *, where: str) -> list[Finding]:
    """Every likely identifier in `text`, in order of appearance, each once."""
    found: list[tuple[int, Finding]] = []
    for match in NHS_NUMBER.finditer(text):
        digits = "".join(match.groups())
        # 0000000000 passes the check digit but is nobody's number.
        if len(set(digits)) > 1 and nhs_check_digit_ok(digits):
            found.append((match.start(), Finding("nhs_number", match.group(0), where)))
    for match in DATE_OF_BIRTH.finditer(text):
        found.append((match.start(), Finding("date_of_birth", match.group(0).strip(), where)))
    for match in POSTCODE.finditer(text):
        found.append((match.start(), Finding("postcode", match.group(1), where)))
    for match in HOSPITAL_NUMBER.finditer(text):
        found.append((match.start(), Finding("hospital_number", match.group(0).strip(), where)))
    seen: set[tuple[str, str]] = set()
    unique = []
    for _, finding in sorted(found, key=lambda pair: pair[0]):
        if (finding.kind, finding.text) not in seen:
            seen.add((finding.kind, finding.text))
            unique.append(finding)
    return unique
