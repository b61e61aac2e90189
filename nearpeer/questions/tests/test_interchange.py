"""Moodle XML and GIFT written by Moodle itself (tests/data/README.md gives sources and
licences): a test per finding of the review, field by field, and Nearpeer's exports read back
by an independent parser (lxml) and by our own."""

import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from nearpeer.members.tests.factories import UserFactory
from nearpeer.questions import formats
from nearpeer.questions.models import Question, Tag, TagKind
from nearpeer.questions.rendering import render_markdown
from nearpeer.questions.services import export_questions

DATA = Path(__file__).parent / "data"
MOODLE = DATA / "moodle"


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><quiz>{body}</quiz>'.encode()


def _import(path: Path, fmt: str, *extra) -> str:
    out = StringIO()
    call_command("questions", "import", str(path), "--format", fmt,
                 "--author", UserFactory().email, *extra, stdout=out)  # fmt: skip
    return out.getvalue()


# --- Moodle XML -----------------------------------------------------------------------------


def test_moodle_html_text_reaches_members_as_text_not_markup():
    q = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes()).questions[0]
    assert q.stem == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Education."
    html = render_markdown(q.stem)
    assert html == (
        "<p>Moodle is an acronym for Modular Object-Oriented Dynamic Learning Education.</p>\n"
    )
    assert "question text: html converted to Markdown" in q.changed
    assert q.explanation == (
        "For further information, see the [documentation about Moodle]"
        '(http://docs.moodle.org/en/About_Moodle "Moodle Docs - About Moodle").'
    )


def test_moodle_html_is_cleaned_by_the_sites_sanitiser_first():
    xml = _xml(
        '<question type="truefalse"><name><text>x</text></name>'
        '<questiontext format="html"><text><![CDATA[<p onclick="x()">Safe'
        '<script>alert(1)</script> <a href="javascript:alert(1)">link</a></p>]]></text>'
        "</questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    q = formats.parse_moodle_xml(xml).questions[0]
    assert "script" not in q.stem and "javascript" not in q.stem and "onclick" not in q.stem
    assert render_markdown(q.stem) == "<p>Safe link</p>\n"


def test_moodle_plain_and_auto_format_are_shown_literally():
    xml = _xml(
        '<question type="truefalse"><name><text>x</text></name>'
        '<questiontext format="plain_text"><text>a</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    assert formats.to_markdown("2 * 3 * 4 = 24", "plain") == (
        "2 \\* 3 \\* 4 = 24",
        "plain text kept literal",
    )
    text, _ = formats.to_markdown("line one\nline *two*", "moodle_auto_format")
    assert render_markdown(text) == "<p>line one<br>\nline *two*</p>\n"
    assert formats.parse_moodle_xml(xml).questions[0].stem == "a"


@pytest.mark.django_db
def test_moodle_embedded_image_becomes_the_questions_image_and_goes_back_out(tmp_path):
    _import(MOODLE / "truefalse_abridged.xml", "moodle-xml", "--publish")
    version = Question.objects.get().published_version
    assert (version.image_type, version.image_alt) == ("image/jpeg", "Moodle logo")
    original = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes())
    with version.image.open("rb") as handle:
        assert handle.read() == original.questions[0].image.data
    out = tmp_path / "out.xml"
    call_command("questions", "export", "--format", "moodle-xml", "-o", str(out), stdout=StringIO())
    tree = etree.parse(str(out))
    text = tree.findtext("question/questiontext/text")
    (file,) = tree.findall("question/questiontext/file")
    assert text.endswith(f"![Moodle logo](@@PLUGINFILE@@/{file.get('name')})")
    assert file.get("encoding") == "base64"
    again = formats.parse_moodle_xml(out.read_bytes()).questions[0]
    assert again.image.data == original.questions[0].image.data
    assert again.stem == original.questions[0].stem


def _files(q) -> list[tuple[str, str, str, bytes]]:
    return [(f.where, f.name, f.alt, f.data) for f in q.files]


def _moodle_payloads(path: Path) -> dict[str, bytes]:
    import base64

    return {f.get("name"): base64.b64decode(f.text) for f in etree.parse(str(path)).iter("file")}


