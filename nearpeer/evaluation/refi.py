"""REFI-QDA project exchange (.qdpx: a zip holding project.qde, urn:QDA-XML:project:1.0).
Plain Python, no Django.

Each source is written as its own UTF-8 file `sources/<guid>.txt`, named by the TextSource's
`plainTextPath="internal://<guid>.txt"`, as QualCoder, ATLAS.ti, MAXQDA and NVivo expect
(QualCoder cannot read a source given only inline). The folder is `sources`, lower case, as the
REFI-QDA project exchange standard (section 8.1) names it: zip entries are case-sensitive, and
readers that follow the standard (ATLAS.ti, pyrefiqda) do not find `Sources/`. MAXQDA writes
`sources/`; NVivo and older QualCoder wrote `Sources/`. Reading accepts inline
PlainTextContent too, and finds the file in `sources/`, `Sources/` (any casing) or at the
archive's top level, since tools disagree.

Line ends: a source is written with LF line ends only, and its selections' positions counted in
that text. Survey answers typed in a browser arrive with CRLF; QualCoder's importer, on seeing
CRLF in a source file, inserts a character after each line end, which would shift every coding.
`to_lf`, `lf_offset` and `original_offset` convert between the stored text and the exchanged one.

What is kept both ways: codes (with their Description and hierarchy), text sources, and each
coding's position, coder and memo (the selection's Description, where QualCoder writes its coding
memos). A code with isCodable="false" (a QualCoder category) is read as a parent code and said so.
Project Notes (journals, annotations) are named in the import report, not kept.

The project file: the standard names it `project.qde`, but ATLAS.ti 26 names it after the
project (`Trial.qde`); a single `.qde` at the top of the archive is read whatever its name
(QualCoder does the same), and more than one is refused rather than guessed between."""

import bisect
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import fromstring

NS = "urn:QDA-XML:project:1.0"
MAX_QDPX_BYTES = 50 * 1024 * 1024
# The archive's folder for internal:// files, as the standard spells it (section 8.1).
SOURCES_FOLDER = "sources"


class RefiError(Exception):
    pass


@dataclass
class QdaCode:
    guid: str
    name: str
    description: str = ""
    children: list["QdaCode"] = field(default_factory=list)
    # isCodable="false": a category that only groups codes (QualCoder writes its categories so).
    codable: bool = True


@dataclass
class QdaSelection:
    guid: str
    start: int
    end: int
    user_guid: str
    code_guid: str
    # The selection's Description: the coding's memo (QualCoder's coding memo goes there).
    memo: str = ""


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str
    selections: list[QdaSelection] = field(default_factory=list)


@dataclass
class QdaProject:
    name: str
    users: dict[str, str]  # guid → name
    codes: list[QdaCode]
    sources: list[QdaSource]
    # Sources that are not text (pictures, PDF, audio, video): named so an import can say it
    # left them out, e.g. "VideoSource 'Interview.mp4' (3 codings)".
    other_sources: list[str] = field(default_factory=list)
    origin: str = ""
    # Project Notes (journals, memos, annotations of passages), named for the import report:
    # Nearpeer keeps no notes.
    notes: list[str] = field(default_factory=list)


OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


