"""Export from the question bank's page: format, filters or chosen questions, who gets what,
the limits, and the background job for a large export."""

import pytest
from django.test import TestCase
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher
from nearpeer.questions import formats, services
from nearpeer.questions.models import Question, Status
from nearpeer.questions.permissions import can_see_question
from nearpeer.questions.views import FILTERS_SESSION_KEY

from .factories import make_question, tag

URL = "/questions/export/"


@pytest.fixture
def bank(db):
    """Published questions in two specialties, and one of each unpublished status."""
    cardio, renal = tag("Cardiology"), tag("Renal medicine")
    author = UserFactory(email="author@example.ac.uk")
    return {
        "cardio": [
            make_question(author=author, title=f"Cardio {n}", tags=[cardio]) for n in range(3)
        ],
        "renal": make_question(author=author, title="Renal 1", tags=[renal], years=(4,)),
        "draft": make_question(author=author, title="Someone's draft", status=Status.DRAFT),
        "submitted": make_question(author=author, title="In review", status=Status.SUBMITTED),
        "cardio_tag": cardio,
        "author": author,
    }


def _post(client, **data):
    return client.post(URL, {"file_format": "gift", **data})


def _titles(response) -> list[str]:
    assert response["Content-Disposition"].startswith('attachment; filename="nearpeer-questions-')
    parsed = formats.parse_gift(response.content.decode())
    return [q.title for q in parsed.questions]


def test_the_bank_page_links_to_the_export(client, bank):
    client.force_login(UserFactory())
    page = client.get(reverse("questions:home")).content.decode()
    assert f'href="{URL}"' in page