def test_moodle_every_embedded_image_is_kept_where_it_was():
    q = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes()).questions[0]
    payloads = _moodle_payloads(MOODLE / "truefalse_abridged.xml")
    assert (q.image.name, q.image.alt, q.image.data) == (
        "logo.jpg",
        "Moodle logo",
        payloads["logo.jpg"],
    )
    assert _files(q) == [
        ("general feedback", "infos.jpg", "Informations", payloads["infos.jpg"]),
        ("True feedback", "thumbdown.jpg", "Thumb down", payloads["thumbdown.jpg"]),
        ("False feedback", "thumbup.jpg", "Thumb up", payloads["thumbup.jpg"]),
    ]
    assert [f.shown_with_question for f in q.files] == [False, False, False]
    assert q.left_out == []
    assert [m["feedback"] for m in q.option_meta] == [
        "Your answer is incorrect.", "Your answer is correct.",
    ]  # fmt: skip
    assert "@@PLUGINFILE@@" not in repr(q.option_meta) + q.explanation + q.stem


def test_moodle_files_go_back_into_the_elements_they_came_from():
    q = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes()).questions[0]
    tree = etree.fromstring(formats.write_moodle_xml([q]).encode())
    (question,) = tree.findall("question")
    placed = {
        element.getparent().tag + ("/" + element.getparent().getparent().findtext("text")
                                   if element.getparent().tag == "feedback" else ""):
        element.get("name")
        for element in question.iter("file")
    }  # fmt: skip
    assert placed == {
        "questiontext": "logo.jpg", "generalfeedback": "infos.jpg",
        "feedback/true": "thumbdown.jpg", "feedback/false": "thumbup.jpg",
    }  # fmt: skip
    assert question.findtext("answer[1]/feedback/text").endswith(
        "![Thumb down](@@PLUGINFILE@@/thumbdown.jpg)"
    )
    again = formats.parse_moodle_xml(etree.tostring(tree)).questions[0]
    assert _files(again) == _files(q)
    assert again.image.data == q.image.data


def test_moodle_links_to_embedded_files_and_images_in_options_are_kept():
    import base64

    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    from .access_cases import PNG

    xml = _xml(
        '<question type="multichoice"><name><text>x</text></name>'
        '<questiontext format="html"><text><![CDATA[<p>See <a href="@@PLUGINFILE@@/guide.pdf">'
        "the guideline</a>. Which ECG?</p>]]></text>"
        f'<file name="guide.pdf" encoding="base64">{base64.b64encode(pdf).decode()}</file>'
        "</questiontext>"
        '<answer fraction="100" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/a.png"'
        ' alt="Trace A">]]></text>'
        f'<file name="a.png" encoding="base64">{base64.b64encode(PNG).decode()}</file></answer>'
        '<answer fraction="0"><text>B</text></answer>'
        '<answer fraction="0"><text>C</text></answer></question>'
    )
    (q,) = formats.parse_moodle_xml(xml).questions
    assert q.stem == "See the guideline. Which ECG?"
    assert q.image is None
    assert _files(q) == [
        ("question text", "guide.pdf", "the guideline", pdf), ("option 1", "a.png", "Trace A", PNG),
    ]  # fmt: skip
    assert [f.shown_with_question for f in q.files] == [True, True]
    assert q.options[0] == ("Trace A", True)
    again = formats.parse_moodle_xml(formats.write_moodle_xml([q]).encode()).questions[0]
    assert _files(again) == _files(q)
    assert again.stem == q.stem


def test_moodle_old_image_field_is_kept_and_cloze_is_named():
    parsed = formats.parse_moodle_xml((MOODLE / "old_image_tag_abridged.xml").read_bytes())
    (q,) = parsed.questions
    assert (q.image.name, q.image.data[:4]) == ("moodle.png", b"\x89PNG")
    assert [str(p) for p in parsed.unsupported] == [
        "question 1 (line 16): 'cloze question with image' is a Moodle 'cloze' question, which "
        "Nearpeer does not hold (it takes multichoice, truefalse, shortanswer, numerical, matching)"
    ]


def test_moodle_question_without_single_is_single_answer_as_in_moodle():
    xml = _xml(
        '<question type="multichoice"><name><text>x</text></name>'
        "<questiontext><text>Which?</text></questiontext>"
        '<answer fraction="100"><text>a</text></answer>'
        '<answer fraction="0"><text>b</text></answer>'
        '<answer fraction="0"><text>c</text></answer></question>'
    )
    assert formats.parse_moodle_xml(xml).questions[0].qtype == formats.SINGLE


