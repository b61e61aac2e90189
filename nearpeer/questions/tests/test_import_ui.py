"""The committee imports a file through the browser: upload, dry-run preview, confirm."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from nearpeer.members.tests.factories import committee
from nearpeer.questions import formats
from nearpeer.questions.models import PendingImport, Question, Status, Tag
from nearpeer.questions.services import confirm_import, stage_import

from .factories import tag

DATA = Path(__file__).parent / "data"


def _upload(client, name: str, fmt: str, content: bytes | None = None, publish: bool = False):
    content = (DATA / name).read_bytes() if content is None else content
    data = {"file": SimpleUploadedFile(name, content), "file_format": fmt}
    if publish:
        data["publish"] = "on"
    return client.post(reverse("questions:import-upload"), data)


@pytest.fixture
def boss(db, client):
    user = committee()
    client.force_login(user)
    return user


def confirm_in_background(client, pk: int, data=None) -> str:
    """Confirm an import (a background job since issue #15); the task runs at commit here. Returns
    the job's page."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("questions:import-confirm", kwargs={"pk": pk}), data or {})
    assert response.headers["Location"].startswith("/jobs/")
    return client.get(response.headers["Location"]).content.decode()


def test_gift_preview_lists_each_question_then_confirm_imports_all(client, boss):
    response = _upload(client, "sample.gift", "gift")
    pending = PendingImport.objects.get()
    assert response.headers["Location"] == f"/questions/import/{pending.pk}/"
    assert Question.objects.count() == 0

    page = client.get(response.headers["Location"]).content.decode()

    assert "4 questions ready to import" in page
    assert "<h3>1. Pneumothorax management</h3>" in page
    assert "<dt>Type</dt><dd>Single best answer</dd><dt>Options</dt><dd>5</dd>" in page
    assert "<h3>2. Type 2 respiratory failure</h3>" in page
    assert "<dd>Multiple response</dd>" in page
    assert (
        "specialty:Respiratory medicine, system:Respiratory, exam:Written, tag:Respiratory, year:3"
        in page
    )
    assert Question.objects.count() == 0

    done = confirm_in_background(client, pending.pk)

    assert "Imported 4 questions (drafts credited to you)." in done
    assert set(Question.objects.values_list("author", "status")) == {(boss.pk, Status.DRAFT)}
    assert PendingImport.objects.count() == 0


def test_moodle_preview_lists_every_error_with_position_and_imports_nothing(client, boss):
    response = _upload(client, "moodle_bad.xml", "moodle-xml")
    preview = response.headers["Location"]

    page = client.get(preview).content.decode()

    assert "<li>Question 1 (line 3): a single-best-answer question needs exactly one key" in page
    assert "<h3>2. True or false</h3>" in page
    assert (
        "<dt>Type</dt><dd>True/false</dd><dt>Options</dt><dd>2</dd><dt>Key</dt><dd>A</dd>" in page
    )
    assert "<li>Question 4 (line 25): has 2 options; a question needs 3 to 8</li>" in page
    assert "<p>Of the 4 items in the file, 2 could come in as they are; 2 need a fix.</p>" in page
    assert "import-confirm" not in page and "/confirm/" not in page
    refused = confirm_in_background(client, PendingImport.objects.get().pk)
    assert "Nothing was imported: the file has problems (listed below)." in refused
    assert Question.objects.count() == 0


def test_unreadable_file_is_named_in_the_preview(client, boss):
    response = _upload(client, "broken.xml", "moodle-xml", content=b"<quiz><question>")
    page = client.get(response.headers["Location"]).content.decode()
    assert "The file cannot be read: not well-formed XML:" in page
    gift = _upload(client, "latin1.gift", "gift", content="::T::é {=a ~b ~c}".encode("latin-1"))
    assert "The file cannot be read: the file is not UTF-8 text." in (
        client.get(gift.headers["Location"]).content.decode()
    )


def test_upload_over_the_size_cap_is_refused(client, boss, monkeypatch):
    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 100)
    response = _upload(client, "sample.gift", "gift")
    assert "The file is larger than 0 MB." in response.content.decode()
    assert PendingImport.objects.count() == 0


def test_publish_option_publishes_and_reuses_existing_tags_ignoring_case(client, boss):
    existing = tag("Respiratory medicine")
    _upload(client, "sample.gift", "gift", publish=True)
    pending = PendingImport.objects.get()
    confirm_in_background(client, pending.pk)
    assert Question.objects.filter(status=Status.PUBLISHED).count() == 4
    assert list(Tag.objects.filter(kind="specialty").values_list("pk", flat=True)) == [existing.pk]


@pytest.mark.django_db
def test_only_the_uploader_confirms_and_a_new_upload_replaces_the_old():
    first, other = committee(), committee()
    old = stage_import(by=first, filename="a.gift", file_format="gift", data=b"x")
    pending = stage_import(
        by=first, filename="b.gift", file_format="gift", data=(DATA / "sample.gift").read_bytes()
    )
    assert list(PendingImport.objects.values_list("pk", flat=True)) == [pending.pk]
    assert old.pk != pending.pk
    with pytest.raises(PermissionDenied):
        confirm_import(pending=pending, by=other)
    assert len(confirm_import(pending=pending, by=first)) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_import_preview_in_constant_queries(client, django_assert_num_queries, rows):
    boss = committee()
    gift = "\n\n".join(f"::Q{n}::Stem {n}? {{=right ~wrong ~other}}" for n in range(rows))
    pending = stage_import(by=boss, filename="q.gift", file_format="gift", data=gift.encode())
    client.force_login(boss)
    with django_assert_num_queries(4):
        response = client.get(reverse("questions:import-preview", kwargs={"pk": pending.pk}))
    assert response.content.decode().count("<dd>Single best answer</dd>") == rows


def test_preview_shows_changes_and_left_out_items_and_the_tick_box_imports_the_rest(client, boss):
    response = _upload(client, "gift_moodle_questions.gift.txt", "gift")
    pending = PendingImport.objects.get()
    page = client.get(response.headers["Location"]).content.decode()

    assert "8 questions ready to import" in page
    assert "<h3>1. Not imported: a type Nearpeer does not hold</h3>" in page
    assert "&#x27;Q8&#x27; is an essay question" in page
    assert "<li>question text: html converted to Markdown</li>" in page
    assert "<li>answer &#x27;*&#x27; scores nothing (Nearpeer scores it 0 anyway)</li>" in page
    assert (
        '<input type="checkbox" name="skip_unsupported" value="1" id="skip-unsupported" required>'
        " Leave out the 1 unsupported item and import the other 8"
    ) in page
    refused = confirm_in_background(client, pending.pk)
    assert "Nothing was imported" in refused
    assert Question.objects.count() == 0

    done = confirm_in_background(client, pending.pk, {"skip_unsupported": "1"})
    assert "Imported 8 questions (drafts credited to you)." in done
    types = sorted(Question.objects.values_list("latest_version__qtype", flat=True))
    assert types == [
        "emq", "multiple", "numerical", "short", "single", "truefalse", "truefalse", "truefalse",
    ]  # fmt: skip
