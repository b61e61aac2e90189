from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from nearpeer.core.models import BackgroundJob
from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory

GOOD = "email,name,year\nnew@x.org,New Person,1\nold@x.org,Old Renamed,3\nsame@x.org,Same,2\n"


@pytest.fixture
def existing(db):
    UserFactory(email="old@x.org", name="Old Name", year=2)
    UserFactory(email="same@x.org", name="Same", year=2)


def people() -> list[tuple]:
    return list(User.objects.order_by("email").values_list("email", "name", "year"))


def test_import_command_creates_updates_and_summarises(tmp_path, existing):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    out = StringIO()

    call_command("members", "import", str(path), stdout=out)

    assert out.getvalue() == "Imported 3 row(s): 1 new, 1 updated, 1 unchanged.\n"
    assert people() == [
        ("new@x.org", "New Person", 1),
        ("old@x.org", "Old Renamed", 3),
        ("same@x.org", "Same", 2),
    ]
    assert User.objects.get(email="new@x.org").has_usable_password() is False


def test_import_command_dry_run_writes_nothing(tmp_path, existing):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD)
    before = people()
    out = StringIO()

    call_command("members", "import", str(path), "--dry-run", stdout=out)

    assert out.getvalue() == "Would import 3 row(s): 1 new, 1 updated, 1 unchanged.\n"
    assert people() == before


def test_import_command_bad_rows_import_nothing(tmp_path, existing):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD + "bad,Bad,9\n")
    before, err = people(), StringIO()

    with pytest.raises(CommandError, match=r"^2 problem\(s\) found; nothing was imported\.$"):
        call_command("members", "import", str(path), stderr=err)

    assert err.getvalue().splitlines() == [
        f"{path}: Line 5, column email: 'bad' is not an email address",
        f"{path}: Line 5, column year: year must be a whole number 1–6, not '9'",
    ]
    assert people() == before


def test_import_command_missing_file_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("members", "import", str(tmp_path / "nope.csv"))


def upload(text: str | bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_roster_ui_preview_then_confirm(
    client, chair, existing, django_capture_on_commit_callbacks
):
    client.force_login(chair)

    preview = client.post(reverse("members:roster-import"), {"file": upload(GOOD)})

    assert people() == [
        ("cara@example.ac.uk", "Cara Chair", 4),
        ("old@x.org", "Old Name", 2),
        ("same@x.org", "Same", 2),
    ]
    plan = preview.context["plan"]
    assert [(r.line, action) for r, action in plan.actions()] == [
        (2, "new member"),
        (3, "update (was Old Name, year 2)"),
        (4, "no change"),
    ]
    assert "Preview: nothing is saved yet" in preview.content.decode()

    # The import itself is a background job (core/jobs.py); here the task runs at commit.
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("members:roster-confirm"), {"digest": preview.context["digest"]}
        )
    job = BackgroundJob.objects.get()
    done = client.get(started.headers["Location"]).content.decode()

    assert started.headers["Location"] == reverse("core:job-detail", args=[job.pk])
    assert (job.status, job.upload.name) == ("done", "")  # the uploaded copy is gone
    assert "<li>Roster imported: 1 new, 1 updated, 1 unchanged.</li>" in done
    assert f'<a href="{reverse("members:member-list")}">Back to the members</a>' in done
    assert ("new@x.org", "New Person", 1) in people()
    assert ("old@x.org", "Old Renamed", 3) in people()


def test_roster_ui_errors_listed_and_nothing_saved(client, chair, existing):
    client.force_login(chair)
    before = people()

    response = client.post(
        reverse("members:roster-import"), {"file": upload("email,name,year\nx@y.org,,0\n")}
    )

    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column name: missing name",
        "Line 2, column year: year must be a whole number 1–6, not '0'",
    ]
    assert "Nothing was imported" in response.content.decode()
    assert people() == before


def test_roster_ui_rejects_oversized_upload(client, chair, settings):
    client.force_login(chair)
    big = "email,name,year\n" + "a@x.org,A,1\n" * 90_000

    response = client.post(reverse("members:roster-import"), {"file": upload(big)})

    assert response.context["form"].errors == {
        "file": [f"The file is {len(big):,} bytes; the limit is 1,000,000 bytes."]
    }
    assert User.objects.count() == 1


def test_roster_confirm_with_stale_digest_imports_nothing(client, chair):
    client.force_login(chair)
    client.post(reverse("members:roster-import"), {"file": upload(GOOD)})

    response = client.post(reverse("members:roster-confirm"), {"digest": "0" * 64}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "That preview is out of date (another upload replaced it). Upload again."
    ]
    assert User.objects.count() == 1


def test_import_matches_existing_email_without_case(tmp_path, db):
    UserFactory(email="Mixed@X.org", name="Mixed", year=1)
    path = tmp_path / "roster.csv"
    path.write_text("email,name,year\nmixed@x.org,Mixed Case,2\n")

    call_command("members", "import", str(path), stdout=StringIO())

    assert people() == [("mixed@x.org", "Mixed Case", 2)]