@pytest.mark.django_db
def test_moodle_feedback_and_hints_are_kept_and_exported(tmp_path):
    xml = _xml(
        '<question type="multichoice"><name><text>x</text></name>'
        '<questiontext format="markdown"><text>Which?</text></questiontext>'
        '<generalfeedback format="markdown"><text></text></generalfeedback>'
        '<correctfeedback format="html"><text>Well done.</text></correctfeedback>'
        '<incorrectfeedback format="html"><text>Read chapter 2.</text></incorrectfeedback>'
        '<answer fraction="100"><text>a</text><feedback><text>Yes, a.</text></feedback></answer>'
        '<answer fraction="0"><text>b</text><feedback><text>Not b.</text></feedback></answer>'
        '<answer fraction="0"><text>c</text></answer>'
        '<hint format="html"><text>Think of a.</text></hint></question>'
    )
    path = tmp_path / "in.xml"
    path.write_bytes(xml)
    _import(path, "moodle-xml", "--publish")
    (q,) = export_questions(tags=[])
    assert q.explanation == ""
    assert [m.get("feedback", "") for m in q.option_meta] == ["Yes, a.", "Not b.", ""]
    assert q.details == {
        "feedback": {"correct": "Well done.", "incorrect": "Read chapter 2."},
        "hints": ["Think of a."],
    }
    out = formats.write_moodle_xml([q])
    tree = etree.fromstring(out.encode())
    assert tree.findtext("question/generalfeedback/text") == ""
    assert [a.findtext("feedback/text") for a in tree.findall("question/answer")] == [
        "Yes, a.", "Not b.", "",
    ]  # fmt: skip
    assert tree.findtext("question/hint/text") == "Think of a."
    assert tree.findtext("question/correctfeedback/text") == "Well done."
    assert "No explanation given" not in out


@pytest.mark.django_db
def test_moodle_tags_of_any_kind_and_the_category_path_become_tags(tmp_path):
    xml = _xml(
        '<question type="category"><category><text>$course$/top/Cardiology/Heart failure'
        "</text></category></question>"
        '<question type="truefalse"><name><text>x</text></name>'
        "<questiontext><text>BNP rises.</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer>'
        "<tags><tag><text>easy</text></tag><tag><text>specialty:Cardiology</text></tag>"
        "<tag><text>source:2019 paper</text></tag></tags></question>"
    )
    path = tmp_path / "in.xml"
    path.write_bytes(xml)
    _import(path, "moodle-xml")
    labels = sorted(t.label for t in Question.objects.get().tags.all())
    assert labels == [
        "specialty:Cardiology", "tag:Cardiology/Heart failure", "tag:easy",
        "tag:source:2019 paper",
    ]  # fmt: skip
    assert Tag.objects.filter(kind=TagKind.FREE).count() == 3


@pytest.mark.django_db
def test_moodle_fixtures_of_each_type_come_in_field_by_field():
    match = formats.parse_moodle_xml((MOODLE / "match_testquestion.moodle.xml").read_bytes())
    (q,) = match.questions
    assert (q.qtype, q.stem, q.options) == (
        "emq", "Classify the animals.",
        [("amphibian", False), ("mammal", False), ("insect", False)],
    )  # fmt: skip
    assert q.details["stems"] == [
        {"text": "frog", "key": 0}, {"text": "cat", "key": 1}, {"text": "newt", "key": 0},
    ]  # fmt: skip
    assert q.details["feedback"]["partial"] == (
        "Parts, but only parts, of your response are correct."
    )
    short = formats.parse_moodle_xml((MOODLE / "shortanswer_testquestion.moodle.xml").read_bytes())
    (q,) = short.questions
    assert (q.qtype, q.details["accepted"]) == ("short", [
        {"text": "frog", "credit": 1.0, "feedback": "Frog is a very good answer."},
        {"text": "toad", "credit": 0.8, "feedback": "Toad is an OK good answer."},
    ])  # fmt: skip
    assert q.left_out == ["answer '*' scores nothing (Nearpeer scores it 0 anyway)"]
    assert q.tags == ["tag:Test questions"]


