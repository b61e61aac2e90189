"""REFI-QDA with a real QualCoder: files QualCoder itself wrote and read (tests/data/README.md
says how they were made). Nearpeer's export of `ward_survey` was imported by QualCoder's own
importer, coded further in QualCoder and exported by QualCoder's own exporter as
`qualcoder_ward_teaching.qdpx`."""

import io
import json
import zipfile

import pytest
from lxml import etree

from nearpeer.evaluation import refi, services
from nearpeer.evaluation.models import Code, Coding, Survey

from .conftest import DATA
from .test_refi_interchange import crlf_survey  # noqa: F401 (a fixture)
from .test_refi_transcripts import _coded, coded_survey  # noqa: F401 (a fixture)

QUALCODER_FILE = DATA / "qualcoder_ward_teaching.qdpx"
# The two transcripts as Nearpeer stores them (speakers made participant numbers) and as
# QualCoder's export holds them.
TEXT_A = (
    "P1: What helped you most on the ward this term?\n"
    "P2: Teaching each other before the ward round. Feedback from a peer felt less formal, so I"
    " asked more questions.\n"
    "P1: And what got in the way?\n"
    "P2: There was never enough time between clinics."
)
TEXT_B = (
    "P1: How did the practice stations go?\n"
    "P2: Better than I expected. After three sessions I felt ready to examine a patient on my"
    " own.\n"
    "P2: The written feedback sheet was too short to be useful."
)

WARD_A = (
    "Interviewer: What helped you most on the ward this term?\n"
    "Student: Teaching each other before the ward round. Feedback from a peer felt less formal,"
    " so I asked more questions.\n"
    "Interviewer: And what got in the way?\n"
    "Student: There was never enough time between clinics.\n"
)
WARD_B = (
    "Interviewer: How did the practice stations go?\n"
    "Student: Better than I expected. After three sessions I felt ready to examine a patient"
    " on my own.\n"
    "Student: The written feedback sheet was too short to be useful.\n"
)


@pytest.fixture
def ward_survey(db):
    survey = Survey.objects.create(title="Ward teaching", slug="ward-teaching")
    services.upload_transcript(survey=survey, filename="ward-a.txt", data=WARD_A.encode())
    services.upload_transcript(survey=survey, filename="ward-b.txt", data=WARD_B.encode())
    first = survey.transcripts.get(title="ward-a.txt")
    peer = services.get_or_create_code_path(survey=survey, path="Peer teaching")
    peer.description = "Students teaching one another."
    peer.save(update_fields=["description"])
    start = first.text.index("Teaching each other")
    services.apply_code(
        code=peer, coder="alice@example.ac.uk", transcript=first, start=start,
        end=start + len("Teaching each other"), memo="Before the round, unprompted.",
    )  # fmt: skip
    return survey


def _tree(codes):
    return [(c.name, c.description, c.codable, _tree(c.children)) for c in codes]


def test_qualcoders_own_export_is_read_field_by_field():
    project = refi.read_qdpx(QUALCODER_FILE.read_bytes())

    assert (project.name, project.origin) == ("WardTeaching.qda", "QualCoder 4.0 Beta")
    assert sorted(project.users.values()) == ["alice@example.ac.uk", "default", "okafor", "rivera"]
    assert _tree(project.codes) == [
        ("Peer teaching", "Students teaching one another.", True, []),
        ("Time pressure", "Anything about lack of time.", True, []),
        ("Learning", "How students describe learning on the ward.", False, [
            ("Feedback", "Comments on feedback from peers or tutors.", True, []),
            ("Confidence", "", True, []),
        ]),
    ]  # fmt: skip
    names = {}

    def index(codes):
        for c in codes:
            names[c.guid] = c.name
            index(c.children)

    index(project.codes)
    assert [(s.name, s.text) for s in project.sources] == [
        ("transcript ward-a.txt", TEXT_A), ("transcript ward-b.txt", TEXT_B),
    ]  # fmt: skip
    assert [
        (s.name, sel.start, sel.end, project.users[sel.user_guid], names[sel.code_guid],
         s.text[sel.start : sel.end], sel.memo)
        for s in project.sources for sel in s.selections
    ] == [
        ("transcript ward-a.txt", 52, 71, "alice@example.ac.uk", "Peer teaching",
         "Teaching each other", "Before the round, unprompted."),
        ("transcript ward-a.txt", 95, 132, "rivera", "Feedback",
         "Feedback from a peer felt less formal", "Peer feedback lowers the stakes."),
        ("transcript ward-a.txt", 134, 159, "rivera", "Confidence",
         "so I asked more questions", ""),
        ("transcript ward-a.txt", 204, 237, "rivera", "Time pressure",
         "never enough time between clinics", ""),
        ("transcript ward-a.txt", 52, 93, "rivera", "Peer teaching",
         "Teaching each other before the ward round", ""),
        ("transcript ward-b.txt", 87, 130, "rivera", "Confidence",
         "I felt ready to examine a patient on my own", ""),
        ("transcript ward-b.txt", 136, 189, "okafor", "Feedback",
         "The written feedback sheet was too short to be useful", ""),
    ]  # fmt: skip
    assert project.notes == ["note 'Analysis notes'", "an annotation of a passage"]
    # QualCoder's own way of writing, which the reader must take as it comes: lower-case
    # "sources/", a byte-order mark on each text file, and a second copy of each source.
    archive = zipfile.ZipFile(QUALCODER_FILE)
    texts = [n for n in archive.namelist() if n.startswith("sources/") and n.endswith(".txt")]
    assert len(texts) == 5  # 2 sources x 2 copies, and the journal
    assert all(archive.read(n).startswith(b"\xef\xbb\xbf") for n in texts)


