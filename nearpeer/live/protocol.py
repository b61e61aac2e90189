"""The live protocol's message shapes, limits and small algorithms (no Django import).

See docs/live-protocol.md. Everything here is pure, so the socket consumers, the HTTP fallback
and third-party clients' tests share one definition of a valid message.
"""

import json
import math
import re
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

MAX_MESSAGE_BYTES = 2048
MAX_TEXT_CHARS = 280
MAX_WORD_CHARS = 40
MAX_REF_CHARS = 128
# Per connection: a burst of 10 messages, then 5 a second. A person tapping never gets near it.
RATE_BURST = 10
RATE_PER_SECOND = 5.0


class ProtocolError(Exception):
    """A message the server refuses; `code` is the machine-readable error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_message(self, ref: str | None = None) -> dict:
        message = {"type": "error", "code": self.code, "message": self.message}
        if ref is not None:
            message["ref"] = ref
        return message


def error(code: str, message: str, ref: str | None = None) -> dict:
    return ProtocolError(code, message).as_message(ref)


def decode(raw: str | bytes | None) -> dict:
    """Parse one client message: size first (before any parsing), then JSON, then an object
    with a string `type`."""
    if raw is None:
        raise ProtocolError("bad_request", "Send text frames holding one JSON object.")
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(
            "too_large", f"A message may be at most {MAX_MESSAGE_BYTES} bytes; this was {size}."
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("bad_request", "The message is not valid JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("bad_request", 'A message is a JSON object with a "type" string.')
    return data


def ref_of(data: dict) -> str | None:
    ref = data.get("ref")
    if ref is None:
        return None
    if not isinstance(ref, str) or len(ref) > MAX_REF_CHARS:
        raise ProtocolError("bad_request", f'"ref" must be a string of at most {MAX_REF_CHARS}.')
    return ref


@dataclass(frozen=True)
class AnswerMessage:
    item: int
    choice: int | None
    text: str
    ref: str | None


def parse_answer(data: dict) -> AnswerMessage:
    """{"type": "answer", "item": ID, "choice": INDEX | "text": "…", "ref": "…"}"""
    ref = ref_of(data)
    item = data.get("item")
    if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
        raise ProtocolError("bad_request", '"item" must be a positive integer id.')
    choice = data.get("choice")
    text = data.get("text")
    if choice is not None and (not isinstance(choice, int) or isinstance(choice, bool)):
        raise ProtocolError("bad_request", '"choice" must be an integer index.')
    if text is not None and not isinstance(text, str):
        raise ProtocolError("bad_request", '"text" must be a string.')
    if (choice is None) == (text is None):
        raise ProtocolError("bad_request", 'An answer has either "choice" or "text".')
    if choice is None:
        text = clean_text(text)
        if not text:
            raise ProtocolError("bad_request", '"text" is empty.')
        if len(text) > MAX_TEXT_CHARS:
            raise ProtocolError("too_large", f'"text" may be at most {MAX_TEXT_CHARS} characters.')
    else:
        text = ""
    return AnswerMessage(item=item, choice=choice, text=text, ref=ref)


def clean_text(text: str) -> str:
    """NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return re.sub(r"\s+", " ", text).strip()