def test_moodles_numerical_and_weighted_multichoice_fixtures_come_in_field_by_field():
    (num,) = formats.parse_moodle_xml(
        (MOODLE / "numerical_testquestion.moodle.xml").read_bytes()
    ).questions
    assert (num.qtype, num.title, num.stem, num.explanation) == (
        "numerical", "Numerical-001", "What is the average of 4, 5, 6 and 10?",
        "The average is 6.25",
    )  # fmt: skip
    assert num.details == {
        "accepted": [{"value": 6.25, "tolerance": 0.05, "credit": 1.0}],
        "units": [],
        "hints": ["First hint", "Second hint"],
    }
    (mc,) = formats.parse_moodle_xml(
        (MOODLE / "multichoice_testquestion.moodle.xml").read_bytes()
    ).questions
    assert (mc.qtype, mc.options) == ("multiple", [
        ("Tokyo", False), ("Spain", False), ("London", True), ("Barcelona", False), ("Paris", True),
    ])  # fmt: skip
    assert [m.get("credit") for m in mc.option_meta] == [None, None, 0.5, None, 0.5]
    assert mc.details["feedback"] == {
        "correct": "Your answer is correct.",
        "partial": "Your answer is partially correct.",
        "incorrect": "Your answer is incorrect.",
    }
    assert mc.details["hints"] == ["First hint", "Second hint"]


def test_weighted_multiple_response_goes_out_with_its_own_weights_not_a_penalty():
    # Moodle's fixture gives each capital 50 % and the wrong answers 0: the export must not
    # turn those zeros into Nearpeer's all-or-nothing penalty (-33.3 %).
    parsed = formats.parse_moodle_xml((MOODLE / "multichoice_testquestion.moodle.xml").read_bytes())
    tree = etree.fromstring(formats.write_moodle_xml(parsed.questions).encode())
    assert [a.get("fraction") for a in tree.findall("question/answer")] == [
        "0", "0", "50", "0", "50",
    ]  # fmt: skip
    gift = formats.write_gift(parsed.questions)
    assert "~Tokyo" in gift and "~%50%London" in gift and "-33" not in gift
    again = formats.parse_gift(gift).questions[0]
    assert [m.get("credit") for m in again.option_meta] == [None, None, 0.5, None, 0.5]


@pytest.mark.django_db
def test_numerical_with_units_round_trips_through_moodle_xml():
    xml = _xml(
        '<question type="numerical"><name><text>Glucose</text></name>'
        "<questiontext><text>Fasting glucose?</text></questiontext>"
        '<answer fraction="100"><text>5.5</text><tolerance>0.5</tolerance></answer>'
        '<answer fraction="50"><text>5.5</text><tolerance>1.5</tolerance></answer>'
        "<units><unit><multiplier>1</multiplier><unit_name>mmol/L</unit_name></unit>"
        "<unit><multiplier>18</multiplier><unit_name>mg/dL</unit_name></unit></units>"
        "</question>"
    )
    (q,) = formats.parse_moodle_xml(xml).questions
    assert q.details == {
        "accepted": [{"value": 5.5, "tolerance": 0.5, "credit": 1.0},
                     {"value": 5.5, "tolerance": 1.5, "credit": 0.5}],
        "units": [{"unit": "mmol/L", "multiplier": 1.0}, {"unit": "mg/dL", "multiplier": 18.0}],
    }  # fmt: skip
    again = formats.parse_moodle_xml(formats.write_moodle_xml([q]).encode()).questions[0]
    assert again.comparable() == q.comparable()


@pytest.mark.django_db
def test_unsupported_items_stop_the_import_unless_skipped(tmp_path):
    with pytest.raises(CommandError) as exc:
        _import(MOODLE / "old_image_tag_abridged.xml", "moodle-xml")
    assert "is a Moodle 'cloze' question" in str(exc.value)
    # The refusal says how much of the file could have come in, and how.
    assert str(exc.value).splitlines()[-1] == (
        "Of the 2 items in the file, 1 could come in as it is; 1 is of a type Nearpeer does not "
        "hold (--skip-unsupported leaves it out and imports the rest)."
    )
    assert Question.objects.count() == 0
    out = _import(MOODLE / "old_image_tag_abridged.xml", "moodle-xml", "--skip-unsupported")
    assert out.splitlines() == [
        "Imported 1 question.", "Left out 1 unsupported item (listed with --dry-run).",
    ]  # fmt: skip
    assert Question.objects.get().latest_version.title == "mcq with image"


