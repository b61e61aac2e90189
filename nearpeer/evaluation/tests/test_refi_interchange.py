"""REFI-QDA with what other tools really do (tests/data/README.md gives sources): the export
checked against the official schema and against what QualCoder's importer reads
(src/qualcoder/refi.py), and imports shaped by ATLAS.ti 26's real exports."""

import io
import zipfile

import pytest
from lxml import etree

from nearpeer.evaluation import refi, services
from nearpeer.evaluation.models import Answer, Code, Coding
from nearpeer.evaluation.refi import RefiError

from .conftest import DATA
from .test_refi_transcripts import _coded, _rezip, coded_survey  # noqa: F401 (a fixture)

NS = {"q": "urn:QDA-XML:project:1.0"}


def test_line_end_offsets_convert_both_ways():
    text = "one\r\ntwo\r\n\r\nthree\rfour"
    lf = refi.to_lf(text)
    assert lf == "one\ntwo\n\nthree\nfour"
    for position in range(len(text) + 1):
        if position > 0 and text[position - 1 : position + 1] == "\r\n":
            continue  # between CR and LF: not a character boundary of the LF text
        assert refi.original_offset(text, refi.lf_offset(text, position)) == position
    assert text[text.index("two") : text.index("three")] == "two\r\n\r\n"
    start, end = refi.lf_offset(text, 5), refi.lf_offset(text, text.index("\rfour"))
    assert lf[start:end] == "two\n\nthree"


@pytest.fixture
def crlf_survey(coded_survey):  # noqa: F811
    # A free-text answer typed in a browser: textareas submit CRLF line ends.
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    answer.value = "First line.\r\nThe recordings\r\nhelped me most."
    answer.save(update_fields=["value"])
    Coding.objects.filter(answer=answer).delete()
    code = Code.objects.get(survey=coded_survey, name="Recordings")
    start = answer.value.index("recordings")
    services.apply_code(
        code=code, coder="alice@example.ac.uk", answer=answer, start=start,
        end=answer.value.index(" most"),
    )  # fmt: skip
    return coded_survey


@pytest.mark.django_db
def test_export_is_what_qualcoders_importer_reads(crlf_survey):
    """QualCoder (src/qualcoder/refi.py, import_project and load_text_source) opens the single
    .qde, reads Project@origin (it calls .upper() on it), finds each TextSource's file at
    <folder>/sources + plainTextPath after "internal:/" (/Sources only when the archive has no
    lower-case "sources" folder), adds a character after every line end
    when the file's first line ends in CRLF, takes each Coding's first child as the CodeRef,
    names the coder by PlainTextSelection@creatingUser among Users, and cuts the coded passage
    as fulltext[startPosition:endPosition]."""
    data = services.export_qdpx(survey=crlf_survey)
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(archive.read("project.qde"))
    assert root.get("origin") == "Nearpeer"
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    passages = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = "sources" + source.get("plainTextPath").split("internal:/")[1]
        raw = archive.read(path)
        assert b"\r" not in raw  # no CRLF: QualCoder would shift every position
        fulltext = raw.decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            coding = selection.find("q:Coding", NS)
            code_ref = list(coding)[0]
            assert code_ref.tag == "{urn:QDA-XML:project:1.0}CodeRef"
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            passages.append((
                source.get("name"), codes[code_ref.get("targetGUID")],
                users[selection.get("creatingUser")], fulltext[start:end],
            ))  # fmt: skip
    assert ("Q5 R_a1", "Recordings", "alice@example.ac.uk", "recordings\nhelped me") in passages
    assert ("transcript i1.txt", "Flexibility", "alice@example.ac.uk", "I came") in passages


