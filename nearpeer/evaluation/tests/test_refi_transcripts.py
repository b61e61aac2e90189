import io
import zipfile

import docx
import pytest
from lxml import etree

from nearpeer.evaluation import services
from nearpeer.evaluation.models import Answer, Code, Coding
from nearpeer.evaluation.refi import RefiError
from nearpeer.evaluation.transcripts import TranscriptError, read_transcript

from .conftest import DATA


def _coded(survey):
    return sorted(
        (c.unit_key, c.code.path, c.coder, c.start, c.end)
        for c in Coding.objects.filter(code__survey=survey).select_related("code__parent")
    )


@pytest.fixture
def coded_survey(imported_survey):
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    recordings = services.get_or_create_code_path(
        survey=imported_survey, path="Resources/Recordings"
    )
    flexible = services.get_or_create_code_path(survey=imported_survey, path="Flexibility")
    services.apply_code(
        code=recordings, coder="alice@example.ac.uk", answer=answer, start=10, end=20
    )
    services.apply_code(code=flexible, coder="bob@example.ac.uk", answer=answer)
    services.upload_transcript(
        survey=imported_survey, filename="i1.txt", data=b"Sam Jones: I came for the mock exams.\n"
    )
    transcript = imported_survey.transcripts.get()
    services.apply_code(
        code=flexible, coder="alice@example.ac.uk", transcript=transcript, start=4, end=10
    )
    return imported_survey


@pytest.mark.django_db
def test_qdpx_export_is_valid_against_schema_and_reimports_to_the_same_codes(coded_survey):
    before = _coded(coded_survey)
    codebook = sorted(c.path for c in coded_survey.codes.all())

    data = services.export_qdpx(survey=coded_survey)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("project.qde")
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi_project_1_0.xsd")))
    document = etree.fromstring(xml)
    valid = schema.validate(document)
    Code.objects.filter(survey=coded_survey).delete()
    imported = services.import_qdpx(survey=coded_survey, data=data)

    assert (valid, str(schema.error_log)) == (True, "")
    assert document.tag == "{urn:QDA-XML:project:1.0}Project"
    assert (imported.codings, imported.already_there, imported.codes_created) == (3, 0, 3)
    assert sorted(c.path for c in coded_survey.codes.all()) == codebook
    assert _coded(coded_survey) == before


@pytest.mark.django_db
def test_qdpx_with_unknown_source_imports_nothing(coded_survey):
    data = services.export_qdpx(survey=coded_survey)
    archive = zipfile.ZipFile(io.BytesIO(data))
    xml = archive.read("project.qde").replace(b'name="Q5 R_a1"', b'name="Q5 R_nope"')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("project.qde", xml)
        for name in archive.namelist():
            if name != "project.qde":
                out.writestr(name, archive.read(name))
    Code.objects.filter(survey=coded_survey).delete()

    with pytest.raises(RefiError) as exc:
        services.import_qdpx(survey=coded_survey, data=buffer.getvalue())

    assert str(exc.value) == (
        "1 of 7 sources match no answer or transcript of imported: 'Q5 R_nope'"
    )
    assert (Code.objects.count(), Coding.objects.count()) == (0, 0)


def test_not_a_zip_is_a_clear_error():
    from nearpeer.evaluation.refi import read_qdpx

    with pytest.raises(RefiError) as exc:
        read_qdpx(b"plain text")

    assert str(exc.value) == "not a .qdpx (zip) file"


def test_a_qdpx_that_unpacks_beyond_the_limit_is_refused_before_reading(monkeypatch):
    from nearpeer.evaluation import refi

    monkeypatch.setattr(refi, "MAX_QDPX_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", "<Project/>")
        archive.writestr("sources/big.txt", b"0" * 2 * 1024 * 1024)  # about 2 kB packed

    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(buffer.getvalue())

    assert len(buffer.getvalue()) < 10_000
    assert str(exc.value) == "the .qdpx file unpacks to more than 1 MB"


TEAMS_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Priya Shah>Thanks for joining, Tom.</v>

00:00:05.000 --> 00:00:09.000
<v Tom Okafor>The evening lectures clashed with placement, so I watched recordings.</v>

