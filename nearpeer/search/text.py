"""Turning what people type into search terms, the same way for both databases. No Django import.

PostgreSQL's `english` configuration drops stop words and FTS5 does not, so the stop words are
dropped here, before either sees the query: "the heart" means "heart" on both.
"""

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