@pytest.mark.django_db
def test_export_is_valid_against_the_official_schema_and_crlf_codings_come_back(crlf_survey):
    before = _coded(crlf_survey)
    data = services.export_qdpx(survey=crlf_survey)
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi_project_1_0.xsd")))
    valid = schema.validate(etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde")))
    Coding.objects.all().delete()
    result = services.import_qdpx(survey=crlf_survey, data=data)
    assert (valid, str(schema.error_log)) == (True, "")
    assert (result.codings, result.codes_created) == (2, 0)
    assert _coded(crlf_survey) == before


def _as_atlas(data: bytes, *, video: bool = False, qde: str = "Trial.qde") -> bytes:
    """The export reshaped as ATLAS.ti 26 writes a project (Ornio-app/qdpx-toolkit's findings on
    two real ATLAS.ti 26.1.2 exports): the XML named after the project, origin "ATLAS.ti …",
    and, with video=True, a coded VideoSource held outside the archive."""

    def change(name, content):
        if name != "project.qde":
            return name, content
        root = etree.fromstring(content)
        root.set("origin", "ATLAS.ti 26.1.2 (build 34883)")
        if video:
            for sources in root.iterfind("q:Sources", NS):
                for text_source in list(sources):
                    sources.remove(text_source)
                code = next(root.iterfind(".//q:Code", NS)).get("guid")
                video_source = etree.SubElement(sources, "{urn:QDA-XML:project:1.0}VideoSource")
                video_source.attrib.update({
                    "guid": "241BA0AA-0000-4000-8000-000000000001",
                    "name": "Christos vagias-2.MP4",
                    "path": "relative:///DD148A4A-B28B-4BC0-90D8-3D1FB587C8E5.mov",
                })  # fmt: skip
                selection = etree.SubElement(
                    video_source, "{urn:QDA-XML:project:1.0}VideoSelection"
                )
                selection.attrib.update({"guid": "00000000-0000-4000-8000-000000000002",
                                         "begin": "2274", "end": "2900", "name": "2s"})  # fmt: skip
                coding = etree.SubElement(selection, "{urn:QDA-XML:project:1.0}Coding")
                coding.set("guid", "00000000-0000-4000-8000-000000000003")
                etree.SubElement(coding, "{urn:QDA-XML:project:1.0}CodeRef").set("targetGUID", code)
        return qde, etree.tostring(root, xml_declaration=True, encoding="utf-8")

    return _rezip(data, change)


@pytest.mark.django_db
def test_a_project_file_named_after_the_project_is_read(coded_survey):  # noqa: F811
    before = _coded(coded_survey)
    data = _as_atlas(services.export_qdpx(survey=coded_survey))
    assert "project.qde" not in zipfile.ZipFile(io.BytesIO(data)).namelist()
    Coding.objects.all().delete()
    result = services.import_qdpx(survey=coded_survey, data=data)
    assert (result.codings, result.codes_created, result.left_out) == (3, 0, [])
    assert _coded(coded_survey) == before


@pytest.mark.django_db
def test_two_project_files_and_no_project_qde_are_refused(coded_survey):  # noqa: F811
    data = _as_atlas(services.export_qdpx(survey=coded_survey))
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("Other.qde", b"<Project/>")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(buffer.getvalue())
    assert str(exc.value) == (
        "the .qdpx file holds 2 project files (Other.qde, Trial.qde) and no project.qde: "
        "which one is meant?"
    )


@pytest.mark.django_db
def test_a_video_only_atlas_project_names_what_it_left_out_and_changes_nothing(coded_survey):  # noqa: F811
    data = _as_atlas(services.export_qdpx(survey=coded_survey), video=True)
    Code.objects.filter(survey=coded_survey).delete()
    with pytest.raises(RefiError) as exc:
        services.import_qdpx(survey=coded_survey, data=data)
    assert str(exc.value) == (
        "no coding in the project matches this survey (0 sources, 3 codes, 0 codings; left "
        "out, as Nearpeer codes text only: VideoSource 'Christos vagias-2.MP4' (1 codings)): "
        "nothing was changed"
    )
    assert (Code.objects.count(), Coding.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_source_whose_text_was_edited_elsewhere_is_refused_by_name(coded_survey):  # noqa: F811
    data = services.export_qdpx(survey=coded_survey)
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    (source,) = [s for s in root.iterfind(".//q:TextSource", NS) if s.get("name") == "Q5 R_a1"]
    path = "sources" + source.get("plainTextPath").split("internal:/")[1]

    def edit(name, content):
        return name, (b"Edited: " + content if name == path else content)

    Coding.objects.all().delete()
    with pytest.raises(RefiError) as exc:
        services.import_qdpx(survey=coded_survey, data=_rezip(data, edit))
    assert str(exc.value) == (
        "source 'Q5 R_a1': its text differs from the answer in Nearpeer, so its codings' "
        "positions cannot be trusted: nothing was changed"
    )
    assert Coding.objects.count() == 0


def _project_with_codebook(codebook_ns: str) -> bytes:
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="MAXQDA 24">'
        f'<CodeBook xmlns="{codebook_ns}"><Codes>'
        '<Code guid="A" name="Access" isCodable="false"><Description>parent</Description>'
        '<Code guid="B" name="Recordings" isCodable="true"/></Code>'
        "</Codes></CodeBook></Project>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", xml)
    return buffer.getvalue()


def test_a_codebook_in_the_refi_codebook_namespace_is_read_not_dropped():
    # Seen in a public MAXQDA 24 project whose codebook had been replaced by an exported
    # .qdc (urn:QDA-XML:codebook:0:4): read in the project namespace only, it gave no codes.
    project = refi.read_qdpx(_project_with_codebook("urn:QDA-XML:codebook:0:4"))
    assert [c.name for c in project.codes] == ["Access"]
    assert project.codes[0].description == "parent" and not project.codes[0].codable
    assert [c.name for c in project.codes[0].children] == ["Recordings"]


def test_a_codebook_in_an_unknown_namespace_is_refused_by_name():
    with pytest.raises(RefiError, match="CodeBook is in an unknown namespace 'urn:other'"):
        refi.read_qdpx(_project_with_codebook("urn:other"))