@pytest.mark.django_db
def test_a_refused_dry_run_still_previews_every_item(capsys):
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("questions", "import", str(MOODLE / "old_image_tag_abridged.xml"),
                     "--format", "moodle-xml", "--author", UserFactory().email, "--dry-run",
                     stdout=out)  # fmt: skip
    assert out.getvalue().splitlines() == [
        "  1. left out: 'cloze question with image' is a Moodle 'cloze' question, which Nearpeer "
        "does not hold (it takes multichoice, truefalse, shortanswer, numerical, matching)",
        "  2. mcq with image (Single best answer; key C; tags none)",
        "     changed: question text: html converted to Markdown",
        "     changed: the old <image> field is attached as the question's image",
    ]
    assert str(exc.value).endswith("(--skip-unsupported leaves it out and imports the rest).")
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_lists_per_item_what_changes_and_what_is_left_out():
    out = _import(MOODLE / "truefalse_abridged.xml", "moodle-xml", "--dry-run")
    assert out.splitlines() == [
        "  1. Moodle acronym (False) (True/false; key B; tags tag:TrueFalse)",
        "     changed: question text: html converted to Markdown",
        "     changed: question text: image 'logo.jpg' attached to the question",
        "     changed: general feedback: html converted to Markdown",
        "     changed: general feedback: image 'infos.jpg' attached, shown with the feedback",
        "     changed: True feedback: image 'thumbdown.jpg' attached, shown with the feedback",
        "     changed: False feedback: image 'thumbup.jpg' attached, shown with the feedback",
        "Dry run: 1 question would be imported.",
    ]


def test_moodle_export_has_moodles_shape_for_every_type():
    questions = [
        formats.QuestionData(stem="s", options=[("True", True), ("False", False)],
                             qtype="truefalse"),
        formats.QuestionData(stem="s", options=[("a", False), ("b", False)], qtype="emq",
                             details={"stems": [{"text": "x", "key": 1}]}),
        formats.QuestionData(stem="s", options=[], qtype="short",
                             details={"accepted": [{"text": "frog", "credit": 1.0}]}),
    ]  # fmt: skip
    tree = etree.fromstring(formats.write_moodle_xml(questions).encode())
    assert [q.get("type") for q in tree.findall("question")] == [
        "truefalse", "matching", "shortanswer",
    ]  # fmt: skip
    assert [a.findtext("text") for a in tree.findall("question[1]/answer")] == ["true", "false"]
    assert [
        (s.findtext("text"), s.findtext("answer/text"))
        for s in tree.findall("question[2]/subquestion")
    ] == [("x", "b"), ("", "a")]
    assert tree.findtext("question[3]/answer/text") == "frog"


# --- GIFT -----------------------------------------------------------------------------------


def test_gift_moodle_fixture_types_weights_and_feedback():
    parsed = formats.parse_gift((DATA / "gift_moodle_questions.gift.txt").read_text())
    by_title = {q.title: q for q in parsed.questions}
    assert [str(p) for p in parsed.unsupported] == [
        "question 1 (line 2): 'Q8' is an essay question ('{}'), which Nearpeer does not hold"
    ]
    assert parsed.problems == []
    match = by_title["Moodle activities"]
    assert (match.qtype, [t for t, _ in match.options]) == (
        "emq", ["Forum", "Choice", "Database", "Wiki", "Chat"],
    )  # fmt: skip
    assert match.stem == "Match the **activity** to the description."
    assert by_title["Q2"].qtype == "single"
    assert [m["feedback"] for m in by_title["Q2"].option_meta] == [
        "right; good!", "wrong, it's yellow", "wrong, it's yellow",
    ]  # fmt: skip
    colours = by_title["colours"]
    assert colours.qtype == "multiple"
    assert [m["credit"] for m in colours.option_meta] == [0.5, -1.0, 0.5, -1.0]
    assert by_title["Shortanswer"].qtype == "short"
    assert by_title["Shortanswer"].details["accepted"][1] == {
        "text": "Cat", "credit": 0.5, "feedback": "What is it with Moodlers and cats?",
    }  # fmt: skip
    assert by_title["Q5"].details["accepted"] == [{"value": 3.0, "tolerance": 2.0, "credit": 1.0}]
    q1 = by_title["Q1"]
    assert (q1.qtype, q1.options) == ("truefalse", [("True", False), ("False", True)])
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert [m["feedback"] for m in q1.option_meta] == [
        "42 is the Ultimate Answer.", "You gave the right answer.",
    ]  # fmt: skip


