"""Nearpeer's .qdpx read by an independent parser: pyrefiqda (PyPI, MIT; a dev dependency),
which binds the official REFI-QDA schema to typed models and, as the standard (section 8.1) and
QualCoder, ATLAS.ti and MAXQDA do, looks for internal:// files in the archive's `sources/`
folder. Everything Nearpeer exports is compared field by field: users, the nested codebook
with descriptions, each source's file, and each coding's position, code, coder and memo."""

import io
import zipfile

import pytest

from nearpeer.evaluation import refi, services
from nearpeer.evaluation.models import Answer

from .test_refi_interchange import crlf_survey  # noqa: F401 (a fixture)
from .test_refi_transcripts import coded_survey  # noqa: F401 (a fixture)


def _load(data: bytes, tmp_path):
    from pyrefiqda import RefiProject

    path = tmp_path / "nearpeer.qdpx"
    path.write_bytes(data)
    extract = tmp_path / "extracted"
    return RefiProject, RefiProject.load(path, extract_dir=str(extract)), extract


@pytest.mark.django_db
def test_pyrefiqda_reads_the_export_field_by_field(crlf_survey, tmp_path):  # noqa: F811
    answer = Answer.objects.get(response__external_id="R_a1", question__qid="Q5")
    answer.codings.filter(code__name="Recordings").update(memo="Said twice.")
    RefiProject, project, extract = _load(services.export_qdpx(survey=crlf_survey), tmp_path)

    assert project.origin == "Nearpeer"
    users = {u.guid: u.name for u in project.users.user}
    assert sorted(users.values()) == ["alice@example.ac.uk"]

    names, tree = {}, []

    def walk(codes, parent):
        for code in codes:
            names[code.guid] = code.name
            tree.append((parent, code.name, code.is_codable))
            walk(code.code, code.name)

    walk(project.code_book.codes.code, None)
    assert sorted(tree, key=str) == sorted(
        [(None, "Resources", True), ("Resources", "Recordings", True), (None, "Flexibility", True)],
        key=str,
    )

    texts, passages = {}, []
    for source in project.sources.text_source:
        assert source.plain_text_content is None
        # pyrefiqda's own resolver: <extract>/sources/<file>. A capitalised folder is not found.
        path = RefiProject.resolve_source_path(source.plain_text_path, extract)
        texts[source.name] = path.read_text(encoding="utf-8")
        for selection in source.plain_text_selection:
            (coding,) = selection.coding
            passages.append((
                source.name, names[coding.code_ref.target_guid], users[selection.creating_user],
                texts[source.name][selection.start_position : selection.end_position],
                selection.description or "",
            ))  # fmt: skip
    transcript = crlf_survey.transcripts.get()
    assert texts["Q5 R_a1"] == refi.to_lf(answer.value)
    assert texts["transcript i1.txt"] == transcript.text
    others = Answer.objects.filter(question__qid="Q5").exclude(pk=answer.pk)
    assert {k: v for k, v in texts.items() if k not in ("Q5 R_a1", "transcript i1.txt")} == {
        f"Q5 {a.response.external_id}": refi.to_lf(a.value) for a in others
    }
    assert sorted(passages) == sorted([
        ("Q5 R_a1", "Recordings", "alice@example.ac.uk", "recordings\nhelped me", "Said twice."),
        ("transcript i1.txt", "Flexibility", "alice@example.ac.uk", "I came", ""),
    ])  # fmt: skip


@pytest.mark.django_db
def test_the_sources_folder_is_the_standards_lower_case_one(coded_survey, tmp_path):  # noqa: F811
    data = services.export_qdpx(survey=coded_survey)
    folders = {n.split("/", 1)[0] for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "/" in n}
    assert folders == {"sources"}
    RefiProject, project, extract = _load(data, tmp_path)
    for source in project.sources.text_source:
        assert RefiProject.resolve_source_path(source.plain_text_path, extract).is_file()
