"""Query words and snippets, the same for both databases (no database needed)."""

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