def test_gift_short_answer_is_not_multiple_response():
    (q,) = formats.parse_gift("Which is the best animal? {=Frog =Cat}").questions
    assert (q.qtype, q.options, q.details) == (
        "short", [],
        {"accepted": [{"text": "Frog", "credit": 1.0}, {"text": "Cat", "credit": 1.0}]},
    )  # fmt: skip


def test_gift_weighted_wrong_answer_is_partial_credit_not_an_extra_key():
    (q,) = formats.parse_gift("Q? {=full ~%50%half ~none ~never}").questions
    assert (q.qtype, q.options) == (
        "single", [("full", True), ("half", False), ("none", False), ("never", False)],
    )  # fmt: skip
    assert q.option_meta[1] == {"credit": 0.5}
    again = formats.parse_gift(formats.write_gift([q])).questions[0]
    assert again.comparable() == q.comparable()


def test_gift_tags_are_read_and_written_as_moodle_does():
    gift = "// [tag:easy] [tag:specialty:Cardiology]\n::T::Q? {TRUE}"
    (q,) = formats.parse_gift(gift).questions
    assert q.tags == ["tag:easy", "specialty:Cardiology"]
    written = formats.write_gift([q])
    assert written.splitlines()[:2] == ["// [tag:easy]", "// [tag:specialty:Cardiology]"]


def test_gift_categories_and_formats():
    gift = "$CATEGORY: $course$/top/Renal\n\n::A::[html]<p>Kidney <b>stone</b>?</p>{T}\n"
    (q,) = formats.parse_gift(gift).questions
    assert (q.stem, q.tags, q.qtype) == ("Kidney **stone**?", ["tag:Renal"], "truefalse")
    assert q.changed == ["question text: html converted to Markdown"]


