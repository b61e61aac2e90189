"""Turning what people type into search terms, the same way for both databases. No Django import.

PostgreSQL's `english` configuration drops stop words and FTS5 does not, so the stop words are
dropped here, before either sees the query: "the heart" means "heart" on both.
"""

import functools
import html
import re
import unicodedata

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


@functools.lru_cache(maxsize=8)
def _up_to_words(n: int) -> re.Pattern:
    """Up to `n` words, each after its gap, as one match: read from a word's start (or the
    text's), it ends where the n-th word ends; read in a reversed text, it goes back n words."""
    return re.compile(rf"(?:[\W_]*[^\W_]+){{0,{n}}}")


def _ahead(body: str, at: int, n: int) -> int:
    """Where the n-th word from `at` ends (the last word's end when fewer are left)."""
    return _up_to_words(n).match(body, at).end()


def _back(body: str, at: int, n: int, floor: int = 0) -> int:
    """Where the n-th word before `at` starts, not going back past `floor` (the start of the
    first word after `floor` when fewer are between; `at` itself when none is)."""
    return at - _up_to_words(n).match(body[floor:at][::-1]).end()


def _hits(body: str, words: list[str]) -> list[int]:
    """Where the words matching the query start, in order. ASCII text is searched with one
    regular expression for the words starting with a stem (then checked); other text word by
    word."""
    matches, pattern = _matcher(tuple(words))
    if not body.isascii():
        return [m.start() for m in _TOKEN.finditer(body) if matches(m.group())]
    lowered = body.lower()
    return [
        m.start()
        for m in pattern.finditer(lowered)
        if (m.start() == 0 or not _WORD_CHAR.match(lowered, m.start() - 1)) and matches(m.group())
    ]


def highlight(body: str, words: list[str], *, size: int = SNIPPET_TOKENS) -> str:
    """A snippet of `body` with HIGHLIGHT_START/END around the words matching the query: up to
    `size` words from a little before the first match (the start when nothing matches), and
    a second part around the next match beyond them, joined with " … ". Raw text: escape it
    with `render_snippet`.

    Worked out in character offsets, each step one regular expression run in C (`_ahead`,
    `_back`): walking the words in Python, even lazily, cost a page of results more than its
    SQL. The output is the word-by-word definition's (tests/test_text.py keeps it as the
    reference): a part that starts at the first word starts at the text's start, and a part
    that ends at the last word takes up to 20 characters after it."""
    first_word = _TOKEN.search(body)
    if first_word is None:
        return ""
    hits = _hits(body, words) if words else []
    spans: list[tuple[int, int]] = []
    if hits:
        start = _back(body, hits[0], size // 4)
        if start <= first_word.start():
            start = 0
        if len(hits) > 1:
            end = _ahead(body, start, size // 2)
            later = next((h for h in hits[1:] if h >= end), None)
        else:
            later = None
        if later is None:
            spans.append((start, _ahead(body, start, size)))
        else:
            spans.append((start, end))
            second = _back(body, later, size // 4, floor=end)
            spans.append((second, _ahead(body, second, size // 2)))
    else:
        spans.append((0, _ahead(body, 0, size)))
    shown = []
    for start, end in spans:
        out = []
        position = start
        for hit in hits:
            if start <= hit < end:
                word_end = _TOKEN.match(body, hit).end()
                out += (body[position:hit], HIGHLIGHT_START, body[hit:word_end], HIGHLIGHT_END)
                position = word_end
        out.append(body[position:end])
        if _TOKEN.search(body, end) is None:
            out.append(body[end : end + 20])
        shown.append("".join(out))
    return " … ".join(shown)
