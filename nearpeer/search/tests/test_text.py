"""Query words and snippets, the same for both databases (no database needed)."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nearpeer.search import text
from nearpeer.search.index import providers


def test_terms_fold_case_and_accents_and_drop_stop_words():
    assert text.terms("The Ménière's  DISEASE, and-the ECG_12") == [
        "meniere", "disease", "ecg", "12",
    ]  # fmt: skip
    assert text.terms("the of and") == []
    assert len(text.terms(" ".join(f"w{i}" for i in range(20)))) == text.MAX_TERMS


def test_the_last_word_is_also_a_prefix_on_both_databases():
    words = ["atrial", "fibril"]
    assert text.fts5_match(words) == '"atrial" AND "fibril"*'
    assert text.tsquery(words) == "atrial & fibril:*"


def test_title_key_ignores_case_accents_and_punctuation():
    assert text.title_key("  Ménière's   Disease! ") == text.title_key("meniere s disease")


def test_snippets_are_escaped_before_the_highlights_are_added():
    raw = '<b>x</b> \x02sepsis\x03 & "more"'
    assert text.render_snippet(raw) == (
        "&lt;b&gt;x&lt;/b&gt; <mark>sepsis</mark> &amp; &quot;more&quot;"
    )


def test_providers_come_from_the_apps_hook_modules():
    found = providers()
    assert list(found) == ["session", "series", "question", "resource"]
    assert {kind: p.label for kind, p in found.items()} == {
        "session": "Sessions", "series": "Series", "question": "Questions",
        "resource": "Resources",
    }  # fmt: skip


def test_highlight_marks_the_query_words_plurals_accents_and_the_last_words_prefix():
    raw = text.highlight(
        "Fetal haemoglobins differ. Ménière's disease; cardiology.",
        ["haemoglobin", "meniere", "cardio"],
    )
    assert "\x02haemoglobins\x03" in raw
    assert "\x02Ménière\x03" in raw
    assert "\x02cardiology\x03" in raw
    assert "differ" in raw and "\x02differ" not in raw


def test_highlight_shows_the_start_when_no_word_is_in_the_text_and_a_second_part_further_on():
    assert text.highlight("Title words only here.", ["zebra"]) == "Title words only here."
    body = "stroke " + "filler " * 40 + "stroke again"
    raw = text.highlight(body, ["stroke"])
    assert raw.startswith("\x02stroke\x03 filler") and " … " in raw
    assert raw.endswith("\x02stroke\x03 again")
    # Escaped before the marks become <mark>.
    assert text.render_snippet(text.highlight("<b>stroke</b> & co", ["stroke"])) == (
        "&lt;b&gt;<mark>stroke</mark>&lt;/b&gt; &amp; co"
    )


def _highlight_word_by_word(body: str, words: list[str], size: int = text.SNIPPET_TOKENS) -> str:
    """The definition `text.highlight` is checked against: every word read, parts chosen by
    word index (a quarter of `size` before the first match; half of `size` when another match
    follows, and then a second part around the first match beyond the first part)."""
    tokens = list(re.finditer(r"[^\W_]+", body))
    if not tokens:
        return ""
    hit_starts = set(text._hits(body, words)) if words else set()
    hits = [i for i, t in enumerate(tokens) if t.start() in hit_starts]
    n = len(tokens)
    if hits:
        start = max(0, hits[0] - size // 4)
        end = min(n, start + (size // 2 if len(hits) > 1 else size))
        later = next((h for h in hits[1:] if h >= end), None)
        if later is None:
            spans = [(start, min(n, start + size))]
        else:
            second = max(end, later - size // 4)
            spans = [(start, end), (second, min(n, second + size // 2))]
    else:
        spans = [(0, min(n, size))]
    parts = []
    for first, end in spans:
        out = []
        position = 0 if first == 0 else tokens[first].start()
        for i in range(first, end):
            out.append(body[position : tokens[i].start()])
            word = tokens[i].group()
            out.append(f"\x02{word}\x03" if i in hits else word)
            position = tokens[i].end()
        if end == n:
            out.append(body[position : position + 20])
        parts.append("".join(out))
    return " … ".join(parts)


_PIECES = st.sampled_from(
    ["stroke", "strokes", "Stroke", "heart", "hearts", "ménière", "Ménière", "x", "a1", "_",
     "__", " ", "  ", ", ", ".\n", "-", "é", "é", "filler", "word", "café", "strok", "(", "ß"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    pieces=st.lists(_PIECES, max_size=120),
    words=st.lists(st.sampled_from(["stroke", "heart", "meniere", "strok", "x", "cafe"]),
                   min_size=0, max_size=3),
    size=st.sampled_from([4, 8, 24]),
)  # fmt: skip
def test_highlight_agrees_with_the_word_by_word_definition(pieces, words, size):
    body = "".join(pieces)
    assert text.highlight(body, words, size=size) == _highlight_word_by_word(body, words, size)
