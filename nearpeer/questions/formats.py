"""Question interchange formats: Moodle XML (multichoice) and GIFT in both directions, Anki decks
out. No Django import; the import service turns `QuestionData` into models.

Nearpeer keeps Markdown throughout: Moodle XML text is written with format="markdown", GIFT with
the [markdown] marker. Tags (specialty:…, system:…, exam:…, year:…) travel as Moodle <tags> and,
in GIFT (which has no tags), as a `// tags:` comment line above the question, which Moodle ignores.
References travel at the end of the general feedback after a "References:" line.
"""

import hashlib
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeET

SINGLE = "single"
MULTIPLE = "multiple"
MIN_OPTIONS, MAX_OPTIONS = 3, 8
MAX_TEXT = 20_000
MAX_FILE_BYTES = 5 * 1024 * 1024
REFERENCES_MARK = "References:"


class FormatError(ValueError):
    """A file that cannot be read at all (not one bad question)."""


@dataclass
class QuestionData:
    stem: str
    options: list[tuple[str, bool]]
    qtype: str = SINGLE
    title: str = ""
    explanation: str = ""
    references: str = ""
    tags: list[str] = field(default_factory=list)

    def comparable(self) -> tuple:
        return (
            self.qtype,
            self.stem.strip(),
            tuple((t.strip(), c) for t, c in self.options),
            self.explanation.strip(),
            self.references.strip(),
            tuple(sorted(self.tags)),
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


def check_question(q: QuestionData) -> list[str]:
    """The same rules the question form applies, as messages."""
    problems = []
    if not q.stem.strip():
        problems.append("the stem is empty")
    for name in ("stem", "explanation", "references"):
        if len(getattr(q, name)) > MAX_TEXT:
            problems.append(f"the {name} is longer than {MAX_TEXT} characters")
    if not MIN_OPTIONS <= len(q.options) <= MAX_OPTIONS:
        problems.append(
            f"has {len(q.options)} options; a question needs {MIN_OPTIONS} to {MAX_OPTIONS}"
        )
    if any(not text.strip() for text, _ in q.options):
        problems.append("an option is empty")
    keys = sum(1 for _, correct in q.options if correct)
    if q.qtype == SINGLE and keys != 1:
        problems.append(f"a single-best-answer question needs exactly one key, found {keys}")
    if q.qtype == MULTIPLE and keys < 1:
        problems.append("a multiple-response question needs at least one correct option")
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


# --- Moodle XML -------------------------------------------------------------------------------


def _text_of(element, path: str) -> str:
    node = element.find(path)
    if node is None:
        return ""
    return (node.text or "").strip("\n")


def parse_moodle_xml(data: bytes) -> ParseResult:
    """Read a Moodle XML quiz file. `category` entries are skipped; every other non-multichoice
    question is reported. Entities and external references are refused (defusedxml)."""
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
    questions, problems = [], []
    position = 0
    for element in root.findall("question"):
        qtype = element.get("type", "")
        if qtype == "category":
            continue
        position += 1
        line = _line_of(data, position)
        if qtype != "multichoice":
            problems.append(
                ParseProblem(position, line, f"type {qtype!r} is not supported (multichoice only)")
            )
            continue
        single = _text_of(element, "single").strip().lower() in ("true", "1")
        options = []
        for answer in element.findall("answer"):
            try:
                fraction = float(answer.get("fraction", "0"))
            except ValueError:
                problems.append(ParseProblem(position, line, "an answer fraction is not a number"))
                fraction = 0.0
            options.append((_text_of(answer, "text").strip(), fraction > 0))
        explanation, references = split_references(_text_of(element, "generalfeedback/text"))
        q = QuestionData(
            title=_text_of(element, "name/text").strip(),
            stem=_text_of(element, "questiontext/text").strip(),
            options=options,
            qtype=SINGLE if single else MULTIPLE,
            explanation=explanation,
            references=references,
            tags=[(t.text or "").strip() for t in element.findall("tags/tag/text") if t.text],
        )
        for message in check_question(q):
            problems.append(ParseProblem(position, line, message))
        questions.append(q)
    if position == 0:
        raise FormatError("the file holds no questions")
    return ParseResult(questions, problems)


def _line_of(data: bytes, position: int) -> int | None:
    """Line of the position-th non-category <question> element, for messages."""
    count = 0
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        match = re.search(r"<question\s+type=\"([^\"]*)\"", line)
        if match and match.group(1) != "category":
            count += 1
            if count == position:
                return number
    return None


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_moodle_xml(questions: list[QuestionData]) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for q in questions:
        keys = sum(1 for _, c in q.options if c)
        parts.append('  <question type="multichoice">')
        parts.append(f"    <name><text>{escape(q.title or _title_from(q.stem))}</text></name>")
        parts.append(f'    <questiontext format="markdown"><text>{_cdata(q.stem)}</text>')
        parts.append("    </questiontext>")
        feedback = join_references(q.explanation, q.references)
        parts.append(f'    <generalfeedback format="markdown"><text>{_cdata(feedback)}</text>')
        parts.append("    </generalfeedback>")
        parts.append("    <defaultgrade>1</defaultgrade>")
        parts.append("    <penalty>0</penalty>")
        parts.append("    <hidden>0</hidden>")
        parts.append(f"    <single>{'true' if q.qtype == SINGLE else 'false'}</single>")
        parts.append("    <shuffleanswers>true</shuffleanswers>")
        parts.append("    <answernumbering>ABCD</answernumbering>")
        for text, correct in q.options:
            if q.qtype == SINGLE:
                fraction = "100" if correct else "0"
            else:
                share = 100 / keys if keys else 0
                fraction = _fraction(share if correct else -100 / max(1, len(q.options) - keys))
            parts.append(f'    <answer fraction="{fraction}" format="markdown">')
            parts.append(f"      <text>{_cdata(text)}</text>")
            parts.append("    </answer>")
        if q.tags:
            parts.append("    <tags>")
            parts.extend(f"      <tag><text>{escape(t)}</text></tag>" for t in q.tags)
            parts.append("    </tags>")
        parts.append("  </question>")
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def _fraction(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _title_from(stem: str) -> str:
    words = " ".join(stem.split())
    return words[:60] + ("…" if len(words) > 60 else "")


# --- GIFT --------------------------------------------------------------------------------------

GIFT_SPECIAL = "~=#{}:\\"
_FORMAT = re.compile(r"^\[(markdown|html|plain|moodle)\]\s*")


def gift_escape(text: str) -> str:
    return "".join("\\" + ch if ch in GIFT_SPECIAL else ch for ch in text).replace("\n", "\\n")


def gift_unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split_unescaped(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped marker characters, keeping which marker started each piece."""
    pieces: list[tuple[str, str]] = []
    current, marker, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in markers:
            pieces.append((marker, "".join(current)))
            current, marker = [], ch
        else:
            current.append(ch)
        i += 1
    pieces.append((marker, "".join(current)))
    return pieces


def _find_unescaped(text: str, target: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _gift_blocks(text: str) -> list[tuple[int, list[str], list[str]]]:
    """(first line number, tag comments, question lines) for each blank-line separated block."""
    blocks, lines, tags, start = [], [], [], None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            if lines:
                blocks.append((start, tags, lines))
            lines, tags, start = [], [], None
            continue
        if stripped.startswith("//"):
            comment = stripped[2:].strip()
            if comment.lower().startswith("tags:"):
                tags.extend(t for t in comment[5:].split() if t)
            continue
        if stripped.startswith("$CATEGORY:"):
            continue
        if start is None:
            start = number
        lines.append(line)
    if lines:
        blocks.append((start, tags, lines))
    return blocks


def parse_gift(text: str) -> ParseResult:
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise FormatError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    questions, problems = [], []
    blocks = _gift_blocks(text)
    if not blocks:
        raise FormatError("the file holds no questions")
    for position, (line, tags, lines) in enumerate(blocks, start=1):
        body = "\n".join(lines)
        title = ""
        if body.startswith("::"):
            end = _find_unescaped(body, "::", 2)
            if end < 0:
                problems.append(ParseProblem(position, line, "the title has no closing '::'"))
                continue
            title = gift_unescape(body[2:end]).strip()
            body = body[end + 2 :].lstrip()
        open_at = _find_unescaped(body, "{")
        close_at = _find_unescaped(body, "}", open_at + 1) if open_at >= 0 else -1
        if open_at < 0 or close_at < 0:
            problems.append(ParseProblem(position, line, "no answer block '{…}' found"))
            continue
        if body[close_at + 1 :].strip():
            problems.append(
                ParseProblem(position, line, "text after the answer block is not supported")
            )
            continue
        stem = _FORMAT.sub("", body[:open_at].strip(), count=1)
        answers = body[open_at + 1 : close_at]
        feedback_at = _find_unescaped(answers, "####")
        general = ""
        if feedback_at >= 0:
            general = answers[feedback_at + 4 :]
            answers = answers[:feedback_at]
        options, weighted = [], False
        for marker, piece in _split_unescaped(answers, "~="):
            piece = piece.strip()
            if not marker:
                if piece:
                    problems.append(
                        ParseProblem(position, line, "answers must start with '=' or '~'")
                    )
                continue
            answer_text = _split_unescaped(piece, "#")[0][1].strip()
            weight = re.match(r"^%(-?\d+(?:\.\d+)?)%", answer_text)
            if weight:
                weighted = True
                answer_text = answer_text[weight.end() :]
                correct = float(weight.group(1)) > 0
            else:
                correct = marker == "="
            options.append((gift_unescape(_FORMAT.sub("", answer_text.strip())).strip(), correct))
        explanation, references = split_references(gift_unescape(_FORMAT.sub("", general.strip())))
        q = QuestionData(
            title=title,
            stem=gift_unescape(stem).strip(),
            options=options,
            qtype=MULTIPLE if weighted else SINGLE,
            explanation=explanation,
            references=references,
            tags=tags,
        )
        for message in check_question(q):
            problems.append(ParseProblem(position, line, message))
        questions.append(q)
    return ParseResult(questions, problems)


def write_gift(questions: list[QuestionData]) -> str:
    out = []
    for q in questions:
        if q.tags:
            out.append("// tags: " + " ".join(t.replace(" ", "_") for t in q.tags))
        title = gift_escape(q.title or _title_from(q.stem))
        answers = []
        keys = sum(1 for _, c in q.options if c)
        for text, correct in q.options:
            if q.qtype == SINGLE:
                answers.append(("=" if correct else "~") + gift_escape(text))
            else:
                share = 100 / keys if correct else -100 / max(1, len(q.options) - keys)
                answers.append(f"~%{_fraction(share)}%{gift_escape(text)}")
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
    """Write an .apkg: front = stem and lettered options, back = the key and the explanation.
    `render` turns Markdown into sanitised HTML."""
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
    for q in questions:
        letters = [chr(ord("A") + i) for i in range(len(q.options))]
        front = (
            render(q.stem)
            + "<ol type='A'>"
            + "".join(f"<li>{render(text)}</li>" for text, _ in q.options)
            + "</ol>"
        )
        key = ", ".join(letter for letter, (_, c) in zip(letters, q.options, strict=True) if c)
        back = f"<p><strong>Answer: {key}</strong></p>" + render(
            join_references(q.explanation, q.references)
        )
        guid = genanki.guid_for(q.stem, *[t for t, _ in q.options])
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[front, back, guid],
                guid=guid,
                tags=[t.replace(" ", "_") for t in q.tags],
            )
        )
    genanki.Package(deck).write_to_file(path)