def test_filters_export_the_matching_published_questions_as_a_file(client, bank):
    client.force_login(UserFactory())
    response = _post(client, specialty=bank["cardio_tag"].pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert _titles(response) == ["Cardio 0", "Cardio 1", "Cardio 2"]


def test_the_form_starts_from_the_members_current_practice_filters(client, bank):
    member = UserFactory()
    client.force_login(member)
    session = client.session
    session[FILTERS_SESSION_KEY] = {"specialty": bank["cardio_tag"].pk, "year": 3}
    session.save()
    page = client.get(URL).content.decode()
    assert f'<option value="{bank["cardio_tag"].pk}" selected>Cardiology</option>' in page


def test_chosen_questions_by_number_ignore_the_filters(client, bank):
    client.force_login(UserFactory())
    chosen = f"Q{bank['renal'].pk}, q{bank['cardio'][1].pk}"
    response = _post(client, questions=chosen, specialty=bank["cardio_tag"].pk)
    assert _titles(response) == ["Cardio 1", "Renal 1"]


def test_selected_questions_arrive_from_a_link(client, bank):
    client.force_login(UserFactory())
    page = client.get(URL, {"q": [bank["renal"].pk, bank["cardio"][0].pk]}).content.decode()
    assert f'value="Q{bank["renal"].pk}, Q{bank["cardio"][0].pk}"' in page


def test_a_member_never_gets_someone_elses_draft_or_a_question_in_review(client, bank):
    client.force_login(UserFactory())
    for which in ("draft", "submitted"):
        for tick in ({}, {"include_unpublished": "on"}):
            response = _post(client, questions=f"Q{bank[which].pk}", **tick)
            assert response.status_code == 200
            assert "Content-Disposition" not in response
            assert f"No question you may export: Q{bank[which].pk}" in response.content.decode()
    # Filters alone never reach them either.
    response = _post(client, include_unpublished="on")
    assert "Someone's draft" not in _titles(response)
    assert "In review" not in _titles(response)


def test_an_author_exports_their_own_draft_only_with_the_tick_box(client, bank):
    client.force_login(bank["author"])
    draft = f"Q{bank['draft'].pk}"
    refused = _post(client, questions=draft).content.decode()
    assert "drafts and questions in review need the tick box" in refused
    assert _titles(_post(client, questions=draft, include_unpublished="on")) == ["Someone's draft"]


def test_a_reviewer_adds_questions_in_review_but_not_drafts(client, bank):
    client.force_login(teacher())
    titles = _titles(_post(client, include_unpublished="on"))
    assert "In review" in titles
    assert "Someone's draft" not in titles
    assert "In review" not in _titles(_post(client))


@pytest.mark.parametrize("role", ["member", "author", "teacher", "faculty", "committee"])
def test_what_may_be_exported_is_exactly_what_the_member_may_see(bank, role):
    user = {
        "member": UserFactory, "author": lambda: bank["author"], "teacher": teacher,
        "faculty": faculty, "committee": committee,
    }[role]()  # fmt: skip
    make_question(author=user, title="Own draft", status=Status.DRAFT)
    everything = list(Question.objects.all())
    with_tick = set(services.exportable_questions(user=user, include_unpublished=True))
    assert with_tick == {q for q in everything if can_see_question(user, q)}
    assert set(services.exportable_questions(user=user)) == {
        q for q in everything if q.published_version_id
    }


def test_moodle_xml_export_is_read_by_an_independent_parser(client, bank):
    from moodle_xml_parser.parser import parse_string

    client.force_login(UserFactory())
    response = client.post(URL, {"file_format": "moodle-xml", "specialty": bank["cardio_tag"].pk})
    assert response["Content-Type"] == "application/xml"
    theirs = parse_string(response.content.decode())["multichoice"]
    assert [q.name for q in theirs] == ["Cardio 0", "Cardio 1", "Cardio 2"]


def test_anki_export_is_a_deck_anki_opens(client, bank, tmp_path):
    from .test_independent_parsers import _anki_import

    client.force_login(UserFactory())
    response = client.post(URL, {"file_format": "anki", "questions": f"Q{bank['renal'].pk}"})
    assert response["Content-Disposition"].endswith('.apkg"')
    apkg = tmp_path / "export.apkg"
    apkg.write_bytes(response.content)
    _, notes, _ = _anki_import(tmp_path / "collection.anki2", apkg)
    import genanki

    # One note, whose guid follows the question's identity (a re-import updates it).
    assert [guid for guid, _, _ in notes] == [
        genanki.guid_for(f"nearpeer-question-{bank['renal'].pk}")
    ]
    assert "ST elevation in II, III and aVF. Which artery?" in notes[0][1][0]


def test_the_export_reads_the_same_number_of_queries_for_more_questions(
    client, bank, django_assert_num_queries
):
    client.force_login(UserFactory())
    # Warm the session and the user (read on every request, whatever the export).
    client.get(reverse("questions:home"))
    few = f"Q{bank['renal'].pk}"
    many = ", ".join(f"Q{q.pk}" for q in [*bank["cardio"], bank["renal"]])
    with django_assert_num_queries(6) as few_queries:
        _post(client, questions=few)
    with django_assert_num_queries(6) as many_queries:
        _post(client, questions=many)
    assert len(few_queries.captured_queries) == len(many_queries.captured_queries)


def test_bad_question_numbers_are_named(client, bank):
    client.force_login(UserFactory())
    page = _post(client, questions="Q12, twelve").content.decode()
    assert "Not a question number: twelve" in page


def test_nothing_matching_says_so(client, bank):
    client.force_login(UserFactory())
    page = _post(client, year=6).content.decode()
    assert "No question matches: nothing to export." in page


def test_above_the_maximum_the_export_is_refused(client, bank, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_MAX_QUESTIONS", 3)
    client.force_login(UserFactory())
    page = _post(client).content.decode()
    assert "4 questions match: at most 3 go in one file. Narrow the filters." in page


def test_a_large_export_is_built_in_the_background_for_its_starter_alone(client, bank, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_SYNC_LIMIT", 2)
    member = UserFactory()
    client.force_login(member)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _post(client, specialty=bank["cardio_tag"].pk)
    job_url = response.headers["Location"]
    assert job_url.startswith("/jobs/")
    page = client.get(job_url).content.decode()
    assert "Exported 3 questions (GIFT)" in page
    download = client.get(job_url + "download/")
    content = b"".join(download.streaming_content)
    titles = [q.title for q in formats.parse_gift(content.decode()).questions]
    assert titles == ["Cardio 0", "Cardio 1", "Cardio 2"]
    # Nobody else, not even the committee, downloads what the member may see.
    client.force_login(committee())
    assert client.get(job_url + "download/").status_code == 404


def test_a_background_export_chooses_again_with_the_starters_permissions(bank, monkeypatch):
    """The job re-reads the selection as its starter when it runs: a question unpublished in
    the meantime is not in the file."""
    from nearpeer.core.jobs import execute_job, start_job
    from nearpeer.questions.jobs import QUESTION_EXPORT, export_params

    member = UserFactory()
    params = export_params(
        file_format="gift", include_unpublished=False, tags=[bank["cardio_tag"]], year=None, ids=[]
    )
    job, _ = start_job(kind=QUESTION_EXPORT, key="t", title="t", by=member, params=params)
    Question.objects.filter(pk=bank["cardio"][0].pk).update(published_version=None)
    job = execute_job(job_id=job.pk)
    with job.output.open("rb") as f:
        titles = [q.title for q in formats.parse_gift(f.read().decode()).questions]
    assert titles == ["Cardio 1", "Cardio 2"]


def test_the_command_counts_in_good_english(bank, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    Question.objects.exclude(pk=bank["renal"].pk).update(published_version=None)
    out = StringIO()
    call_command(
        "questions", "export", "--format", "gift", "-o", str(tmp_path / "q.gift"), stdout=out
    )
    assert out.getvalue().strip() == f"Exported 1 question to {tmp_path / 'q.gift'}."


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _with_files(question, *, image: bool, attachments: int) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    version = question.published_version or question.latest_version
    if image:
        version.image.save("ecg.png", ContentFile(PNG), save=False)
    version.attachments = [
        {"name": f"strip{n}.png", "content_type": "image/png", "alt": "Strip",
         "where": "general feedback",
         "path": default_storage.save(f"questions/files/t/strip{n}.png", ContentFile(PNG))}
        for n in range(attachments)
    ]  # fmt: skip
    version.save()


def test_files_are_counted_from_the_versions_that_would_be_exported(
    bank, django_assert_num_queries
):
    _with_files(bank["cardio"][0], image=True, attachments=2)
    _with_files(bank["renal"], image=False, attachments=1)
    _with_files(bank["draft"], image=True, attachments=0)  # not exported: someone else's draft
    queryset = services.exportable_questions(user=bank["author"], include_unpublished=True)
    with django_assert_num_queries(2):
        assert services.export_media_count(queryset) == 5  # 3 + 1, and the author's own draft
    member = services.exportable_questions(user=UserFactory(), include_unpublished=True)
    assert services.export_media_count(member) == 4


def test_many_files_go_to_the_background_but_gift_which_carries_none_comes_at_once(
    client, bank, monkeypatch
):
    monkeypatch.setattr(services, "EXPORT_SYNC_FILES", 1)
    _with_files(bank["cardio"][0], image=True, attachments=1)
    client.force_login(UserFactory())
    with TestCase.captureOnCommitCallbacks(execute=True):
        moodle = client.post(URL, {"file_format": "moodle-xml", "specialty": bank["cardio_tag"].pk})
    assert moodle.headers["Location"].startswith("/jobs/")
    gift = _post(client, specialty=bank["cardio_tag"].pk)
    assert _titles(gift) == ["Cardio 0", "Cardio 1", "Cardio 2"]


def test_too_many_files_are_refused_with_a_way_out(client, bank, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_MAX_FILES", 1)
    _with_files(bank["cardio"][0], image=True, attachments=1)
    client.force_login(UserFactory())
    page = client.post(URL, {"file_format": "anki"}).content.decode()
    assert "These 4 questions carry 2 images and files: at most 1 go in one file." in page
    assert "Content-Disposition" not in client.post(URL, {"file_format": "anki"})
    # GIFT carries no files, so the same questions still come as GIFT.
    assert _titles(_post(client)) == ["Cardio 0", "Cardio 1", "Cardio 2", "Renal 1"]
