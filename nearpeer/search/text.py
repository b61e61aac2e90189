"""Turning what people type into search terms, the same way for both databases. No Django import.

PostgreSQL's `english` configuration drops stop words and FTS5 does not, so the stop words are
dropped here, before either sees the query: "the heart" means "heart" on both.
"""

import bisect
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
_SUFFIXES = ("ies", "es", "s", "ed", "ing", "ly")
SNIPPET_TOKENS = 24


def stem(word: str) -> str:
    """A crude English stem of a folded word, for highlighting only: "haemoglobins" and
    "haemoglobin" agree; the database's stemmer has already decided what matches."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _matcher(words: list[str]):
    stems = [stem(w) for w in words]
    last = words[-1] if words else ""

    def matches(token: str) -> bool:
        folded = fold(token) if not token.isascii() else token.lower()
        if last and folded.startswith(last):
            return True  # the last word is also a prefix (results as you type)
        return stem(folded) in stems

    return matches


def _hits(body: str, tokens: list[re.Match], words: list[str]) -> list[int]:
    """The indexes of the tokens matching the query. ASCII text is searched with one regular
    expression for the tokens starting with a stem (then checked); other text token by token."""
    matches = _matcher(words)
    if not body.isascii():
        return [i for i, t in enumerate(tokens) if matches(t.group())]
    heads = sorted({stem(w) for w in words} | {words[-1]}, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, heads)) + r")\w*", re.IGNORECASE)
    starts = [t.start() for t in tokens]
    return [
        bisect.bisect_left(starts, m.start()) for m in pattern.finditer(body) if matches(m.group())
    ]


def highlight(body: str, words: list[str], *, size: int = SNIPPET_TOKENS) -> str:
    """A snippet of `body` with HIGHLIGHT_START/END around the words matching the query: up to
    `size` words from a little before the first match (the start when nothing matches), and
    a second part around the next match beyond them, joined with " … ". Raw text: escape it
    with `render_snippet`."""
    tokens = list(_TOKEN.finditer(body))
    if not tokens:
        return ""
    hits = _hits(body, tokens, words) if words else []
    spans: list[tuple[int, int]] = []
    if hits:
        start = max(0, hits[0] - size // 4)
        spans.append(
            (start, min(len(tokens), start + size // 2 if len(hits) > 1 else start + size))
        )
        later = [i for i in hits if i >= spans[0][1]]
        if later:
            start = max(spans[0][1], later[0] - size // 4)
            spans.append((start, min(len(tokens), start + size // 2)))
        else:
            spans[0] = (spans[0][0], min(len(tokens), spans[0][0] + size))
    else:
        spans.append((0, min(len(tokens), size)))
    hit_set = set(hits)
    parts = []
    for first, end in spans:
        out = []
        # From the text's very start (or the first word), to its very end (or the last word).
        position = 0 if first == 0 else tokens[first].start()
        for i in range(first, end):
            token = tokens[i]
            out.append(body[position : token.start()])
            if i in hit_set:
                out.append(f"{HIGHLIGHT_START}{token.group()}{HIGHLIGHT_END}")
            else:
                out.append(token.group())
            position = token.end()
        if end == len(tokens):
            out.append(body[position : position + 20])
        parts.append("".join(out))
    return " … ".join(parts)
