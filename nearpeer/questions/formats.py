"""Question interchange formats: Moodle XML and GIFT in both directions, Anki decks out. No
Django import; the import service turns `QuestionData` into models.

Nearpeer keeps Markdown throughout. Moodle text in html, moodle_auto_format or plain is turned
into Markdown on the way in (HTML is first cleaned by nh3 against the same allow-list the site
renders with), and the preview says so. Exports write format="markdown" / [markdown]. Tags travel as
Moodle <tags> and, in GIFT, as `// [tag:…]` comment lines, which Moodle reads. A Moodle category
path becomes a free tag. References travel at the end of the general feedback after a
"References:" line. Question types and scoring live in `scoring`.

Embedded files (Moodle's `@@PLUGINFILE@@` links with `<file encoding="base64">`): the first image
of the question text is the question's image (`QuestionData.image`); every other image or linked
file is an `Attachment` in `QuestionData.files`, remembering where it was (`where`: "question
text", "general feedback", "option 2 feedback", "True feedback", …) so that it is shown in the
same place (with the question, or with the feedback once answered) and exported back into the
same element. The reference is taken out of the text either way.
"""

import base64
import binascii
import functools
import hashlib
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import nh3
from defusedxml import ElementTree as SafeET

from nearpeer.core.images import IMAGE_TYPES, MAX_IMAGE_BYTES

from . import scoring
from .rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from .scoring import EMQ, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUEFALSE

MIN_OPTIONS, MAX_OPTIONS = scoring.MIN_OPTIONS, scoring.MAX_OPTIONS
MAX_TEXT = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024
REFERENCES_MARK = "References:"
FREE_TAG = "tag"
PLUGINFILE = "@@PLUGINFILE@@/"


class FormatError(ValueError):
    """A file that cannot be read at all (not one bad question)."""


@dataclass
class Attachment:
    """A file embedded in a question (Moodle's <file encoding="base64">)."""

    name: str
    data: bytes
    alt: str = ""
    # Where in the question it was: "question text", "option 2", "general feedback",
    # "option 2 feedback", "True feedback", "correct feedback", "answer 'frog' feedback", …
    where: str = "question text"
    content_type: str = ""

    @property
    def shown_with_question(self) -> bool:
        """Shown before answering (question text, options, stems); else with the feedback."""
        return not self.where.endswith("feedback")

    @property
    def is_image(self) -> bool:
        if self.content_type:
            return self.content_type.startswith("image/")
        return self.name.lower().rsplit(".", 1)[-1] in ("png", "jpg", "jpeg", "gif", "webp")


MAX_FILES = 20
FILE_TYPES = IMAGE_TYPES | {"application/pdf"}


def file_type(data: bytes) -> str:
    """The MIME type recognised from the content (not the name), or ""."""
    import filetype

    kind = filetype.guess(data[:261])
    return kind.mime if kind else ""


@dataclass
class QuestionData:
    stem: str
    options: list[tuple[str, bool]]
    qtype: str = SINGLE
    title: str = ""
    explanation: str = ""
    references: str = ""
    tags: list[str] = field(default_factory=list)
    # Per option: {"credit": fraction, "feedback": text} where the format carries them.
    option_meta: list[dict] = field(default_factory=list)
    # Type-specific answer data (see scoring) plus "feedback" {correct, partial, incorrect} and
    # "hints" [text].
    details: dict = field(default_factory=dict)
    image: Attachment | None = None
    # Further images and files, each with where it belongs (see Attachment.where).
    files: list[Attachment] = field(default_factory=list)
    # A stable identity across exports (the question, not its text): Anki's note guid.
    identity: str = ""
    # For the preview: what was changed on the way in, and what was left out, with the reason.
    changed: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def option_dicts(self) -> list[dict]:
        out = []
        for i, (text, correct) in enumerate(self.options):
            option = {"text": text, "correct": correct}
            meta = self.option_meta[i] if i < len(self.option_meta) else {}
            if meta.get("credit") is not None:
                option["credit"] = meta["credit"]
            if meta.get("feedback"):
                option["feedback"] = meta["feedback"]
            out.append(option)
        return out

    def comparable(self) -> tuple:
        return (
            self.qtype,
            self.stem.strip(),
            tuple((t.strip(), c) for t, c in self.options),
            self.explanation.strip(),
            self.references.strip(),
            tuple(sorted(self.tags)),
            repr(sorted(self.details.items())),
            tuple((m.get("credit"), (m.get("feedback") or "").strip()) for m in _metas(self)),
        )


@dataclass
class ParseProblem:
    position: int
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"question {self.position}"
        if self.line:
            where += f" (line {self.line})"
        return f"{where}: {self.message}"


@dataclass
class ParseResult:
    questions: list[QuestionData]
    problems: list[ParseProblem]
    # Items of a type Nearpeer cannot hold (cloze, essay, …): left out with --skip-unsupported,
    # otherwise they stop the import like any problem.
    unsupported: list[ParseProblem] = field(default_factory=list)
    # Position in the file of each question in `questions` (the unsupported ones take numbers too).
    positions: list[int] = field(default_factory=list)


def check_question(q: QuestionData) -> list[str]:
    """The same rules the question form applies, as messages."""
    problems = []
    if not q.stem.strip():
        problems.append("the stem is empty")
    for name in ("stem", "explanation", "references"):
        if len(getattr(q, name)) > MAX_TEXT:
            problems.append(f"the {name} is longer than {MAX_TEXT} characters")
    problems += scoring.check(q.qtype, q.option_dicts(), q.details)
    return problems


def split_references(feedback: str) -> tuple[str, str]:
    text = feedback.rstrip()
    marker = f"\n\n{REFERENCES_MARK}\n"
    if marker in text:
        explanation, references = text.rsplit(marker, 1)
        return explanation.strip(), references.strip()
    if text.startswith(f"{REFERENCES_MARK}\n"):
        return "", text[len(REFERENCES_MARK) + 1 :].strip()
    return text.strip(), ""


def join_references(explanation: str, references: str) -> str:
    if not references.strip():
        return explanation.strip()
    if not explanation.strip():
        return f"{REFERENCES_MARK}\n{references.strip()}"
    return f"{explanation.strip()}\n\n{REFERENCES_MARK}\n{references.strip()}"


