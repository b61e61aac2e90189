"""Interview transcripts to plain text with speakers replaced by participant numbers.
Plain Python (python-docx, webvtt-py), no Django."""

import io
import re
import zipfile

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
_SPEAKER_LINE = re.compile(
    r"^\s*([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3})\s*"
    r"(?:\(?\d{1,2}:\d{2}(?::\d{2})?\)?)?\s*:\s*(.*)$"
)
_TEAMS_HEADER = re.compile(
    r"^\s*([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,3})\s+\d{1,2}:\d{2}(?::\d{2})?\s*$"
)


class TranscriptError(Exception):
    pass


def _lines_from_vtt(data: bytes) -> list[tuple[str | None, str]]:
    import webvtt

    try:
        captions = webvtt.from_buffer(io.StringIO(data.decode("utf-8-sig")))
    except Exception as exc:  # webvtt raises its own errors and UnicodeDecodeError
        raise TranscriptError(f"not a WebVTT transcript: {exc}") from None
    lines = []
    for caption in captions:
        speaker = caption.voice
        text = caption.text.strip()
        if not speaker:
            match = re.match(r"^<v\s+([^>]+)>", caption.raw_text.strip())
            speaker = match.group(1) if match else None
        lines.append((speaker.strip() if speaker else None, text))
    return lines


def _lines_from_text(text: str) -> list[tuple[str | None, str]]:
    lines: list[tuple[str | None, str]] = []
    pending: str | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        header = _TEAMS_HEADER.match(raw)
        if header:
            pending = header.group(1)
            continue
        match = _SPEAKER_LINE.match(raw)
        if match:
            lines.append((match.group(1), match.group(2).strip()))
            pending = None
        else:
            lines.append((pending, raw.strip()))
    return lines


def _lines_from_docx(data: bytes) -> list[tuple[str | None, str]]:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        raise TranscriptError("not a Word document: BadZipFile") from None
    # Checked before python-docx reads it: a small .docx could unpack to gigabytes.
    if unpacked > MAX_UNPACKED_BYTES:
        raise TranscriptError(
            f"the Word document unpacks to more than {MAX_UNPACKED_BYTES / 1024 / 1024:g} MB"
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError for bad files
        raise TranscriptError(f"not a Word document: {exc.__class__.__name__}") from None
    return _lines_from_text("\n".join(p.text for p in document.paragraphs))


def read_transcript(filename: str, data: bytes) -> str:
    """Text of a .txt, .docx or .vtt transcript, one turn per line as `P<n>: …`; every speaker
    name (and each part of it found in the text) replaced by its participant number."""
    if len(data) > MAX_BYTES:
        raise TranscriptError(f"file larger than {MAX_BYTES // (1024 * 1024)} MB")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "vtt":
        lines = _lines_from_vtt(data)
    elif suffix == "docx":
        lines = _lines_from_docx(data)
    elif suffix == "txt":
        try:
            lines = _lines_from_text(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise TranscriptError("the text file is not UTF-8") from None
    else:
        raise TranscriptError("upload a .txt, .docx or .vtt transcript")
    return pseudonymise(lines)


def pseudonymise(lines: list[tuple[str | None, str]]) -> str:
    numbers: dict[str, str] = {}
    for speaker, _ in lines:
        if speaker and speaker not in numbers:
            numbers[speaker] = f"P{len(numbers) + 1}"
    replacements: dict[str, str] = {}
    for name, label in numbers.items():
        replacements[name] = label
        for part in name.split():
            if len(part) > 2:
                replacements.setdefault(part, label)
    pattern = (
        re.compile(
            r"\b("
            + "|".join(re.escape(k) for k in sorted(replacements, key=len, reverse=True))
            + r")\b"
        )
        if replacements
        else None
    )
    out = []
    for speaker, text in lines:
        if pattern:
            text = pattern.sub(lambda m: replacements[m.group(1)], text)
        out.append(f"{numbers[speaker]}: {text}" if speaker else text)
    return "\n".join(out)