def _calls(function, *args) -> int:
    """Python-level and C-level function calls made by function(*args): an operation count that
    does not depend on the machine's speed."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize(
    "make",
    [
        # Many questions, and one question with very many answers and escapes.
        lambda n: "\n\n".join(f"::Q{i}::Stem \\{{{i}\\}} \\= x? {{=a{i} ~b ~c ~%50%d}}"
                              for i in range(n)),
        lambda n: "::Big::Stem? {=key "
        + " ".join(f"~wrong\\~{i}#fb\\#{i}" for i in range(n)) + "}",
    ],
)  # fmt: skip
def test_gift_parsing_is_linear_in_the_file_size(make):
    small, large = make(200), make(800)
    ratio = _calls(formats.parse_gift, large) / _calls(formats.parse_gift, small)
    size_ratio = len(large) / len(small)
    # Linear: four times the text costs about four times the operations (never ×16).
    assert ratio < size_ratio * 1.25


# --- Anki -----------------------------------------------------------------------------------


def _anki_notes(path: Path, tmp_path: Path) -> tuple[list[tuple], dict]:
    import json
    import sqlite3
    import zipfile

    with zipfile.ZipFile(path) as apkg:
        apkg.extract("collection.anki2", tmp_path)
        media = json.loads(apkg.read("media"))
        files = {name: apkg.read(number) for number, name in media.items()}
    db = sqlite3.connect(tmp_path / "collection.anki2")
    notes = db.execute("select guid, flds from notes order by id").fetchall()
    db.close()
    (tmp_path / "collection.anki2").unlink()
    return notes, files


@pytest.mark.django_db
def test_anki_note_identity_follows_the_question_so_reimport_updates(tmp_path):
    _import(MOODLE / "truefalse_abridged.xml", "moodle-xml", "--publish")
    question = Question.objects.get()
    first = tmp_path / "first.apkg"
    call_command("questions", "export", "--format", "anki", "-o", str(first), stdout=StringIO())
    version = question.published_version
    version.stem = "Moodle is an acronym (edited)."
    version.save(update_fields=["stem"])
    second = tmp_path / "second.apkg"
    call_command("questions", "export", "--format", "anki", "-o", str(second), stdout=StringIO())
    (before,), media = _anki_notes(first, tmp_path)
    (after,), _ = _anki_notes(second, tmp_path)
    assert before[0] == after[0]
    assert "edited" in after[1] and "edited" not in before[1]
    assert "Answer: B" in after[1]
    logo = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes())
    (name,) = [n for n, data in media.items() if data == logo.questions[0].image.data]
    assert f'<img src="{name}" alt="Moodle logo">' in before[1]
    assert len(media) == 4  # the logo and the three feedback images


@pytest.mark.parametrize(
    "name",
    ["match_testquestion.moodle.xml", "shortanswer_testquestion.moodle.xml",
     "truefalse_abridged.xml", "old_image_tag_abridged.xml",
     "numerical_testquestion.moodle.xml", "multichoice_testquestion.moodle.xml"],
)  # fmt: skip
def test_moodle_fixtures_round_trip_field_by_field(name):
    first = formats.parse_moodle_xml((MOODLE / name).read_bytes())
    again = formats.parse_moodle_xml(formats.write_moodle_xml(first.questions).encode())
    assert again.problems == []
    for before, after in zip(first.questions, again.questions, strict=True):
        assert after.comparable() == before.comparable()
        assert (after.title, after.image and after.image.data) == (
            before.title, before.image and before.image.data,
        )  # fmt: skip


def test_gift_fixture_round_trips_through_gift_and_moodle_xml():
    first = formats.parse_gift((DATA / "gift_moodle_questions.gift.txt").read_text())
    by_gift = formats.parse_gift(formats.write_gift(first.questions))
    by_xml = formats.parse_moodle_xml(formats.write_moodle_xml(first.questions).encode())
    expected = [q.comparable() for q in first.questions]
    assert [q.comparable() for q in by_gift.questions] == expected
    assert [q.comparable() for q in by_xml.questions] == expected


@pytest.mark.django_db
def test_imported_files_are_stored_rendered_served_and_exported_again(client, tmp_path):
    from django.core.files.storage import default_storage
    from django.urls import reverse

    payloads = _moodle_payloads(MOODLE / "truefalse_abridged.xml")
    _import(MOODLE / "truefalse_abridged.xml", "moodle-xml", "--publish")
    question = Question.objects.get()
    version = question.published_version
    assert [(a["where"], a["name"], a["content_type"], a["alt"]) for a in version.attachments] == [
        ("general feedback", "infos.jpg", "image/jpeg", "Informations"),
        ("True feedback", "thumbdown.jpg", "image/jpeg", "Thumb down"),
        ("False feedback", "thumbup.jpg", "image/jpeg", "Thumb up"),
    ]
    for attachment in version.attachments:
        with default_storage.open(attachment["path"], "rb") as handle:
            assert handle.read() == payloads[attachment["name"]]

    from nearpeer.members.tests.factories import committee

    client.force_login(committee())
    page = client.get(reverse("questions:question-detail", args=[question.pk])).content.decode()
    stem_at, explanation_at = page.index('class="stem"'), page.index("Explanation</h3>")
    for index, attachment in enumerate(version.attachments):
        tag = (f'<img class="question-image" src="'
               f'{reverse("questions:version-file", args=[version.pk, index])}" '
               f'alt="{attachment["alt"]}">')  # fmt: skip
        assert page.index(tag) > explanation_at > stem_at  # shown with the feedback
    served = client.get(reverse("questions:version-file", args=[version.pk, 2]))
    assert (served.status_code, served["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(served.streaming_content) == payloads["thumbup.jpg"]

    out = tmp_path / "out.xml"
    call_command("questions", "export", "--format", "moodle-xml", "-o", str(out), stdout=StringIO())
    again = formats.parse_moodle_xml(out.read_bytes()).questions[0]
    original = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes())
    assert _files(again) == _files(original.questions[0])
    assert again.image.data == payloads["logo.jpg"]

    deck = tmp_path / "deck.apkg"
    call_command("questions", "export", "--format", "anki", "-o", str(deck), stdout=StringIO())
    ((_, fields),), media = _anki_notes(deck, tmp_path)
    front, back = fields.split("\x1f")[:2]
    assert sorted(media.values()) == sorted(payloads.values())
    by_payload = {data: name for name, data in media.items()}
    assert f'src="{by_payload[payloads["logo.jpg"]]}" alt="Moodle logo"' in front
    for name, alt in (("infos.jpg", "Informations"), ("thumbdown.jpg", "Thumb down")):
        assert f'src="{by_payload[payloads[name]]}" alt="{alt}"' in back
        assert by_payload[payloads[name]] not in front


@pytest.mark.django_db
def test_a_new_version_keeps_the_files_of_the_one_it_was_made_from():
    from nearpeer.questions.services import save_question

    _import(MOODLE / "truefalse_abridged.xml", "moodle-xml", "--publish")
    question = Question.objects.get()
    before = question.published_version.attachments
    edited = save_question(
        author=question.author, question=question,
        content={"stem": "Edited stem.", "options": question.published_version.options,
                 "qtype": question.published_version.qtype, "title": "Edited"},
        tags=list(question.tags.all()), years=[],
    )  # fmt: skip
    assert edited.latest_version.pk != question.published_version_id
    assert edited.latest_version.attachments == before


def test_moodles_multichoice_fixture_names_its_sound_file_as_left_out():
    # Moodle's question/format/xml/tests/fixtures/multichoice.xml links an MP3 in the question
    # text: Nearpeer holds images and PDFs only, so the link keeps its words and the file is named.
    import base64

    xml = _xml(
        '<question type="multichoice"><name><text>Greeting</text></name>'
        '<questiontext format="html"><text><![CDATA[<p><a href="@@PLUGINFILE@@/bonjour.mp3">'
        "Listen to this greeting:</a><br /><br />What language is being spoken?</p>]]></text>"
        '<file name="bonjour.mp3" encoding="base64">'
        f"{base64.b64encode(b'ID3' + bytes(64)).decode()}</file></questiontext>"
        '<answer fraction="100"><text>French</text></answer>'
        '<answer fraction="0"><text>Spanish</text></answer>'
        '<answer fraction="0"><text>German</text></answer></question>'
    )
    (q,) = formats.parse_moodle_xml(xml).questions
    assert q.stem == "Listen to this greeting:  \n  \nWhat language is being spoken?"
    assert q.files == []
    assert q.left_out == [
        "question text: file 'bonjour.mp3' is not a PNG, JPEG, GIF, WebP image or a PDF"
    ]


def test_gift_file_links_point_at_nothing_and_are_named():
    gift = '::Q::[html]<p>ECG <img src="@@PLUGINFILE@@/ecg.png" alt="ECG"> rate?</p>{=60 ~90 ~120}'
    (q,) = formats.parse_gift(gift).questions
    assert q.stem == "ECG rate?"
    assert q.left_out == ["question text: image 'ecg.png' is referenced but not in the file"]


def test_moodle_matching_stem_that_is_only_an_image_stays_a_stem_and_round_trips():
    import base64

    from .access_cases import PNG

    xml = _xml(
        '<question type="matching"><name><text>ECGs</text></name>'
        "<questiontext><text>Match each trace to its rhythm.</text></questiontext>"
        '<subquestion format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/af.png" '
        'alt="Trace 1">]]></text>'
        f'<file name="af.png" encoding="base64">{base64.b64encode(PNG).decode()}</file>'
        "<answer><text>atrial fibrillation</text></answer></subquestion>"
        '<subquestion format="html"><text>Sawtooth waves</text>'
        "<answer><text>atrial flutter</text></answer></subquestion>"
        '<subquestion format="html"><text></text><answer><text>sinus rhythm</text></answer>'
        "</subquestion></question>"
    )
    (q,) = formats.parse_moodle_xml(xml).questions
    assert q.details["stems"] == [
        {"text": "Trace 1", "key": 0}, {"text": "Sawtooth waves", "key": 1},
    ]  # fmt: skip
    assert [t for t, _ in q.options] == ["atrial fibrillation", "atrial flutter", "sinus rhythm"]
    assert _files(q) == [("stem 1", "af.png", "Trace 1", PNG)]
    again = formats.parse_moodle_xml(formats.write_moodle_xml([q]).encode()).questions[0]
    assert (again.details, _files(again)) == (q.details, _files(q))