def to_lf(text: str) -> str:
    """The text with CRLF and lone CR line ends made LF (same length but for each CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lf_offset(text: str, position: int) -> int:
    """Where `position` in `text` falls in `to_lf(text)`."""
    return position - text.count("\r\n", 0, position)


def original_offset(text: str, position: int) -> int:
    """Where `position` in `to_lf(text)` falls in `text` (the inverse of `lf_offset`)."""
    if "\r\n" not in text:
        return position
    starts, at = [], text.find("\r\n")
    while at >= 0:
        starts.append(at - len(starts))  # the CRLF's position once earlier CRLFs are one char
        at = text.find("\r\n", at + 2)
    return position + bisect.bisect_left(starts, position)


def new_guid() -> str:
    return str(uuid.uuid4())


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _code_element(parent: ET.Element, code: QdaCode) -> None:
    element = ET.SubElement(
        parent, _q("Code"), guid=code.guid, name=code.name,
        isCodable="true" if code.codable else "false",
    )  # fmt: skip
    if code.description:
        ET.SubElement(element, _q("Description")).text = code.description
    for child in code.children:
        _code_element(element, child)


def project_xml(project: QdaProject) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element(_q("Project"), name=project.name, origin="Nearpeer")
    if project.users:
        users = ET.SubElement(root, _q("Users"))
        for guid, name in project.users.items():
            ET.SubElement(users, _q("User"), guid=guid, name=name)
    if project.codes:
        codes = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
        for code in project.codes:
            _code_element(codes, code)
    if project.sources:
        sources = ET.SubElement(root, _q("Sources"))
        for source in project.sources:
            element = ET.SubElement(
                sources,
                _q("TextSource"),
                guid=source.guid,
                name=source.name,
                plainTextPath=f"internal://{source.guid}.txt",
            )
            for sel in source.selections:
                selection = ET.SubElement(
                    element,
                    _q("PlainTextSelection"),
                    guid=sel.guid,
                    startPosition=str(lf_offset(source.text, sel.start)),
                    endPosition=str(lf_offset(source.text, sel.end)),
                    creatingUser=sel.user_guid,
                )
                if sel.memo:
                    ET.SubElement(selection, _q("Description")).text = sel.memo
                coding = ET.SubElement(
                    selection, _q("Coding"), guid=new_guid(), creatingUser=sel.user_guid
                )
                ET.SubElement(coding, _q("CodeRef"), targetGUID=sel.code_guid)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_qdpx(project: QdaProject) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(project))
        for source in project.sources:
            archive.writestr(
                f"{SOURCES_FOLDER}/{source.guid}.txt", to_lf(source.text).encode("utf-8")
            )
    return buffer.getvalue()


def _read_code(element: ET.Element, ns: str = NS) -> QdaCode:
    description = element.find(f"{{{ns}}}Description")
    return QdaCode(
        guid=element.get("guid", ""),
        name=element.get("name", ""),
        description=description.text or "" if description is not None else "",
        children=[_read_code(child, ns) for child in element.findall(f"{{{ns}}}Code")],
        codable=element.get("isCodable", "true").strip().lower() not in ("false", "0"),
    )


def _read_codebook(root: ET.Element) -> list[QdaCode]:
    """The project's codes. The codebook may carry the REFI codebook namespace
    (urn:QDA-XML:codebook:…) when a tool or script pasted an exported .qdc into the project;
    its codes are read all the same rather than silently coming in as none."""
    for child in root:
        tag = child.tag if isinstance(child.tag, str) else ""
        if not tag.endswith("}CodeBook"):
            continue
        ns = tag[1:].split("}", 1)[0]
        if ns != NS and not ns.startswith("urn:QDA-XML:codebook:"):
            raise RefiError(f"the project's CodeBook is in an unknown namespace {ns!r}")
        codes = child.find(f"{{{ns}}}Codes")
        return (
            [_read_code(c, ns) for c in codes.findall(f"{{{ns}}}Code")] if codes is not None else []
        )
    return []


def read_qdpx(data: bytes) -> QdaProject:
    if len(data) > MAX_QDPX_BYTES:
        raise RefiError("the .qdpx file is too large")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            qde = "project.qde"
            if qde not in names:
                found = [n for n in names if "/" not in n and n.lower().endswith(".qde")]
                if not found:
                    raise RefiError("no project.qde inside the .qdpx file")
                if len(found) > 1:
                    raise RefiError(
                        f"the .qdpx file holds {len(found)} project files "
                        f"({', '.join(sorted(found))}) and no project.qde: which one is meant?"
                    )
                qde = found[0]
            # Checked before reading: a small, highly compressed file could unpack to gigabytes.
            unpacked = sum(
                i.file_size
                for i in archive.infolist()
                if i.filename == qde
                or i.filename.lower().startswith("sources/")
                or "/" not in i.filename
            )
            if unpacked > MAX_QDPX_BYTES:
                raise RefiError(
                    f"the .qdpx file unpacks to more than {MAX_QDPX_BYTES / 1024 / 1024:g} MB"
                )
            xml = archive.read(qde)
            # Keyed by the name inside the folder, so any folder spelling (or none) is found.
            files = {
                n.split("/", 1)[1] if "/" in n else n: archive.read(n)
                for n in names
                if n.lower().startswith("sources/") or ("/" not in n and n != qde)
            }
    except zipfile.BadZipFile:
        raise RefiError("not a .qdpx (zip) file") from None
    try:
        # forbid_dtd: a REFI-QDA project has no document type; one is only ever a vehicle
        # for entity tricks, so it is refused by name rather than half-parsed.
        root = fromstring(xml, forbid_dtd=True)
    except DTDForbidden:
        raise RefiError(
            "project.qde declares a DOCTYPE (document type definition); REFI-QDA projects "
            "have none, and Nearpeer refuses them for safety. Export the project again "
            "from your QDA program."
        ) from None
    except DefusedXmlException as exc:
        raise RefiError(
            f"project.qde uses XML entities or external references ({exc.__class__.__name__}),"
            " which Nearpeer refuses for safety"
        ) from None
    except ET.ParseError as exc:
        raise RefiError(f"project.qde is not valid XML: {exc}") from None
    if root.tag != _q("Project"):
        raise RefiError(f"project.qde root must be Project in {NS}")
    users = {u.get("guid", ""): u.get("name", "") for u in root.iter(_q("User"))}
    codes = _read_codebook(root)
    sources = []
    for element in root.iter(_q("TextSource")):
        content = element.find(_q("PlainTextContent"))
        if content is not None:
            text = content.text or ""
        else:
            path = element.get("plainTextPath", "").removeprefix("internal://")
            if path not in files:
                raise RefiError(f"source {element.get('name')!r}: text not found in the project")
            try:
                text = files[path].decode("utf-8-sig")
            except UnicodeDecodeError:
                raise RefiError(f"source {element.get('name')!r}: the text is not UTF-8") from None
        source = QdaSource(guid=element.get("guid", ""), name=element.get("name", ""), text=text)
        for sel in element.findall(_q("PlainTextSelection")):
            memo = sel.find(_q("Description"))
            for coding in sel.findall(_q("Coding")):
                ref = coding.find(_q("CodeRef"))
                if ref is None:
                    continue
                try:
                    start = int(sel.get("startPosition", "0"))
                    end = int(sel.get("endPosition", "0"))
                except ValueError:
                    raise RefiError(
                        f"source {element.get('name')!r}, selection {sel.get('guid', '')!r}: "
                        "startPosition and endPosition must be whole numbers"
                    ) from None
                source.selections.append(
                    QdaSelection(
                        guid=sel.get("guid", ""),
                        start=start,
                        end=end,
                        user_guid=coding.get("creatingUser") or sel.get("creatingUser", ""),
                        code_guid=ref.get("targetGUID", ""),
                        memo=(memo.text or "").strip() if memo is not None else "",
                    )
                )
        sources.append(source)
    other_sources = []
    for kind in OTHER_SOURCES:
        for element in root.iter(_q(kind)):
            codings = sum(1 for _ in element.iter(_q("Coding")))
            other_sources.append(f"{kind} {element.get('name', '')!r} ({codings} codings)")
    notes = []
    for note in root.iterfind(f"{_q('Notes')}/{_q('Note')}"):
        if note.find(_q("PlainTextSelection")) is not None:
            notes.append("an annotation of a passage")
        else:
            notes.append(f"note {note.get('name', '')!r}" if note.get("name") else "a note")
    return QdaProject(
        name=root.get("name", ""), users=users, codes=codes, sources=sources,
        other_sources=other_sources, origin=root.get("origin", ""), notes=notes,
    )  # fmt: skip
