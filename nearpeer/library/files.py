"""Checking uploaded files by their content and reading their text. No Django import.

An upload is judged by its bytes, never by its name or the browser's content type: a renamed
program, an HTML page called `.pdf` or a zip bomb called `.docx` are refused before any library
parses them. Office files are zip archives: their directory is read first, and one that declares
more unpacked bytes or entries than the limits (or an implausible compression ratio) is refused
before python-docx or python-pptx opens it. `zipfile` never reads past a member's declared size,
so the declared total is a real bound.
"""

import io
import re
import zipfile
from dataclasses import dataclass

import filetype

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
EXTENSIONS = {PDF: "pdf", DOCX: "docx", PPTX: "pptx", **IMAGES}
ACCEPTED_LABEL = "PDF, Word (.docx), PowerPoint (.pptx), PNG, JPEG, GIF or WebP"

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_RATIO = 150  # unpacked / packed; real Office files stay far below
MAX_TEXT_CHARS = 300_000  # text kept per file for search and the identifier check
MAX_PDF_PAGES = 1000
_NAME_OK = re.compile(r"^[^\x00-\x1f/\\]+$")


class FileRefused(Exception):
    """The message says, in words for the uploader, why the file was refused."""


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str


def check_name(name: str) -> str:
    """A plain file name or FileRefused: no folders, no `..`, no control characters."""
    if not name or not _NAME_OK.match(name) or ".." in name or name.startswith("."):
        raise FileRefused(
            f"“{name[:80]}” is not an acceptable file name: names may not contain folders, "
            "“..”, or start with a dot. Rename the file and try again."
        )
    return name


def check_size(*, name: str, size: int, max_bytes: int) -> None:
    """Refuse a file over the limit before reading it."""
    if size > max_bytes:
        raise FileRefused(
            f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is {max_bytes / 1024 / 1024:g} MB."
        )


def check_file(*, name: str, data: bytes, max_bytes: int) -> CheckedFile:
    """Accept or refuse a file by its name's shape, its size and its content."""
    check_name(name)
    check_size(name=name, size=len(data), max_bytes=max_bytes)
    if not data:
        raise FileRefused(f"“{name}” is empty.")
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if mime == "application/zip" or mime in (DOCX, PPTX):
        mime = _office_type(name, data)
    if mime not in EXTENSIONS:
        found = _describe(mime)
        raise FileRefused(
            f"“{name}” is not a file type the library accepts: its content is {found}, "
            f"whatever its name says. Accepted: {ACCEPTED_LABEL}."
        )
    return CheckedFile(mime, EXTENSIONS[mime])


def _describe(mime: str | None) -> str:
    if mime is None:
        return "not a recognised document (for example text or a web page)"
    if mime in (
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
    ):
        return f"a program ({mime})"
    return mime


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _office_type(name: str, data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused(
            f"“{name}” claims to be an Office file but is a damaged archive."
        ) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRefused(f"“{name}” holds more than {MAX_ZIP_ENTRIES} parts; refused.")
        unpacked = sum(i.file_size for i in entries)
        packed = sum(i.compress_size for i in entries) or 1
        if unpacked > MAX_UNPACKED_BYTES:
            raise FileRefused(
                f"“{name}” unpacks to {unpacked / 1024 / 1024:,.0f} MB, more than the "
                f"{MAX_UNPACKED_BYTES / 1024 / 1024:g} MB the library reads from one document; "
                "refused before opening it."
            )
        if unpacked > 1024 * 1024 and unpacked / packed > MAX_RATIO:
            raise FileRefused(
                f"“{name}” unpacks to {unpacked / 1024 / 1024:,.0f} MB from {_size(len(data))}, "
                "far more than a real document does (a “zip bomb”); refused before opening it."
            )
        names = {i.filename for i in entries}
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return "application/zip"


def extract_text(*, content_type: str, data: bytes) -> str:
    """The file's text for search and the identifier check ("" for images), at most
    MAX_TEXT_CHARS. Call only on a file `check_file` accepted. A file a library cannot read
    yields "" rather than an error: its text is a bonus, the file itself was acceptable."""
    try:
        if content_type == PDF:
            text = _pdf_text(data)
        elif content_type == DOCX:
            text = _docx_text(data)
        elif content_type == PPTX:
            text = _pptx_text(data)
        else:
            return ""
    except Exception:  # noqa: BLE001 - third-party parsers raise many kinds on damaged files
        return ""
    # \x02 and \x03 mark highlights in search snippets; they never come from a document.
    text = text.replace("\x00", "").replace("\x02", "").replace("\x03", "")
    return re.sub(r"[ \t\r\f\v]+", " ", text)[:MAX_TEXT_CHARS].strip()


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    size = 0
    for number, page in enumerate(reader.pages):
        if number >= MAX_PDF_PAGES or size > MAX_TEXT_CHARS:
            break
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _pptx_text(data: bytes) -> str:
    from pptx import Presentation

    presentation = Presentation(io.BytesIO(data))
    parts: list[str] = []
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)