@pytest.mark.django_db
def test_a_dry_run_of_qualcoders_export_says_what_would_come_in_and_changes_nothing(
    ward_survey,
):
    from io import StringIO

    from django.core.management import call_command

    before = (Code.objects.count(), Coding.objects.count())
    out = StringIO()
    call_command("evaluation", "import-qdpx", str(QUALCODER_FILE), "--survey", ward_survey.slug,
                 "--dry-run", stdout=out)  # fmt: skip
    assert out.getvalue().startswith(
        "Would import 6 codings from 2 matching sources (1 already there; 4 codes added). "
        "Changed: categories 'Learning' came in as parent codes."
    )
    assert (Code.objects.count(), Coding.objects.count()) == before


def test_the_coding_page_offers_a_dry_run_of_a_project_import(client, lead, ward_survey):
    from django.urls import reverse

    client.force_login(lead)
    page = client.get(reverse("evaluation:coding-workspace", kwargs={"slug": ward_survey.slug}))
    assert '<input type="checkbox" name="dry_run" id="qdpx-dry">' in page.content.decode()
    before = (Code.objects.count(), Coding.objects.count())
    response = client.post(
        reverse("evaluation:qdpx-import", kwargs={"slug": ward_survey.slug}),
        {"file": io.BytesIO(QUALCODER_FILE.read_bytes()), "dry_run": "on"},
        follow=True,
    )
    (shown,) = [str(m) for m in response.context["messages"]]
    assert shown.startswith("Would import 6 codings from 2 matching sources")
    assert (Code.objects.count(), Coding.objects.count()) == before


@pytest.mark.django_db
def test_qualcoders_export_comes_back_into_the_survey_it_was_coded_from(ward_survey):
    result = services.import_qdpx(survey=ward_survey, data=QUALCODER_FILE.read_bytes())

    assert (result.codings, result.already_there, result.codes_created) == (6, 1, 4)
    assert result.summary() == (
        "Imported 6 codings from 2 matching sources (1 already there; 4 codes added). "
        "Changed: categories 'Learning' came in as parent codes. Left out: 2 project notes "
        "(note 'Analysis notes', an annotation of a passage): Nearpeer keeps no notes; coding "
        "memos and code descriptions came in."
    )
    a, b = (ward_survey.transcripts.get(title=t) for t in ("ward-a.txt", "ward-b.txt"))
    assert (a.text, b.text) == (TEXT_A, TEXT_B)
    got = sorted(
        (c.transcript.title, c.code.path, c.coder, c.transcript.text[c.start : c.end], c.memo)
        for c in Coding.objects.filter(code__survey=ward_survey).select_related(
            "code__parent", "transcript"
        )
    )
    assert got == sorted([
        ("ward-a.txt", "Peer teaching", "alice@example.ac.uk", "Teaching each other",
         "Before the round, unprompted."),
        ("ward-a.txt", "Learning/Feedback", "rivera", "Feedback from a peer felt less formal",
         "Peer feedback lowers the stakes."),
        ("ward-a.txt", "Learning/Confidence", "rivera", "so I asked more questions", ""),
        ("ward-a.txt", "Time pressure", "rivera", "never enough time between clinics", ""),
        ("ward-a.txt", "Peer teaching", "rivera", "Teaching each other before the ward round", ""),
        ("ward-b.txt", "Learning/Confidence", "rivera",
         "I felt ready to examine a patient on my own", ""),
        ("ward-b.txt", "Learning/Feedback", "okafor",
         "The written feedback sheet was too short to be useful", ""),
    ])  # fmt: skip
    assert sorted((c.path, c.description) for c in ward_survey.codes.all()) == [
        ("Learning", "How students describe learning on the ward."),
        ("Learning/Confidence", ""),
        ("Learning/Feedback", "Comments on feedback from peers or tutors."),
        ("Peer teaching", "Students teaching one another."),
        ("Time pressure", "Anything about lack of time."),
    ]
    again = services.import_qdpx(survey=ward_survey, data=QUALCODER_FILE.read_bytes())
    assert (again.codings, again.already_there, again.codes_created) == (0, 7, 0)