def parse_participant(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def word_key(text: str) -> str:
    """How word-cloud answers are counted together: case and surrounding punctuation ignored."""
    return clean_text(text).casefold().strip(" .,;:!?\"'()[]{}")[:MAX_WORD_CHARS]


def count_words(texts: Iterable[str], limit: int = 40) -> list[list]:
    """[[word, n], …] most frequent first, ties alphabetically."""
    counts = Counter(k for k in (word_key(t) for t in texts) if k)
    return [[w, n] for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


WORD_SIZES = 5


def word_size(count: int, most: int) -> int:
    """A word's size in a word cloud, 1 (rare) to WORD_SIZES (as frequent as the top word), by
    the square root of its share of the top word's count: a cloud of one popular word and many
    single ones keeps the single ones readable."""
    if most <= 0 or count <= 0:
        return 1
    return 1 + round((WORD_SIZES - 1) * math.sqrt(min(count, most) / most))


def counts_for(choices: Iterable[tuple[int, int]], n_options: int) -> list[int]:
    """[n per option] from (choice, n) pairs; out-of-range choices are ignored."""
    counts = [0] * n_options
    for choice, n in choices:
        if choice is not None and 0 <= choice < n_options:
            counts[choice] += n
    return counts


def percent(count: int, total: int) -> int:
    """A count's share of the total in whole percent (0 when nobody answered). Shares are
    rounded one by one, so a results chart's may add up to 99 or 101, as on every poll tool."""
    return round(100 * count / total) if total > 0 else 0


def rating_mean(counts: list[int]) -> float | None:
    """The mean of a rating scale from its counts per point (the first point is 1), to one
    decimal; None when nobody answered."""
    total = sum(counts)
    if total <= 0:
        return None
    return round(sum(point * n for point, n in enumerate(counts, start=1)) / total, 1)


class TokenBucket:
    """Per-connection rate limit: `burst` messages at once, refilled at `rate` per second."""

    def __init__(self, burst: int = RATE_BURST, rate: float = RATE_PER_SECOND, clock=None):
        self.capacity = burst
        self.tokens = float(burst)
        self.rate = rate
        self.clock = clock or time.monotonic
        self.updated = self.clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def presenter_controls(
    *,
    ended: bool,
    accepting: bool,
    results_visible: bool,
    revealed: bool,
    position: int | None,
    count: int,
    keyed: bool,
    questions_on_screen: bool,
) -> dict[str, bool]:
    """Which presenter controls would change something now: the presenter page disables the
    rest. `position` is the current item's index (None before the first), `count` the number
    of items, `keyed` whether the current item has a correct answer. The server still accepts
    every control (a key or a third-party client may send one); this is what the buttons show."""
    has_item = position is not None
    return {
        "open": count > 0 and not accepting,
        "close": has_item and accepting,
        "close_in": has_item and accepting,
        "previous": has_item and position > 0,
        "next": count > 0 and (not has_item or position < count - 1),
        "reveal": has_item and keyed and not revealed,
        "show_results": has_item and not results_visible,
        "hide_results": has_item and (results_visible or revealed),
        "show_questions": not questions_on_screen,
        "hide_questions": questions_on_screen,
        "end": not ended,
    }


CODE_PATTERN = re.compile(r"[A-Z0-9]{4,12}")


def parse_item_spec(spec: str) -> dict:
    """`nearpeer live open --item` values: "choice:PROMPT:OPT1|*OPT2|…" (a leading * keys the
    correct option), "rating:PROMPT", "wordcloud:PROMPT", "text:PROMPT", "question:BANK_ID"."""
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "choice":
        prompt, sep, options = rest.rpartition(":")
        if not sep or not prompt.strip():
            raise ValueError(f'{spec!r}: write "choice:PROMPT:OPTION1|OPTION2|…".')
        labels = [o.strip() for o in options.split("|") if o.strip()]
        keyed = [i for i, o in enumerate(labels) if o.startswith("*")]
        if len(keyed) > 1:
            raise ValueError(f"{spec!r}: mark at most one option with *.")
        return {
            "kind": kind,
            "prompt": prompt.strip(),
            "options": [o.lstrip("*").strip() for o in labels],
            "correct": keyed[0] if keyed else None,
        }
    if kind in ("rating", "wordcloud", "text"):
        if not rest.strip():
            raise ValueError(f'{spec!r}: write "{kind}:PROMPT".')
        return {"kind": kind, "prompt": rest.strip(), "options": [], "correct": None}
    if kind == "question":
        if not rest.strip().isdigit():
            raise ValueError(f'{spec!r}: write "question:BANK_QUESTION_NUMBER".')
        return {"kind": kind, "question": int(rest), "prompt": "", "options": [], "correct": None}
    raise ValueError(f"{spec!r}: the kind must be choice, rating, wordcloud, text or question.")
