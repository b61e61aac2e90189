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
