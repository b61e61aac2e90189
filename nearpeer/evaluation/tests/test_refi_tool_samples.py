"""Imports of projects in the exact shapes ATLAS.ti 23, MAXQDA 24 and NVivo 12 write (no such
file with a licence could be had; tests/data/README.md says what each shape comes from). Each
sample holds the coded_survey's own sources, as a project that went out to the tool and came
back: the import reports what matched and brings the codings back; a project of the same tool
that matches nothing changes nothing."""

import io
import zipfile

import pytest
from lxml import etree

from nearpeer.evaluation import refi, services
from nearpeer.evaluation.models import Code, Coding
from nearpeer.evaluation.refi import RefiError

from .conftest import DATA
from .test_refi_transcripts import _coded, coded_survey  # noqa: F401 (a fixture)

NS = {"q": "urn:QDA-XML:project:1.0"}
SAMPLES = {
    "atlasti23_shaped_ward.qdpx": ("ATLAS.ti for Windows 23.2.3.27778", "sources/"),
    "maxqda24_shaped_ward.qdpx": ("MAXQDA 24 (Release 24.7.0)", "sources/"),
    "nvivo12_shaped_ward.qdpx": ("NVivo for Windows 12.6", "Sources/"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_has_its_tools_shape_and_is_valid_against_the_schema(name):
    origin, folder = SAMPLES[name]
    archive = zipfile.ZipFile(DATA / name)
    root = etree.fromstring(archive.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi_project_1_0.xsd")))
    assert (schema.validate(root), str(schema.error_log)) == (True, "")
    assert root.get("origin") == origin
    texts = [n for n in archive.namelist() if n != "project.qde"]
    assert texts and all(n.startswith(folder) for n in texts)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_project_back_from_the_tool_brings_the_codings_back_and_says_what_matched(
    coded_survey,  # noqa: F811
    name,
):
    before = _coded(coded_survey)
    Coding.objects.all().delete()
    codes_before = Code.objects.count()

    result = services.import_qdpx(survey=coded_survey, data=(DATA / name).read_bytes())

    assert sorted(result.matched) == ["Q5 R_a1", "transcript i1.txt"]
    assert (result.codings, result.codes_created) == (3, 0)
    assert Code.objects.count() == codes_before
    coded = _coded(coded_survey)
    if name.startswith("nvivo"):
        # NVivo names no coder on its codings: they come in as "imported", in the same places.
        assert {c[2] for c in coded} == {"imported"}
        assert sorted(c[:2] + c[3:] for c in coded) == sorted(c[:2] + c[3:] for c in before)
    else:
        assert coded == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_same_tools_project_matching_nothing_changes_nothing(coded_survey, name):  # noqa: F811
    data = (DATA / name).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(archive.read("project.qde"))
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        source.set("name", "Interview 7 (another study)")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as changed:
        for item in archive.namelist():
            content = etree.tostring(root) if item == "project.qde" else archive.read(item)
            changed.writestr(item, content)
    before = (_coded(coded_survey), sorted(c.path for c in coded_survey.codes.all()))

    with pytest.raises(RefiError) as exc:
        services.import_qdpx(survey=coded_survey, data=out.getvalue())

    assert "Interview 7 (another study)" in str(exc.value)
    assert (_coded(coded_survey), sorted(c.path for c in coded_survey.codes.all())) == before


def test_the_reader_finds_the_text_whatever_the_folders_case():
    for name, (_, folder) in SAMPLES.items():
        project = refi.read_qdpx((DATA / name).read_bytes())
        names = sorted(s.name for s in project.sources)
        assert names == [f"Q5 R_a{n}" for n in (1, 2, 4, 5, 6, 9)] + ["transcript i1.txt"], folder
        assert all(s.text for s in project.sources)
        assert sum(len(s.selections) for s in project.sources) == 3