@pytest.mark.django_db
def test_what_came_from_qualcoder_goes_out_and_back_whole(ward_survey):
    services.import_qdpx(survey=ward_survey, data=QUALCODER_FILE.read_bytes())
    before = _coded(ward_survey)
    memos = sorted(Coding.objects.values_list("memo", flat=True))
    codebook = sorted((c.path, c.description) for c in ward_survey.codes.all())

    data = services.export_qdpx(survey=ward_survey)
    schema = etree.XMLSchema(etree.parse(str(DATA / "refi_project_1_0.xsd")))
    valid = schema.validate(etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde")))
    Code.objects.filter(survey=ward_survey).delete()
    result = services.import_qdpx(survey=ward_survey, data=data)

    assert (valid, str(schema.error_log)) == (True, "")  # with the coding memos as Description

    assert (result.codings, result.codes_created, result.changed, result.left_out) == (7, 5, [], [])
    assert _coded(ward_survey) == before
    assert sorted(Coding.objects.values_list("memo", flat=True)) == memos
    assert sorted((c.path, c.description) for c in ward_survey.codes.all()) == codebook


def _as_qualcoder_reads(data: bytes) -> dict:
    """Nearpeer's export read by QualCoder's importer's rules (src/qualcoder/refi.py:
    sources from plainTextPath, code memo from Description, sub-codes under their parent,
    codings cut from the full text), in the order QualCoder numbers them."""
    project = refi.read_qdpx(data)
    codes, names = [], {}

    def walk(nodes, parent):
        for node in nodes:
            names[node.guid] = node.name
            codes.append({"name": node.name, "memo": node.description, "parent": parent})
            walk(node.children, node.name)

    walk(project.codes, None)
    codings = [
        {"code": names[sel.code_guid], "source": s.name,
         "seltext": s.text[sel.start : sel.end], "pos0": sel.start, "pos1": sel.end,
         "owner": project.users[sel.user_guid], "memo": sel.memo}
        for s in project.sources for sel in s.selections
    ]  # fmt: skip
    return {
        "sources": sorted(({"name": s.name, "fulltext": s.text} for s in project.sources),
                          key=lambda s: s["name"]),
        "categories": [],
        "codes": sorted(codes, key=lambda c: c["name"]),
        "codings": sorted(codings, key=lambda c: (c["source"], c["pos0"], c["code"])),
    }  # fmt: skip


def _recorded(name: str) -> dict:
    """What QualCoder's own importer put in its database (README says how it was made)."""
    record = json.loads((DATA / name).read_text())
    return {
        "sources": sorted(record["sources"], key=lambda s: s["name"]),
        "categories": record["categories"],
        "codes": sorted(record["codes"], key=lambda c: c["name"]),
        "codings": sorted(record["codings"], key=lambda c: (c["source"], c["pos0"], c["code"])),
    }


@pytest.mark.django_db
def test_todays_export_gives_what_qualcoder_really_imported_from_ours(ward_survey):
    """The record is QualCoder's database after its own importer read
    nearpeer_ward_teaching.qdpx (Nearpeer's export of this survey)."""
    record = _recorded("qualcoder_import_of_nearpeer_ward_teaching.json")
    committed = (DATA / "nearpeer_ward_teaching.qdpx").read_bytes()

    assert record["codings"] == [
        {"code": "Peer teaching", "source": "transcript ward-a.txt",
         "seltext": "Teaching each other", "pos0": 52, "pos1": 71,
         "owner": "alice@example.ac.uk", "memo": "Before the round, unprompted."},
    ]  # fmt: skip
    assert _as_qualcoder_reads(committed) == record
    assert _as_qualcoder_reads(services.export_qdpx(survey=ward_survey)) == record


@pytest.mark.django_db
def test_qualcoder_really_imports_crlf_answers_at_the_right_place(crlf_survey):  # noqa: F811
    """A browser's CRLF answer: QualCoder's own importer read Nearpeer's export of it
    (nearpeer_crlf_answers.qdpx) and cut the coded passage where it was coded, and put the
    sub-code under its parent."""
    record = _recorded("qualcoder_import_of_nearpeer_crlf_answers.json")

    assert [(c["source"], c["code"], c["seltext"]) for c in record["codings"]] == [
        ("Q5 R_a1", "Recordings", "recordings\nhelped me"),
        ("transcript i1.txt", "Flexibility", "I came"),
    ]
    assert {c["name"]: c["parent"] for c in record["codes"]}["Recordings"] == "Resources"
    assert _as_qualcoder_reads((DATA / "nearpeer_crlf_answers.qdpx").read_bytes()) == record
    assert _as_qualcoder_reads(services.export_qdpx(survey=crlf_survey)) == record