00:00:10.000 --> 00:00:12.000
<v Priya Shah>Did Tom's year group feel the same?</v>
"""


def test_vtt_speakers_become_participant_numbers_and_names_vanish():
    text = read_transcript("interview.vtt", TEAMS_VTT.encode())

    assert text.splitlines() == [
        "P1: Thanks for joining, P2.",
        "P2: The evening lectures clashed with placement, so I watched recordings.",
        "P1: Did P2's year group feel the same?",
    ]


def test_a_docx_that_unpacks_beyond_the_limit_is_refused_before_reading(monkeypatch):
    from nearpeer.evaluation import transcripts

    monkeypatch.setattr(transcripts, "MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/big.bin", b"0" * 2 * 1024 * 1024)

    with pytest.raises(TranscriptError) as exc:
        read_transcript("interview.docx", buffer.getvalue())

    assert str(exc.value) == "the Word document unpacks to more than 1 MB"


def test_docx_teams_layout_with_speaker_and_time_lines():
    document = docx.Document()
    for line in [
        "Alex Moore   0:03",
        "I started teaching in fourth year.",
        "Jo Lee 0:15",
        "Why, Alex?",
    ]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)

    text = read_transcript("t.docx", buffer.getvalue())

    assert text.splitlines() == ["P1: I started teaching in fourth year.", "P2: Why, P1?"]


def test_unsupported_transcript_type_is_refused():
    with pytest.raises(TranscriptError) as exc:
        read_transcript("t.pdf", b"%PDF")

    assert str(exc.value) == "upload a .txt, .docx or .vtt transcript"


def test_likert_chart_takes_dollar_signs_and_labels_levels():
    from nearpeer.evaluation.charts import likert_svg
    from nearpeer.evaluation.parsing import LIKERT_LABELS

    svg = likert_svg(
        title="Worth the $5 $fee$?",
        bars=[("All", [1, 2, 3, 4, 5]), ("$x$", [0, 0, 1, 0, 0])],
        labels=LIKERT_LABELS,
    )

    assert svg.lstrip().startswith(b"<?xml") and b"<script" not in svg
    assert b"Strongly agree" in svg
    assert b"Worth the $5 $fee$?" in svg


def _rezip(data: bytes, change) -> bytes:
    """A copy of a .qdpx with project.qde passed through `change` (and files renamed by it)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name in archive.namelist():
            content = archive.read(name)
            name, content = change(name, content)
            if name:
                out.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.django_db
def test_qdpx_sources_are_files_named_by_plain_text_path(coded_survey):
    data = services.export_qdpx(survey=coded_survey)
    archive = zipfile.ZipFile(io.BytesIO(data))
    document = etree.fromstring(archive.read("project.qde"))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    sources = document.findall(".//q:TextSource", ns)
    texts = {}
    for source in sources:
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        assert source.find("q:PlainTextContent", ns) is None
        texts[source.get("name")] = archive.read("sources/" + path.removeprefix("internal://"))
    transcript = coded_survey.transcripts.get()
    assert texts["transcript i1.txt"].decode() == transcript.text
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    assert texts["Q5 R_a1"].decode() == answer.value
    assert sorted(archive.namelist()) == sorted(
        ["project.qde"] + [f"sources/{s.get('guid')}.txt" for s in sources]
    )


@pytest.mark.django_db
def test_qdpx_with_a_codebook_but_no_matching_coding_changes_nothing(coded_survey):
    # As an ATLAS.ti project coded elsewhere arrives: the codebook, sources, no codings of ours.
    data = services.export_qdpx(survey=coded_survey)

    def drop_codings(name, content):
        if name != "project.qde":
            return name, content
        document = etree.fromstring(content)
        for selection in document.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"):
            selection.getparent().remove(selection)
        return name, etree.tostring(document)

    bare = _rezip(data, drop_codings)
    Code.objects.filter(survey=coded_survey).delete()

    with pytest.raises(RefiError) as exc:
        services.import_qdpx(survey=coded_survey, data=bare)

    assert str(exc.value) == (
        "no coding in the project matches this survey (7 sources, 3 codes, 0 codings): "
        "nothing was changed"
    )
    assert (Code.objects.count(), Coding.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_qdpx_from_a_tool_with_a_capitalised_folder_and_txt_names_matches(coded_survey):
    before = _coded(coded_survey)
    data = services.export_qdpx(survey=coded_survey)

    def as_other_tool(name, content):
        if name == "project.qde":
            return name, content.replace(b'name="Q5 R_a1"', b'name="Q5 R_a1.txt"')
        # "Sources/", capitalised, as NVivo and older QualCoder write it (the standard and
        # Nearpeer write "sources/").
        return name.replace("sources/", "Sources/"), content

    Coding.objects.all().delete()
    result = services.import_qdpx(survey=coded_survey, data=_rezip(data, as_other_tool))
    assert (result.codings, result.codes_created) == (3, 0)
    assert sorted(result.matched) == ["Q5 R_a1.txt", "transcript i1.txt"]
    assert _coded(coded_survey) == before
