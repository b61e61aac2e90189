"""Nearpeer's exports read by parsers that are not ours (issue 13's acceptance): GIFT by the npm
package gift-pegjs (a PEG.js grammar of Moodle's GIFT, used by other GIFT tools), driven through
`node`; Moodle XML checked against the element set of Moodle's own exports of each type. The
tools come with `make install-dev` (package.json devDependencies), so these tests never skip."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from nearpeer.questions import formats

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).parent / "data"
MOODLE = DATA / "moodle"

# Read the GIFT text on stdin, print gift-pegjs's parse as JSON (or the syntax error).
_DRIVER = """
const gift = require("gift-pegjs");
const text = require("fs").readFileSync(0, "utf8");
try {
  process.stdout.write(JSON.stringify(gift.parse(text)));
} catch (e) {
  process.stdout.write(JSON.stringify({error: e.message, location: e.location}));
}
"""


def gift_pegjs(text: str) -> list[dict]:
    node = shutil.which("node")
    assert node, "node is not installed (Debian's nodejs; see the README)"
    assert (ROOT / "node_modules" / "gift-pegjs").is_dir(), (
        "node_modules/gift-pegjs is missing: run `make install-dev`"
    )
    run = subprocess.run(
        [node, "-e", _DRIVER], input=text, capture_output=True, text=True, cwd=ROOT,
        timeout=60, check=True,
    )  # fmt: skip
    parsed = json.loads(run.stdout)
    assert not isinstance(parsed, dict), f"gift-pegjs refused Nearpeer's GIFT: {parsed}"
    return [q for q in parsed if q["type"] != "Category"]


def _text(node: dict | None) -> str:
    return node["text"] if node else ""


QUESTIONS = [
    formats.QuestionData(
        title="Escapes {and} = signs",
        stem="Which of 2 = {x} ~ y # z: is *true*?\nSecond line.",
        options=[("right = yes", True), ("half", False), ("wrong #1", False)],
        option_meta=[{"feedback": "Yes: {well} done."}, {"credit": 0.5}, {}],
        explanation="Because.",
        references="NICE CG1",
        tags=["tag:easy", "specialty:Cardiology"],
    ),
    formats.QuestionData(
        title="Multiple response",
        stem="Pick the two.",
        qtype=formats.MULTIPLE,
        options=[("a", True), ("b", True), ("c", False), ("d", False)],
    ),
    formats.QuestionData(
        title="True or false",
        stem="The sky is blue.",
        qtype=formats.TRUEFALSE,
        options=[("True", True), ("False", False)],
        option_meta=[{"feedback": "Right."}, {"feedback": "Look up."}],
    ),
    formats.QuestionData(
        title="Short",
        stem="Best animal?",
        qtype=formats.SHORT,
        options=[],
        details={
            "accepted": [
                {"text": "Frog", "credit": 1.0},
                {"text": "Cat", "credit": 0.5, "feedback": "Meh."},
            ]
        },
    ),  # fmt: skip
    formats.QuestionData(
        title="Numerical",
        stem="Fasting glucose (mmol/L)?",
        qtype=formats.NUMERICAL,
        options=[],
        details={
            "accepted": [
                {"value": 5.5, "tolerance": 0.5, "credit": 1.0},
                {"value": 5.5, "tolerance": 1.5, "credit": 0.5},
            ],
            "units": [],
        },
    ),  # fmt: skip
    formats.QuestionData(
        title="EMQ",
        stem="Match the drug to its class.",
        qtype=formats.EMQ,
        options=[("beta blocker", False), ("ACE inhibitor", False), ("statin", False)],
        details={"stems": [{"text": "atenolol", "key": 0}, {"text": "ramipril", "key": 1}]},
    ),
]


def test_gift_export_is_read_by_gift_pegjs_field_by_field():
    parsed = gift_pegjs(formats.write_gift(QUESTIONS))
    assert [q["type"] for q in parsed] == ["MC", "MC", "TF", "Short", "Numerical", "Matching"]
    assert [q["title"] for q in parsed] == [q.title for q in QUESTIONS]
    assert [_text(q["stem"]) for q in parsed] == [q.stem for q in QUESTIONS]
    assert {q["stem"]["format"] for q in parsed} == {"markdown"}

    sba, multiple, truefalse, short, numerical, emq = parsed
    assert sba["tags"] == ["easy", "specialty:Cardiology"]
    assert [(_text(c["text"]), c["isCorrect"], c["weight"], _text(c["feedback"]))
            for c in sba["choices"]] == [
        ("right = yes", True, None, "Yes: {well} done."),
        ("half", False, 50, ""),
        ("wrong #1", False, None, ""),
    ]  # fmt: skip
    assert _text(sba["globalFeedback"]) == "Because.\n\nReferences:\nNICE CG1"
    # Multiple response is written with weights, as Moodle does: keys share 100 %.
    assert [(_text(c["text"]), c["weight"]) for c in multiple["choices"]] == [
        ("a", 50), ("b", 50), ("c", -50), ("d", -50),
    ]  # fmt: skip
    # GIFT's true/false: the first feedback is for a wrong answer, the second for a right one.
    assert (truefalse["isTrue"], _text(truefalse["trueFeedback"]),
            _text(truefalse["falseFeedback"])) == (True, "Look up.", "Right.")  # fmt: skip
    assert [(_text(c["text"]), c["weight"], _text(c["feedback"])) for c in short["choices"]] == [
        ("Frog", None, ""), ("Cat", 50, "Meh."),
    ]  # fmt: skip
    assert [(c["text"]["number"], c["text"]["range"], c["weight"])
            for c in numerical["choices"]] == [(5.5, 0.5, None), (5.5, 1.5, 50)]  # fmt: skip
    assert [(_text(p["subquestion"]), p["subanswer"]) for p in emq["matchPairs"]] == [
        ("atenolol", "beta blocker"), ("ramipril", "ACE inhibitor"), ("", "statin"),
    ]  # fmt: skip


def test_moodles_own_gift_fixture_exported_again_is_read_by_gift_pegjs():
    first = formats.parse_gift((DATA / "gift_moodle_questions.gift.txt").read_text())
    parsed = gift_pegjs(formats.write_gift(first.questions))
    kinds = {"single": "MC", "multiple": "MC", "truefalse": "TF", "short": "Short",
             "numerical": "Numerical", "emq": "Matching"}  # fmt: skip
    assert [(q["title"], q["type"]) for q in parsed] == [
        (q.title, kinds[q.qtype]) for q in first.questions
    ]
    for ours, theirs in zip(first.questions, parsed, strict=True):
        assert _text(theirs["stem"]) == ours.stem
        if ours.qtype in ("single", "multiple"):
            assert [_text(c["text"]) for c in theirs["choices"]] == [t for t, _ in ours.options]


def test_moodles_weighted_multichoice_exported_as_gift_keeps_its_weights_for_gift_pegjs():
    parsed = formats.parse_moodle_xml((MOODLE / "multichoice_testquestion.moodle.xml").read_bytes())
    (theirs,) = gift_pegjs(formats.write_gift(parsed.questions))
    assert [(_text(c["text"]), c["weight"]) for c in theirs["choices"]] == [
        ("Tokyo", None), ("Spain", None), ("London", 50), ("Barcelona", None), ("Paris", 50),
    ]  # fmt: skip


def test_gift_pegjs_is_a_real_check_it_refuses_broken_gift():
    with pytest.raises(AssertionError, match="gift-pegjs refused"):
        gift_pegjs("::T::Unclosed {=a ~b")


# --- Moodle XML -----------------------------------------------------------------------------
# The one Moodle XML reader on PyPI, moodle-xml-parser, reads multichoice (and cloze) only: it
# checks those below. For every type: every element Nearpeer writes for a question type is one
# Moodle itself writes for that type (in Moodle's own fixtures, kept in tests/data/moodle with
# their sources), and the export reads back through lxml.


def _element_paths(tree, qtype: str) -> set[str]:
    paths = set()
    for question in tree.iter("question"):
        if question.get("type") != qtype:
            continue
        for element in question.iter():
            if element is question:
                continue
            parts = []
            node = element
            while node is not question:
                parts.append(node.tag)
                node = node.getparent()
            paths.add("/".join(reversed(parts)))
    return paths


MOODLE_OWN = {
    "truefalse": "truefalse_abridged.xml",
    "matching": "match_testquestion.moodle.xml",
    "shortanswer": "shortanswer_testquestion.moodle.xml",
    "multichoice": "old_image_tag_abridged.xml",
    "numerical": "numerical_testquestion.moodle.xml",
}


# Elements Moodle's exporter writes for every question type (qformat_xml::writequestion).
GENERIC = ("name", "questiontext", "generalfeedback", "defaultgrade", "penalty", "hidden", "tags",
           "hint")  # fmt: skip


@pytest.mark.parametrize("moodle_type", sorted(MOODLE_OWN))
def test_moodle_export_uses_only_elements_moodle_writes_for_the_type(moodle_type):
    theirs = _element_paths(etree.parse(str(MOODLE / MOODLE_OWN[moodle_type])), moodle_type)
    for name in set(MOODLE_OWN.values()):
        tree = etree.parse(str(MOODLE / name))
        theirs |= {
            path for qtype in MOODLE_OWN for path in _element_paths(tree, qtype)
            if path.split("/")[0] in GENERIC
        }  # fmt: skip
    # None of the fixtures is tagged; Moodle's writer (question/format/xml/format.php,
    # writequestion) writes tags as <tags><tag><text>…</text></tag></tags>.
    theirs |= {"tags", "tags/tag", "tags/tag/text"}
    ours = _element_paths(etree.fromstring(formats.write_moodle_xml(QUESTIONS).encode()),
                          moodle_type)  # fmt: skip
    assert ours, f"Nearpeer wrote no {moodle_type} question"
    assert ours - theirs == set()


def test_moodle_export_is_read_by_moodle_xml_parser_field_by_field():
    # moodle-xml-parser (PyPI, MIT; a dev dependency) reads Moodle's multichoice and cloze
    # questions: Nearpeer's single best answer and multiple response, and Moodle's own weighted
    # multichoice fixture exported again, as it reads them.
    from moodle_xml_parser.parser import parse_string

    fixture = formats.parse_moodle_xml(
        (MOODLE / "multichoice_testquestion.moodle.xml").read_bytes()
    )
    theirs = parse_string(formats.write_moodle_xml(QUESTIONS + fixture.questions))["multichoice"]
    assert [(q.name, q.single) for q in theirs] == [
        ("Escapes {and} = signs", True), ("Multiple response", False), ("Multi-choice-001", False),
    ]  # fmt: skip
    sba, multiple, weighted = theirs
    assert sba.text_pre_parse == QUESTIONS[0].stem
    assert [(o.answer, o.score_fraction, o.feedback) for o in sba.options] == [
        ("right = yes", 100.0, "Yes: {well} done."), ("half", 50.0, ""), ("wrong #1", 0.0, ""),
    ]  # fmt: skip
    assert sba.general_feedback == "Because.\n\nReferences:\nNICE CG1"
    assert [(o.answer, o.score_fraction) for o in multiple.options] == [
        ("a", 50.0), ("b", 50.0), ("c", -50.0), ("d", -50.0),
    ]  # fmt: skip
    # As Moodle wrote it: the capitals 50 % each, the wrong answers 0 (never a penalty).
    assert [(o.answer, o.score_fraction) for o in weighted.options] == [
        ("Tokyo", 0.0), ("Spain", 0.0), ("London", 50.0), ("Barcelona", 0.0), ("Paris", 50.0),
    ]  # fmt: skip
    assert (weighted.correct_feedback, weighted.partially_correct_feedback) == (
        "Your answer is correct.", "Your answer is partially correct.",
    )  # fmt: skip


# --- Anki -----------------------------------------------------------------------------------
# The deck is opened by Anki itself: the official `anki` package (the library Anki's desktop app
# is built on, with its Rust importer), a dev dependency.


def _anki_import(collection_path: Path, apkg: Path):
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    col = Collection(str(collection_path))
    try:
        log = col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(apkg),
                options=ImportAnkiPackageOptions(
                    merge_notetypes=True,
                    # Anki's default: update a note when the package's copy is newer.
                    update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                ),
            )
        ).log
        notes = [col.get_note(nid) for nid in col.find_notes("")]
        media_dir = Path(col.media.dir())
        media = {p.name: p.read_bytes() for p in media_dir.iterdir() if p.is_file()}
        return log, [(n.guid, list(n.fields), list(n.tags)) for n in notes], media
    finally:
        col.close()


@pytest.mark.django_db
def test_anki_opens_the_deck_with_every_image_and_updates_the_note_on_reimport(
    tmp_path, monkeypatch
):
    import time
    from io import StringIO

    from django.core.management import call_command

    from nearpeer.members.tests.factories import UserFactory
    from nearpeer.questions.models import Question

    author = UserFactory().email
    call_command("questions", "import", str(MOODLE / "truefalse_abridged.xml"), "--format",
                 "moodle-xml", "--author", author, "--publish", stdout=StringIO())  # fmt: skip
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    call_command("questions", "export", "--format", "anki", "-o", str(first), stdout=StringIO())
    version = Question.objects.get().published_version
    version.stem = "Moodle is an acronym (edited)."
    version.save(update_fields=["stem"])
    # The edit is exported a minute later (genanki stamps notes with the export time, and Anki
    # updates a note only from a newer copy).
    later = time.time() + 60
    monkeypatch.setattr("genanki.package.time.time", lambda: later)
    call_command("questions", "export", "--format", "anki", "-o", str(second), stdout=StringIO())
    collection = tmp_path / "learner" / "collection.anki2"
    collection.parent.mkdir()

    log, notes, media = _anki_import(collection, first)
    ((guid, (front, back, _), tags),) = notes
    assert (len(log.new), len(log.updated)) == (1, 0)
    assert "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Education." in front
    assert "Answer: B" in back and "For further information" in back
    assert tags == ["TrueFalse"]
    parsed = formats.parse_moodle_xml((MOODLE / "truefalse_abridged.xml").read_bytes())
    payloads = [parsed.questions[0].image.data] + [f.data for f in parsed.questions[0].files]
    assert sorted(media.values()) == sorted(payloads)
    names = {data: name for name, data in media.items()}
    assert f'src="{names[payloads[0]]}"' in front
    assert all(f'src="{names[data]}"' in back for data in payloads[1:])

    log, notes, _ = _anki_import(collection, second)
    ((guid_again, (front_again, _, _), _),) = notes
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert guid_again == guid
    assert "(edited)" in front_again


def test_anki_opens_a_deck_of_every_type_with_its_options_stems_and_key(tmp_path):
    # Every type the bank holds, written to a deck and read by Anki's own importer: the front
    # carries what the learner must see to answer (options; an EMQ's option list and stems), the
    # back the key in the bank's own words.
    from nearpeer.questions.rendering import render_markdown

    deck = tmp_path / "types.apkg"
    questions = [
        formats.QuestionData(**{**vars(q), "identity": f"nearpeer-question-{n}"})
        for n, q in enumerate(QUESTIONS, start=1)
    ]
    formats.write_anki(questions, deck_name="Types", path=str(deck), render=render_markdown)
    collection = tmp_path / "learner" / "collection.anki2"
    collection.parent.mkdir()
    log, notes, _ = _anki_import(collection, deck)
    assert len(log.new) == len(QUESTIONS)
    by_stem = {}
    for _, (front, back, _), tags in notes:
        (q,) = [q for q in QUESTIONS if render_markdown(q.stem).strip()[3:20] in front]
        by_stem[q.title] = (front, back, tags)
    assert set(by_stem) == {q.title for q in QUESTIONS}
    front, back, tags = by_stem["Escapes {and} = signs"]
    assert "<li><p>right = yes</p>" in front and "<li><p>wrong #1</p>" in front
    assert "Answer: A" in back and "Because." in back and "NICE CG1" in back
    assert sorted(tags) == ["easy", "specialty:Cardiology"]
    assert "Answer: A, B" in by_stem["Multiple response"][1]
    assert "Answer: A" in by_stem["True or false"][1]
    front, back, _ = by_stem["EMQ"]
    assert front.index("<li><p>beta blocker</p>") < front.index("<li><p>atenolol</p>")
    assert "<li><p>statin</p>" in front and "<li><p>ramipril</p>" in front
    assert "Answer: 1A 2B" in back
    assert "Answer: &quot;Frog&quot;" in by_stem["Short"][1]
    assert "5.5 ± 0.5" in by_stem["Numerical"][1]
    assert "<li>" not in by_stem["Short"][0] and "<li>" not in by_stem["Numerical"][0]
