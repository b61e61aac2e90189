"""Turning what people type into search terms, the same way for both databases. No Django import.

PostgreSQL's `english` configuration drops stop words and FTS5 does not, so the stop words are
dropped here, before either sees the query: "the heart" means "heart" on both.
"""

import bisect
import functools
import html
import re
import unicodedata
from collections.abc import Iterator

# PostgreSQL's English stop-word list (snowball), so both databases ignore the same words.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
MAX_QUERY_LENGTH = 200
_WORD = re.compile(r"[^\W_]+")
HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"


def fold(text: str) -> str:
    """Lower case without accents: "Ménière" → "meniere"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def title_key(title: str) -> str:
    """What an exact title match compares: folded words joined by single spaces."""
    return " ".join(_WORD.findall(fold(title)))[:300]


def terms(query: str) -> list[str]:
    """The words of a query worth searching for: folded, no stop words, at most MAX_TERMS."""
    words = _WORD.findall(fold(query[:MAX_QUERY_LENGTH]))
    kept = [w[:MAX_TERM_LENGTH] for w in words if w not in STOP_WORDS]
    return kept[:MAX_TERMS]


def fts5_match(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word, the last also as a prefix (results as you type).
    Words are letters and digits only, so quoting them is enough."""
    parts = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    return " AND ".join(parts)


def tsquery(words: list[str], *, weight: str = "") -> str:
    """A raw to_tsquery expression with the same meaning as `fts5_match`; with weight="A",
    matching title words only (the title is weighted A in the search vector)."""
    parts = [f"{w}:{weight}" if weight else w for w in words[:-1]] + [f"{words[-1]}:*{weight}"]
    return " & ".join(parts)


def render_snippet(raw: str) -> str:
    """Escape a database snippet for HTML, then turn the highlight markers into <mark>."""
    escaped = html.escape(raw.replace("\n", " ").strip())
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


# --- Highlighting in Python (PostgreSQL: ts_headline parsed and stemmed every word of each
# shown body, several ms a page; the database has already decided what matches) -------------

_TOKEN = re.compile(r"[^\W_]+")
_WORD_CHAR = re.compile(r"\w")
_SUFFIXES = ("ies", "es", "s", "ed", "ing", "ly")
SNIPPET_TOKENS = 24


def stem(word: str) -> str:
    """A crude English stem of a folded word, for highlighting only: "haemoglobins" and
    "haemoglobin" agree; the database's stemmer has already decided what matches."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=64)
def _matcher(words: tuple[str, ...]):
    """Whether a token matches the query, and (for ASCII text) one regular expression finding
    the tokens that start with a stem or the last word; kept per query (a page highlights up
    to 20 rows with the same words)."""
    stems = [stem(w) for w in words]
    last = words[-1] if words else ""

    def matches(token: str) -> bool:
        folded = fold(token) if not token.isascii() else token.lower()
        if last and folded.startswith(last):
            return True  # the last word is also a prefix (results as you type)
        return stem(folded) in stems

    heads = sorted({stem(w) for w in words} | {last}, key=len, reverse=True)
    # Matched against the lower-cased text (cheaper than IGNORECASE; the same offsets in ASCII),
    # without a leading \b (which keeps the regular expression engine from skipping ahead to
    # the heads' first letters): matches inside a word are left out by the caller.
    pattern = re.compile(r"(?:" + "|".join(map(re.escape, heads)) + r")\w*")
    return matches, pattern


class _Tokens:
    """The body's words, read from the start only as far as asked: a snippet shows a few dozen
    words of an excerpt of a few hundred, and reading them all was most of its cost."""

    def __init__(self, body: str):
        self._found = _TOKEN.finditer(body)
        self.read: list[re.Match] = []
        self.starts: list[int] = []
        self._done = False

    def _more(self) -> bool:
        if not self._done:
            token = next(self._found, None)
            if token is not None:
                self.read.append(token)
                self.starts.append(token.start())
                return True
            self._done = True
        return False

    def upto(self, n: int) -> int:
        """min(n, the number of words in the body)."""
        while len(self.read) < n and self._more():
            pass
        return min(n, len(self.read))

    def index_at(self, position: int) -> int:
        """The index of the first word starting at or after `position`."""
        while (not self.starts or self.starts[-1] < position) and self._more():
            pass
        return bisect.bisect_left(self.starts, position)


def _hits(body: str, tokens: _Tokens, words: list[str]) -> Iterator[int]:
    """The indexes of the tokens matching the query, in order, found as far as asked. ASCII
    text is searched with one regular expression for the tokens starting with a stem (then
    checked); other text token by token."""
    matches, pattern = _matcher(tuple(words))
    if not body.isascii():
        i = 0
        while tokens.upto(i + 1) > i:
            if matches(tokens.read[i].group()):
                yield i
            i += 1
        return
    lowered = body.lower()
    for m in pattern.finditer(lowered):
        at = m.start()
        if (at == 0 or not _WORD_CHAR.match(lowered, at - 1)) and matches(m.group()):
            yield tokens.index_at(at)


def highlight(body: str, words: list[str], *, size: int = SNIPPET_TOKENS) -> str:
    """A snippet of `body` with HIGHLIGHT_START/END around the words matching the query: up to
    `size` words from a little before the first match (the start when nothing matches), and
    a second part around the next match beyond them, joined with " … ". Raw text: escape it
    with `render_snippet`."""
    tokens = _Tokens(body)
    if not tokens.upto(1):
        return ""
    found = _hits(body, tokens, words) if words else iter(())
    hits: list[int] = []

    def next_hit() -> int | None:
        hit = next(found, None)
        if hit is not None:
            hits.append(hit)
        return hit

    spans: list[tuple[int, int]] = []
    first_hit = next_hit()
    if first_hit is not None:
        start = max(0, first_hit - size // 4)
        more = next_hit() is not None
        spans.append((start, tokens.upto(start + size // 2 if more else start + size)))
        later = hits[-1] if more else None
        while later is not None and later < spans[0][1]:
            later = next_hit()
        if later is not None:
            start = max(spans[0][1], later - size // 4)
            spans.append((start, tokens.upto(start + size // 2)))
        else:
            spans[0] = (spans[0][0], tokens.upto(spans[0][0] + size))
        # Every match inside the shown words.
        while hits[-1] < spans[-1][1] and next_hit() is not None:
            pass
    else:
        spans.append((0, tokens.upto(size)))
    hit_set = set(hits)
    read = tokens.read
    parts = []
    for first, end in spans:
        out = []
        # From the text's very start (or the first word), to its very end (or the last word).
        position = 0 if first == 0 else read[first].start()
        for i in range(first, end):
            token = read[i]
            out.append(body[position : token.start()])
            if i in hit_set:
                out.append(f"{HIGHLIGHT_START}{token.group()}{HIGHLIGHT_END}")
            else:
                out.append(token.group())
            position = token.end()
        if tokens.upto(end + 1) == end:
            out.append(body[position : position + 20])
        parts.append("".join(out))
    return " … ".join(parts)