def category_tag(path: str) -> str | None:
    """`$course$/top/Cardiology/Heart failure` → free tag `Cardiology/Heart failure`."""
    parts = [p.strip() for p in path.split("/") if p.strip()]
    while parts and (parts[0].startswith("$") or parts[0].lower() in ("top", "default")):
        parts.pop(0)
    if parts and parts[0].lower().startswith("default for"):
        parts.pop(0)
    name = "/".join(parts)
    return f"{FREE_TAG}:{name[:60]}" if name else None


def plain_tag(label: str) -> str:
    """How a tag is written for tools that have no tag kinds (a free tag loses its prefix)."""
    kind, sep, name = label.partition(":")
    return name if sep and kind == FREE_TAG else label


# --- Text formats -------------------------------------------------------------------------------

_IMG_TAGS = ALLOWED_TAGS | {"img", "div", "span", "b", "i", "u", "h1", "h2"}
_IMG_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}}
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<])|^(\s*)([#>+-]|\d+\.)", re.MULTILINE)


def _escape_markdown(text: str) -> str:
    """Plain text that Markdown shows literally."""

    def escape_one(match: re.Match) -> str:
        if match.group(1):
            return "\\" + match.group(1)
        return match.group(2) + "\\" + match.group(3)

    return _MD_SPECIAL.sub(escape_one, text)


def to_markdown(text: str, text_format: str) -> tuple[str, str | None]:
    """Markdown for a Moodle text in `text_format`, and a note of what was changed (None when
    nothing was). HTML goes through nh3 with the site's allow-list before it is converted, so the
    same sanitiser sees every imported text."""
    text = text or ""
    text_format = (text_format or "html").lower()
    if text_format == "markdown":
        return text.strip(), None
    if text_format == "plain":
        escaped = _escape_markdown(text.strip())
        return escaped, None if escaped == text.strip() else "plain text kept literal"
    if text_format == "moodle_auto_format" and not _HTML_TAG.search(text):
        # Moodle's auto-format: each line break is a line break.
        lines = [_escape_markdown(line.rstrip()) for line in text.strip().splitlines()]
        converted = "  \n".join(lines).replace("  \n  \n", "\n\n")
        return converted, None if converted == text.strip() else "auto-format text as Markdown"
    if not _HTML_TAG.search(text) and "&" not in text:
        return text.strip(), None
    from markdownify import markdownify

    cleaned = nh3.clean(
        text, tags=_IMG_TAGS, attributes=_IMG_ATTRIBUTES, url_schemes=URL_SCHEMES | {"data"},
        link_rel=None,
    )  # fmt: skip
    converted = markdownify(cleaned, heading_style="ATX", bullets="-").strip()
    converted = re.sub(r"\n{3,}", "\n\n", converted)
    return converted, f"{text_format} converted to Markdown"


# An embedded image `![alt](@@PLUGINFILE@@/name)` or a link to an embedded file
# `[text](@@PLUGINFILE@@/name)` (Markdown, after the HTML was converted).
_MD_EMBEDDED = re.compile(r"(!?)\[([^\]]*)\]\(\s*@@PLUGINFILE@@/([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")


def take_image(text: str, files: dict[str, bytes], q: QuestionData, where: str) -> str:
    """Move each embedded image or file referenced in `text` into the question: the first image
    of the question text becomes `q.image`, the others go to `q.files` with `where` they were.
    The reference leaves the text (a link keeps its words). Files over 2 MB, or beyond
    MAX_FILES, are left out and said so."""

    def replace(match: re.Match) -> str:
        from urllib.parse import unquote

        is_image, label, name = (
            match.group(1) == "!",
            match.group(2).strip(),
            unquote(match.group(3)),
        )
        kind = "image" if is_image else "file"
        # A link within a sentence keeps its words; one on a line of its own (as Nearpeer
        # exports a file) is the file itself.
        text_, start, end = match.string, match.start(), match.end()
        standalone = (start == 0 or text_[:start].endswith("\n")) and (
            end == len(text_) or text_[end:].startswith("\n")
        )
        keep_words = "" if is_image or standalone else label
        data = files.get(name)
        if data is None:
            q.left_out.append(f"{where}: {kind} {name!r} is referenced but not in the file")
            return keep_words
        if len(data) > MAX_IMAGE_BYTES:
            q.left_out.append(f"{where}: {kind} {name!r} is larger than 2 MB")
            return keep_words
        content_type = file_type(data)
        if content_type not in FILE_TYPES:
            q.left_out.append(
                f"{where}: {kind} {name!r} is not a PNG, JPEG, GIF, WebP image or a PDF"
            )
            return keep_words
        if is_image and q.image is None and where == "question text":
            q.image = Attachment(name=name, data=data, alt=label)
            q.changed.append(f"{where}: image {name!r} attached to the question")
            return ""
        if len(q.files) >= MAX_FILES:
            q.left_out.append(f"{where}: {kind} {name!r} (a question holds {MAX_FILES} files)")
            return keep_words
        q.files.append(
            Attachment(name=name, data=data, alt=label, where=where, content_type=content_type)
        )
        shown = "with the question" if q.files[-1].shown_with_question else "with the feedback"
        q.changed.append(f"{where}: {kind} {name!r} attached, shown {shown}")
        return keep_words

    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", _MD_EMBEDDED.sub(replace, text)).strip()


# --- Moodle XML -------------------------------------------------------------------------------

MOODLE_TYPES = {
    "multichoice": None, "truefalse": TRUEFALSE, "shortanswer": SHORT, "numerical": NUMERICAL,
    "matching": EMQ,
}  # fmt: skip


def _text_of(element, path: str) -> str:
    node = element.find(path)
    if node is None:
        return ""
    return (node.text or "").strip("\n")


def _files_of(element) -> dict[str, bytes]:
    files = {}
    for node in element.iter("file"):
        if node.get("encoding", "base64") != "base64":
            continue
        try:
            files[node.get("name", "")] = base64.b64decode(node.text or "", validate=False)
        except (binascii.Error, ValueError):
            continue
    return files


def _moodle_text(element, path: str, q: QuestionData, where: str, files: dict) -> str:
    node = element.find(path)
    if node is None:
        return ""
    raw = _text_of(node, "text")
    text, note = to_markdown(raw, node.get("format", "html"))
    if note:
        q.changed.append(f"{where}: {note}")
    if PLUGINFILE in text:
        text = take_image(text, files, q, where)
    return text


def _fraction_of(answer, problems: list, position: int, line: int | None) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        problems.append(ParseProblem(position, line, "an answer fraction is not a number"))
        return 0.0


def parse_moodle_xml(data: bytes) -> ParseResult:
    """Read a Moodle XML quiz file: multichoice, truefalse, shortanswer, numerical and matching.
    A category entry becomes a tag of the questions after it; every other type is reported as
    unsupported. Entities and external references are refused (defusedxml)."""
    if len(data) > MAX_FILE_BYTES:
        raise FormatError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        root = SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise FormatError(f"not well-formed XML: {exc}") from None
    except Exception as exc:  # defusedxml's refusals (entities, DTDs) are not ParseErrors
        raise FormatError(f"refused XML: {exc.__class__.__name__}") from None
    if root.tag != "quiz":
        raise FormatError(f"expected a <quiz> root element, found <{root.tag}>")
    result = ParseResult([], [])
    position = 0
    category = None
    lines = _question_lines(data)
    for element in root.findall("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            category = category_tag(_text_of(element, "category/text"))
            continue
        position += 1
        line = lines[position - 1] if position <= len(lines) else None
        if qtype not in MOODLE_TYPES:
            name = _text_of(element, "name/text").strip()
            result.unsupported.append(
                ParseProblem(
                    position, line,
                    f"{name!r} is a Moodle {qtype!r} question, which Nearpeer does not hold "
                    f"(it takes {', '.join(MOODLE_TYPES)})",
                )
            )  # fmt: skip
            continue
        q = _read_moodle_question(element, qtype, result.problems, position, line)
        if category and category not in q.tags:
            q.tags.append(category)
        for message in check_question(q):
            result.problems.append(ParseProblem(position, line, message))
        result.questions.append(q)
        result.positions.append(position)
    if position == 0:
        raise FormatError("the file holds no questions")
    return result


def _read_moodle_question(element, qtype, problems, position, line) -> QuestionData:
    files = _files_of(element)
    q = QuestionData(stem="", options=[], title=_text_of(element, "name/text").strip())
    q.stem = _moodle_text(element, "questiontext", q, "question text", files)
    general = _moodle_text(element, "generalfeedback", q, "general feedback", files)
    q.explanation, q.references = split_references(general)
    feedback = {}
    for tag, name in (
        ("correctfeedback", "correct"),
        ("partiallycorrectfeedback", "partial"),
        ("incorrectfeedback", "incorrect"),
    ):
        text = _moodle_text(element, tag, q, f"{name} feedback", files)
        if text:
            feedback[name] = text
    if feedback:
        q.details["feedback"] = feedback
    hints = [
        text
        for n, hint in enumerate(element.findall("hint"), start=1)
        if (text := to_markdown(_text_of(hint, "text"), hint.get("format", "html"))[0])
    ]
    if hints:
        q.details["hints"] = hints
    old_image = element.find("image_base64")
    if q.image is None and old_image is not None and (old_image.text or "").strip():
        # Moodle 1.9's <image>/<image_base64> fields, still found in old exports.
        try:
            data = base64.b64decode("".join(old_image.text.split()))
            q.image = Attachment(name=_text_of(element, "image").strip() or "image", data=data)
            q.changed.append("the old <image> field is attached as the question's image")
        except (binascii.Error, ValueError):
            q.left_out.append("the old <image> field is not valid base64")
    q.tags = [normalise_tag((t.text or "").strip()) for t in element.findall("tags/tag/text")]
    q.tags = [t for t in q.tags if t]
    answers = element.findall("answer")
    if qtype == "multichoice":
        # Moodle's default when <single> is missing is a single answer.
        single_text = _text_of(element, "single").strip().lower()
        single = single_text not in ("false", "0")
        q.qtype = SINGLE if single else MULTIPLE
        fractions = [_fraction_of(a, problems, position, line) for a in answers]
        for n, (answer, fraction) in enumerate(zip(answers, fractions, strict=True), start=1):
            text, note = to_markdown(_text_of(answer, "text"), answer.get("format", "html"))
            if note:
                q.changed.append(f"option {n}: {note}")
            if PLUGINFILE in text:
                text = take_image(text, files, q, f"option {n}")
                if not text.strip() and q.files and q.files[-1].where == f"option {n}":
                    label = q.files[-1].alt or q.files[-1].name
                    text = _escape_markdown(label)
                    q.changed.append(
                        f"option {n}: an image-only option is labelled with its description "
                        f"{label!r}; the image is shown with the question"
                    )
            correct = fraction >= 100 if single else fraction > 0
            meta = {"feedback": _answer_feedback(answer, q, files, f"option {n} feedback")}
            if single and 0 < fraction < 100 or not single and fraction not in (0,):
                meta["credit"] = round(fraction / 100, 7)
            q.options.append((text.strip(), correct))
            q.option_meta.append(meta)
        if not single:
            _drop_plain_credits(q)
    elif qtype == "truefalse":
        q.qtype = TRUEFALSE
        by_text = {}
        for answer in answers:
            key = _text_of(answer, "text").strip().lower()
            by_text[key] = (_fraction_of(answer, problems, position, line), answer)
        for label in scoring.TRUE_FALSE_OPTIONS:
            fraction, answer = by_text.get(label.lower(), (0.0, None))
            q.options.append((label, fraction >= 100))
            q.option_meta.append(
                {"feedback": _answer_feedback(answer, q, files, f"{label} feedback")}
            )
    elif qtype == "shortanswer":
        q.qtype = SHORT
        accepted = []
        for answer in answers:
            fraction = _fraction_of(answer, problems, position, line)
            text = _text_of(answer, "text").strip()
            if fraction <= 0:
                q.left_out.append(f"answer {text!r} scores nothing (Nearpeer scores it 0 anyway)")
                continue
            entry = {"text": text, "credit": round(fraction / 100, 7)}
            if fb := _answer_feedback(answer, q, files, f"answer {text!r} feedback"):
                entry["feedback"] = fb
            accepted.append(entry)
        q.details["accepted"] = accepted
        if _text_of(element, "usecase").strip() == "1":
            q.details["case_sensitive"] = True
    elif qtype == "numerical":
        q.qtype = NUMERICAL
        accepted = []
        for answer in answers:
            fraction = _fraction_of(answer, problems, position, line)
            text = _text_of(answer, "text").strip()
            if text == "*" or fraction <= 0:
                q.left_out.append(f"answer {text!r} (catch-all or no credit)")
                continue
            try:
                value = float(text)
                tolerance = float(_text_of(answer, "tolerance") or 0)
            except ValueError:
                problems.append(ParseProblem(position, line, f"answer {text!r} is not a number"))
                continue
            entry = {"value": value, "tolerance": tolerance, "credit": round(fraction / 100, 7)}
            if fb := _answer_feedback(answer, q, files, f"answer {text!r} feedback"):
                entry["feedback"] = fb
            accepted.append(entry)
        units = []
        for unit in element.findall("units/unit"):
            try:
                multiplier = float(_text_of(unit, "multiplier") or 1)
            except ValueError:
                multiplier = 1.0
            name = _text_of(unit, "unit_name").strip()
            if name:
                units.append({"unit": name, "multiplier": multiplier})
        q.details["accepted"] = accepted
        q.details["units"] = units
    elif qtype == "matching":
        q.qtype = EMQ
        stems, option_texts = [], []
        for sub in element.findall("subquestion"):
            text, note = to_markdown(_text_of(sub, "text"), sub.get("format", "html"))
            where = f"stem {len(stems) + 1}"
            if PLUGINFILE in text:
                text = take_image(text, files, q, where)
                if not text.strip() and q.files and q.files[-1].where == where:
                    # An image-only stem is a stem, not a distractor.
                    label = q.files[-1].alt or q.files[-1].name
                    text = _escape_markdown(label)
                    q.changed.append(
                        f"{where}: an image-only stem is labelled with its description "
                        f"{label!r}; the image is shown with the question"
                    )
            answer = _text_of(sub, "answer/text").strip()
            if answer not in option_texts:
                option_texts.append(answer)
            if text.strip():
                stems.append({"text": text.strip(), "key": option_texts.index(answer)})
            if note:
                q.changed.append(f"stem {len(stems)}: {note}")
        q.options = [(t, False) for t in option_texts]
        q.details["stems"] = stems
    return q


def _drop_plain_credits(q: QuestionData) -> None:
    """Equal shares for the keys and equal penalties summing to -100 % for the rest is how
    all-or-nothing multiple response is written (Nearpeer's own export): keep no credits then.
    Any other weights are partial credit and are kept."""
    credits = [m.get("credit", 0.0) for m in _metas(q)]
    keys = [c for c in credits if c > 0]
    wrong = [c for c in credits if c <= 0]
    if (
        keys
        and all(abs(c - 1 / len(keys)) < 1e-4 for c in keys)
        and all(abs(c + 1 / len(wrong)) < 1e-4 for c in wrong)
    ):
        for meta in q.option_meta:
            meta.pop("credit", None)


def _answer_feedback(answer, q: QuestionData | None = None, files=None, where="") -> str:
    if answer is None:
        return ""
    node = answer.find("feedback")
    if node is None:
        return ""
    text = to_markdown(_text_of(node, "text"), node.get("format", "html"))[0]
    if PLUGINFILE in text and q is not None:
        text = take_image(text, files or {}, q, where or "answer feedback")
    return text


def normalise_tag(text: str) -> str:
    """A Moodle tag: `kind:name` when the kind is one Nearpeer knows, else a free tag."""
    if not text:
        return ""
    kind, sep, name = text.partition(":")
    if sep and kind.strip().lower() in ("specialty", "system", "exam", "year", FREE_TAG):
        return text
    return f"{FREE_TAG}:{text[:60]}"


def _question_lines(data: bytes) -> list[int]:
    """Line of each non-category <question> element, for messages (one pass)."""
    found = []
    pattern = re.compile(r"<question\s+type=\"([^\"]*)\"")
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        for match in pattern.finditer(line):
            if match.group(1) != "category":
                found.append(number)
    return found


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_element(tag: str, text: str, indent: str = "    ", extra: str = "") -> str:
    return f'{indent}<{tag} format="markdown"><text>{_cdata(text)}</text>{extra}</{tag}>'


def _file_markdown(file: Attachment) -> tuple[str, str]:
    """The Markdown reference and the <file> element for one embedded file."""
    from urllib.parse import quote

    name = file.name
    label = (file.alt or ("" if file.is_image else name)).replace("]", "")
    ref = f"\n\n{'!' if file.is_image else ''}[{label}]({PLUGINFILE}{quote(name)})"
    data = base64.b64encode(file.data).decode()
    quoted = escape(name, {'"': "&quot;"})
    return ref, f'<file name="{quoted}" path="/" encoding="base64">{data}</file>'


class _Embedder:
    """Hands each file of a question to the element it came from (by `where`), once."""

    def __init__(self, q: QuestionData):
        self.pending = ([q.image] if q.image is not None else []) + list(q.files)

    def take(self, *wheres: str) -> tuple[str, str]:
        refs, elements = [], []
        for file in [f for f in self.pending if f.where in wheres]:
            self.pending.remove(file)
            ref, element = _file_markdown(file)
            refs.append(ref)
            elements.append(element)
        return "".join(refs), "".join(elements)

    def rest(self) -> tuple[str, str]:
        return self.take(*{f.where for f in self.pending})


def write_moodle_xml(questions: list[QuestionData]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for q in questions:
        moodle_type = {v: k for k, v in MOODLE_TYPES.items() if v}.get(q.qtype, "multichoice")
        parts.append(f'  <question type="{moodle_type}">')
        parts.append(f"    <name><text>{escape(q.title or _title_from(q.stem))}</text></name>")
        embed = _Embedder(q)
        refs, files = embed.take("question text")
        parts.append(_text_element("questiontext", q.stem + refs, extra=files))
        general_at = len(parts)
        parts.append("")  # the general feedback, written last: it takes any unplaced file
        feedback = join_references(q.explanation, q.references)
        parts.append("    <defaultgrade>1</defaultgrade>")
        parts.append("    <penalty>0</penalty>")
        parts.append("    <hidden>0</hidden>")
        extra_feedback = q.details.get("feedback") or {}
        if q.qtype in (SINGLE, MULTIPLE, EMQ):
            for tag, name in (
                ("correctfeedback", "correct"),
                ("partiallycorrectfeedback", "partial"),
                ("incorrectfeedback", "incorrect"),
            ):
                refs, files = embed.take(f"{name} feedback")
                parts.append(_text_element(tag, extra_feedback.get(name, "") + refs, extra=files))
        if q.qtype in (SINGLE, MULTIPLE):
            parts.append(f"    <single>{'true' if q.qtype == SINGLE else 'false'}</single>")
            parts.append("    <shuffleanswers>true</shuffleanswers>")
            parts.append("    <answernumbering>ABCD</answernumbering>")
            for n, ((text, _), fraction, meta) in enumerate(
                zip(q.options, _choice_fractions(q), _metas(q), strict=True), start=1
            ):
                refs, files = embed.take(f"option {n}")
                parts.append(f'    <answer fraction="{fraction}" format="markdown">')
                parts.append(f"      <text>{_cdata(text + refs)}</text>{files}")
                refs, files = embed.take(f"option {n} feedback")
                parts.append(
                    _text_element("feedback", meta.get("feedback", "") + refs, "      ", files)
                )
                parts.append("    </answer>")
        elif q.qtype == TRUEFALSE:
            for (text, correct), meta in zip(q.options, _metas(q), strict=True):
                parts.append(
                    f'    <answer fraction="{100 if correct else 0}" format="moodle_auto_format">'
                )
                parts.append(f"      <text>{text.lower()}</text>")
                refs, files = embed.take(f"{text} feedback")
                parts.append(
                    _text_element("feedback", meta.get("feedback", "") + refs, "      ", files)
                )
                parts.append("    </answer>")
        elif q.qtype == SHORT:
            parts.append(f"    <usecase>{1 if q.details.get('case_sensitive') else 0}</usecase>")
            for a in q.details.get("accepted", []):
                parts.append(_answer_open(a.get("credit", 1)))
                parts.append(f"      <text>{escape(a['text'])}</text>")
                refs, files = embed.take(f"answer {a['text']!r} feedback")
                parts.append(
                    _text_element("feedback", a.get("feedback", "") + refs, "      ", files)
                )
                parts.append("    </answer>")
        elif q.qtype == NUMERICAL:
            for a in q.details.get("accepted", []):
                parts.append(_answer_open(a.get("credit", 1)))
                parts.append(f"      <text>{_fraction(a['value'])}</text>")
                refs, files = embed.take(f"answer {_fraction(a['value'])!r} feedback")
                parts.append(
                    _text_element("feedback", a.get("feedback", "") + refs, "      ", files)
                )
                parts.append(f"      <tolerance>{_fraction(a.get('tolerance', 0))}</tolerance>")
                parts.append("    </answer>")
            units = q.details.get("units") or []
            if units:
                parts.append("    <units>")
                for unit in units:
                    parts.append(
                        f"      <unit><multiplier>{_fraction(unit['multiplier'])}</multiplier>"
                        f"<unit_name>{escape(unit['unit'])}</unit_name></unit>"
                    )
                parts.append("    </units>")
                parts.append("    <unitgradingtype>0</unitgradingtype>")
                parts.append("    <showunits>3</showunits>")
                parts.append("    <unitsleft>0</unitsleft>")
        elif q.qtype == EMQ:
            parts.append("    <shuffleanswers>true</shuffleanswers>")
            stems = q.details.get("stems", [])
            used = {s["key"] for s in stems}
            for n, stem in enumerate(stems, start=1):
                refs, files = embed.take(f"stem {n}")
                parts.append('    <subquestion format="markdown">')
                parts.append(f"      <text>{_cdata(stem['text'] + refs)}</text>{files}")
                parts.append(
                    f"      <answer><text>{escape(q.options[stem['key']][0])}</text></answer>"
                )
                parts.append("    </subquestion>")
            for i, (text, _) in enumerate(q.options):
                if i not in used:
                    # An option no stem uses is a distractor: Moodle keeps it as a subquestion
                    # with empty text.
                    parts.append('    <subquestion format="markdown">')
                    parts.append("      <text></text>")
                    parts.append(f"      <answer><text>{escape(text)}</text></answer>")
                    parts.append("    </subquestion>")
        refs, files = embed.take("general feedback")
        more_refs, more_files = embed.rest()
        parts[general_at] = _text_element("generalfeedback", feedback + refs + more_refs,
                                          extra=files + more_files)  # fmt: skip
        for hint in q.details.get("hints", []):
            parts.append(_text_element("hint", hint))
        if q.tags:
            parts.append("    <tags>")
            parts.extend(f"      <tag><text>{escape(plain_tag(t))}</text></tag>" for t in q.tags)
            parts.append("    </tags>")
        parts.append("  </question>")
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def _answer_open(credit: float) -> str:
    return f'    <answer fraction="{_fraction(100 * credit)}" format="moodle_auto_format">'


def _metas(q: QuestionData) -> list[dict]:
    return [q.option_meta[i] if i < len(q.option_meta) else {} for i in range(len(q.options))]


def _choice_fractions(q: QuestionData) -> list[str]:
    """Moodle answer fractions: a kept credit as it is; else 100 for the key (single), or equal
    shares for the keys and an equal penalty for the rest (multiple response)."""
    keys = sum(1 for _, c in q.options if c)
    # Weighted multiple response (some option carries its credit, as Moodle's own questions
    # do): an option without one is worth 0, as Nearpeer scores it, never the penalty below.
    weighted = any(meta.get("credit") is not None for meta in _metas(q))
    out = []
    for (_, correct), meta in zip(q.options, _metas(q), strict=True):
        if meta.get("credit") is not None:
            out.append(_fraction(100 * meta["credit"]))
        elif q.qtype != MULTIPLE or weighted:
            out.append("100" if correct else "0")
        else:
            share = 100 / keys if keys else 0
            out.append(_fraction(share if correct else -100 / max(1, len(q.options) - keys)))
    return out


def _fraction(value: float) -> str:
    return f"{float(value):.5f}".rstrip("0").rstrip(".")


def _title_from(stem: str) -> str:
    words = " ".join(stem.split())
    return words[:60] + ("…" if len(words) > 60 else "")


# --- GIFT ---

GIFT_SPECIAL = "~=#{}:\\"
_FORMAT = re.compile(r"^\[(markdown|html|plain|moodle)\]\s*")
_GIFT_FORMATS = {
    "markdown": "markdown",
    "html": "html",
    "plain": "plain",
    "moodle": "moodle_auto_format",
}
_TAG_COMMENT = re.compile(r"\[tag:([^\]]+)\]")


def gift_escape(text: str) -> str:
    return "".join("\\" + ch if ch in GIFT_SPECIAL else ch for ch in text).replace("\n", "\\n")


_GIFT_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def gift_unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _GIFT_ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


@functools.lru_cache(maxsize=32)
def _unescaped_pattern(targets: tuple[str, ...]) -> re.Pattern:
    # An escape pair is consumed first, so a marker right after a backslash never matches.
    alternatives = "|".join(re.escape(t) for t in targets)
    return re.compile(r"\\.|(" + alternatives + ")", re.DOTALL)


def _split_unescaped(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped marker characters, keeping which marker started each piece. One pass
    (the regex engine scans; Python sees only the matches)."""
    pieces: list[tuple[str, str]] = []
    start, marker = 0, ""
    for match in _unescaped_pattern(tuple(markers)).finditer(text):
        if match.group(1) is None:
            continue
        pieces.append((marker, text[start : match.start()]))
        marker, start = match.group(1), match.end()
    pieces.append((marker, text[start:]))
    return pieces


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    if "\\" not in text:
        return text.find(target, start)
    for match in _unescaped_pattern((target,)).finditer(text, start):
        if match.group(1) is not None:
            return match.start()
    return -1


def _gift_blocks(text: str):
    """(first line, tags, category, lines) for each blank-line separated question. One pass over
    the lines; a `$CATEGORY:` line sets the category of the questions after it, and a comment
    `// [tag:…]` (how Moodle writes tags) or Nearpeer's older `// tags: …` tags the next one."""
    blocks, lines, tags, start = [], [], [], None
    category = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped and depth == 0:
            if lines:
                blocks.append((start, tags, category, lines))
                tags = []
            lines, start = [], None
            continue
        if stripped.startswith("//") and depth == 0:
            comment = stripped[2:].strip()
            if comment.lower().startswith("tags:"):
                tags.extend(t.replace("_", " ") for t in comment[5:].split() if t)
            tags.extend(normalise_tag(m.strip()) for m in _TAG_COMMENT.findall(comment))
            continue
        if stripped.startswith("$CATEGORY:") and depth == 0 and not lines:
            category = category_tag(stripped[len("$CATEGORY:") :].strip())
            continue
        if start is None:
            start = number
        lines.append(line)
        # Blank lines inside an answer block do not end the question.
        depth = max(0, depth + _brace_balance(line))
    if lines:
        blocks.append((start, tags, category, lines))
    return blocks


def _brace_balance(line: str) -> int:
    if "\\" in line:
        line = _GIFT_ESCAPE.sub("", line)
    return line.count("{") - line.count("}")


def _gift_text(raw: str, default_format: str, q: QuestionData, where: str) -> str:
    """Unescape a GIFT text and bring it to Markdown from its [format]."""
    raw = raw.strip()
    match = _FORMAT.match(raw)
    text_format = _GIFT_FORMATS[match.group(1)] if match else default_format
    if match:
        raw = raw[match.end() :]
    text = gift_unescape(raw).strip()
    if text_format != "markdown":
        text, note = to_markdown(text, text_format)
        if note:
            q.changed.append(f"{where}: {note}")
    if PLUGINFILE in text:
        # GIFT cannot carry files: a Moodle file link in it points at nothing.
        text = take_image(text, {}, q, where)
    return text


def _answer_parts(piece: str) -> tuple[str, str]:
    """`text#feedback` → (text, feedback) at the first unescaped #."""
    at = _find_unescaped(piece, "#")
    if at < 0:
        return piece, ""
    return piece[:at], piece[at + 1 :]


_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")


def parse_gift(text: str) -> ParseResult:
    """Read Moodle's GIFT: multiple choice (with weights and feedback), true/false, short answer,
    numerical (tolerance, range and several answers), matching, categories, [format] markers and
    escapes. Essay, description and missing-word-with-text-after are handled as the preview says.
    Linear in the file's size: each character is looked at a bounded number of times."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise FormatError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    result = ParseResult([], [])
    blocks = _gift_blocks(text)
    if not blocks:
        raise FormatError("the file holds no questions")
    for position, (line, tags, category, lines) in enumerate(blocks, start=1):
        body = "\n".join(lines)
        q = QuestionData(stem="", options=[], tags=list(tags))
        if category and category not in q.tags:
            q.tags.append(category)
        if body.startswith("::"):
            end = _find_unescaped(body, "::", 2)
            if end < 0:
                result.problems.append(
                    ParseProblem(position, line, "the title has no closing '::'")
                )
                continue
            q.title = gift_unescape(body[2:end]).strip()
            body = body[end + 2 :].lstrip()
        open_at = _find_unescaped(body, "{")
        close_at = _find_unescaped(body, "}", open_at + 1) if open_at >= 0 else -1
        if open_at < 0:
            result.unsupported.append(
                ParseProblem(
                    position,
                    line,
                    "a description (no answer block '{…}') is not a question Nearpeer holds",
                )
            )
            continue
        if close_at < 0:
            result.problems.append(
                ParseProblem(position, line, "the answer block '{' is never closed")
            )
            continue
        match = _FORMAT.match(body)
        text_format = _GIFT_FORMATS[match.group(1)] if match else "moodle_auto_format"
        before, after = body[:open_at], body[close_at + 1 :]
        if after.strip():
            # Missing-word: the blank sits in the sentence; keep the sentence with a gap.
            q.changed.append("missing-word question: the blank is shown as _____ in the stem")
            stem_raw = before.rstrip() + " \\_\\_\\_\\_\\_ " + after.lstrip()
        else:
            stem_raw = before
        q.stem = _gift_text(stem_raw, text_format, q, "question text")
        answers = body[open_at + 1 : close_at]
        feedback_at = _find_unescaped(answers, "####")
        if feedback_at >= 0:
            general = _gift_text(answers[feedback_at + 4 :], text_format, q, "general feedback")
            q.explanation, q.references = split_references(general)
            answers = answers[:feedback_at]
        problem = _read_gift_answers(q, answers, text_format)
        if problem == "essay":
            result.unsupported.append(
                ParseProblem(
                    position,
                    line,
                    f"{q.title or _title_from(q.stem)!r} is an essay question ('{{}}'), "
                    "which Nearpeer does not hold",
                )
            )
            continue
        if problem:
            result.problems.append(ParseProblem(position, line, problem))
            continue
        for message in check_question(q):
            result.problems.append(ParseProblem(position, line, message))
        result.questions.append(q)
        result.positions.append(position)
    return result


def _read_gift_answers(q: QuestionData, answers: str, text_format: str) -> str | None:
    """Fill q's type and answers from the inside of `{…}`; return a problem or None."""
    inner = answers.strip()
    if not inner:
        return "essay"
    upper = inner.split("#", 1)[0].strip().upper()
    if upper in ("T", "TRUE", "F", "FALSE"):
        q.qtype = TRUEFALSE
        truth = upper.startswith("T")
        parts = _split_unescaped(inner, "#")
        wrong_fb = gift_unescape(parts[1][1]).strip() if len(parts) > 1 else ""
        right_fb = gift_unescape(parts[2][1]).strip() if len(parts) > 2 else ""
        # GIFT: the first feedback is shown for a wrong answer, the second for a right one.
        q.options = [("True", truth), ("False", not truth)]
        q.option_meta = [
            {"feedback": right_fb if truth else wrong_fb},
            {"feedback": wrong_fb if truth else right_fb},
        ]
        return None
    if inner.startswith("#"):
        return _read_gift_numerical(q, inner[1:])
    pieces = [(m, p) for m, p in _split_unescaped(inner, "~=") if m or p.strip()]
    if pieces and not pieces[0][0]:
        return "answers must start with '=' or '~'"
    if any(m == "=" and _find_unescaped(p, "->") >= 0 for m, p in pieces):
        q.qtype = EMQ
        stems, options = [], []
        for _, piece in pieces:
            arrow = _find_unescaped(piece, "->")
            if arrow < 0:
                return "matching: every pair needs '->'"
            left = _gift_text(piece[:arrow], text_format, q, "stem")
            right = gift_unescape(piece[arrow + 2 :]).strip()
            if right not in options:
                options.append(right)
            if left:
                stems.append({"text": left, "key": options.index(right)})
        q.options = [(t, False) for t in options]
        q.details["stems"] = stems
        return None
    has_wrong = any(m == "~" for m, _ in pieces)
    if not has_wrong:
        q.qtype = SHORT
        accepted = []
        for _, piece in pieces:
            text, feedback = _answer_parts(piece)
            weight = _WEIGHT.match(text)
            credit = float(weight.group(1)) / 100 if weight else 1.0
            if weight:
                text = text[weight.end() :]
            entry = {"text": gift_unescape(text).strip(), "credit": credit}
            if credit <= 0:
                q.left_out.append(
                    f"answer {entry['text']!r} scores nothing (Nearpeer scores it 0 anyway)"
                )
                continue
            if feedback.strip():
                entry["feedback"] = gift_unescape(feedback).strip()
            accepted.append(entry)
        q.details["accepted"] = accepted
        return None
    # Moodle: multiple choice is single-answer when some answer is marked '='.
    single = any(m == "=" for m, _ in pieces)
    q.qtype = SINGLE if single else MULTIPLE
    credits = []
    for marker, piece in pieces:
        text, feedback = _answer_parts(piece)
        weight = _WEIGHT.match(text)
        if weight:
            text = text[weight.end() :]
        credit = float(weight.group(1)) / 100 if weight else (1.0 if marker == "=" else 0.0)
        correct = marker == "=" or (not single and credit > 0)
        if single and marker == "~" and credit >= 1:
            correct = True
        meta = {}
        if weight and (single and 0 < credit < 1 or not single):
            meta["credit"] = credit
        if feedback.strip():
            meta["feedback"] = _gift_text(feedback, text_format, q, "option feedback")
        credits.append(credit)
        q.options.append((_gift_text(text, text_format, q, "option"), correct))
        q.option_meta.append(meta)
    if not single:
        _drop_plain_credits(q)
    return None


def _read_gift_numerical(q: QuestionData, inner: str) -> str | None:
    q.qtype = NUMERICAL
    pieces = [(m or "=", p) for m, p in _split_unescaped(inner, "=~") if p.strip()]
    if not pieces:
        return "numerical: no value after '#'"
    accepted = []
    for marker, piece in pieces:
        if marker != "=":
            # Moodle: `~#text` is the feedback for any other answer.
            q.left_out.append(f"feedback for any other answer ({piece.strip()!r})")
            continue
        text, feedback = _answer_parts(piece)
        weight = _WEIGHT.match(text)
        credit = float(weight.group(1)) / 100 if weight else 1.0
        if weight:
            text = text[weight.end() :]
        text = gift_unescape(text).strip()
        try:
            if ".." in text:
                low, high = (float(x) for x in text.split("..", 1))
                value, tolerance = (low + high) / 2, (high - low) / 2
            else:
                number, _, tol = text.partition(":")
                value, tolerance = float(number), float(tol or 0)
        except ValueError:
            return f"numerical: {text!r} is not a number, number:tolerance or low..high"
        entry = {"value": value, "tolerance": tolerance, "credit": credit}
        if feedback.strip():
            entry["feedback"] = gift_unescape(feedback).strip()
        accepted.append(entry)
    q.details["accepted"] = accepted
    q.details["units"] = []
    return None


def write_gift(questions: list[QuestionData]) -> str:
    out = []
    for q in questions:
        # Moodle reads tags from a comment line above the question.
        out.extend(f"// [tag:{plain_tag(t).replace(']', ')')}]" for t in q.tags)
        title = gift_escape(q.title or _title_from(q.stem))
        answers = []
        metas = _metas(q)
        if q.qtype in (SINGLE, MULTIPLE):
            keys = sum(1 for _, c in q.options if c)
            # As in Moodle XML: in weighted multiple response an option without credit is 0.
            weighted = any(meta.get("credit") is not None for meta in metas)
            for (text, correct), meta in zip(q.options, metas, strict=True):
                fb = f"#{gift_escape(meta['feedback'])}" if meta.get("feedback") else ""
                credit = meta.get("credit")
                if q.qtype == SINGLE:
                    if credit is not None and not correct:
                        answers.append(f"~%{_fraction(100 * credit)}%{gift_escape(text)}{fb}")
                    else:
                        answers.append(("=" if correct else "~") + gift_escape(text) + fb)
                else:
                    if credit is None and weighted:
                        answers.append(f"~{gift_escape(text)}{fb}")
                        continue
                    if credit is None:
                        credit = 1 / keys if correct else -1 / max(1, len(q.options) - keys)
                    answers.append(f"~%{_fraction(100 * credit)}%{gift_escape(text)}{fb}")
        elif q.qtype == TRUEFALSE:
            truth = q.options[0][1]
            right = metas[0 if truth else 1].get("feedback", "")
            wrong = metas[1 if truth else 0].get("feedback", "")
            fb = ""
            if right or wrong:
                fb = f"#{gift_escape(wrong)}#{gift_escape(right)}"
            answers.append(("TRUE" if truth else "FALSE") + fb)
        elif q.qtype == SHORT:
            for a in q.details.get("accepted", []):
                credit = a.get("credit", 1)
                weight = "" if credit >= 1 else f"%{_fraction(100 * credit)}%"
                fb = f"#{gift_escape(a['feedback'])}" if a.get("feedback") else ""
                answers.append(f"={weight}{gift_escape(a['text'])}{fb}")
        elif q.qtype == NUMERICAL:
            parts = []
            for a in q.details.get("accepted", []):
                credit = a.get("credit", 1)
                weight = "" if credit >= 1 else f"%{_fraction(100 * credit)}%"
                fb = f"#{gift_escape(a['feedback'])}" if a.get("feedback") else ""
                parts.append(
                    f"={weight}{_fraction(a['value'])}:{_fraction(a.get('tolerance', 0))}{fb}"
                )
            answers.append("#" + " ".join(parts))
        elif q.qtype == EMQ:
            used = set()
            for stem in q.details.get("stems", []):
                used.add(stem["key"])
                answers.append(
                    f"={gift_escape(stem['text'])} -> {gift_escape(q.options[stem['key']][0])}"
                )
            for i, (text, _) in enumerate(q.options):
                if i not in used:
                    answers.append(f"= -> {gift_escape(text)}")
        feedback = join_references(q.explanation, q.references)
        out.append(f"::{title}::[markdown]{gift_escape(q.stem)} {{")
        out.extend(f"  {a}" for a in answers)
        if feedback:
            out.append(f"  ####{gift_escape(feedback)}")
        out.append("}")
        out.append("")
    return "\n".join(out)


# --- Anki --------------------------------------------------------------------------------------


def _stable_id(name: str) -> int:
    # genanki ids must be stable across exports so re-imports update rather than duplicate.
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) + (1 << 30)


def write_anki(questions: list[QuestionData], *, deck_name: str, path: str, render) -> None:
    """Write an .apkg: front = stem (with its image) and the options or stems, back = the key and
    the explanation. `render` turns Markdown into sanitised HTML.

    A note's guid comes from the question's stable identity (`QuestionData.identity`), not its
    text, so re-importing an export made after an edit updates the learner's note instead of
    adding a duplicate."""
    import os
    import tempfile
    from html import escape as html_escape

    import genanki

    model = genanki.Model(
        _stable_id("nearpeer-question-model"),
        "Nearpeer question",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Guid"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}",
            }
        ],
    )
    deck = genanki.Deck(_stable_id(f"nearpeer-deck-{deck_name}"), deck_name)
    with tempfile.TemporaryDirectory(prefix="nearpeer-anki-") as media_dir:
        media = []
        for q in questions:
            guid = (
                genanki.guid_for(q.identity)
                if q.identity
                else genanki.guid_for(q.stem, *[t for t, _ in q.options])
            )
            front = render(q.stem)
            back_files = ""
            attachments = ([q.image] if q.image is not None else []) + list(q.files)
            for number, file in enumerate(attachments):
                # Media names are global in a collection: prefix with the note's guid.
                safe = "".join(ch for ch in file.name if ch.isalnum() or ch in "._-")
                name = f"nearpeer-{guid_hex(guid)}-{number or ''}{safe or 'file'}"
                with open(os.path.join(media_dir, name), "wb") as handle:
                    handle.write(file.data)
                media.append(os.path.join(media_dir, name))
                if file.is_image:
                    html = f'<p><img src="{html_escape(name)}" alt="{html_escape(file.alt)}"></p>'
                else:
                    label = html_escape(file.alt or file.name)
                    html = f'<p><a href="{html_escape(name)}">{label}</a></p>'
                if file.shown_with_question:
                    front += html
                else:
                    back_files += html
            if q.qtype == EMQ:
                front += (
                    "<ol type='A'>"
                    + "".join(f"<li>{render(text)}</li>" for text, _ in q.options)
                    + "</ol><ol>"
                    + "".join(
                        f"<li>{render(stem['text'])}</li>" for stem in q.details.get("stems", [])
                    )
                    + "</ol>"
                )
            elif q.qtype in scoring.CHOICE_TYPES:
                front += (
                    "<ol type='A'>"
                    + "".join(f"<li>{render(text)}</li>" for text, _ in q.options)
                    + "</ol>"
                )
            key = scoring.key_label(q.qtype, q.option_dicts(), q.details)
            if q.qtype in scoring.CHOICE_TYPES:
                key = ", ".join(key)
            back = (
                f"<p><strong>Answer: {html_escape(key)}</strong></p>"
                + render(join_references(q.explanation, q.references))
                + back_files
            )
            deck.add_note(
                genanki.Note(
                    model=model,
                    fields=[front, back, guid],
                    guid=guid,
                    tags=[plain_tag(t).replace(" ", "_") for t in q.tags],
                )
            )
        package = genanki.Package(deck)
        package.media_files = media
        package.write_to_file(path)


def guid_hex(guid: str) -> str:
    return hashlib.sha256(guid.encode()).hexdigest()[:12]
