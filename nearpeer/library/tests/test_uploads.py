"""Uploads are judged by content and size, refused with messages that say why, and served only
through the permission check, as downloads."""

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nearpeer.library import files, services
from nearpeer.library.models import Attachment, Status

from .factories import docx_bytes, make_resource, pdf_bytes


@pytest.fixture
def draft(db):
    return make_resource(status=Status.DRAFT, title="Cardiology guide")


@pytest.fixture
def author_client(client, draft):
    client.force_login(draft.authors.get())
    return client


def upload(client, resource, name, data, **extra):
    url = reverse("library:attachment-add", kwargs={"pk": resource.pk})
    return client.post(url, {"file": SimpleUploadedFile(name, data), **extra})


def refusal(response) -> str:
    assert response.status_code == 400
    assert Attachment.objects.count() == 0
    return " ".join(response.context["form"].errors["file"])


def zip_bomb(unpacked_mb: int) -> bytes:
    """A zip laid out like a .docx whose document part unpacks to `unpacked_mb` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            chunk = bytes(1024 * 1024)
            for _ in range(unpacked_mb):
                part.write(chunk)
    return buffer.getvalue()


def test_a_renamed_program_is_refused(author_client, draft):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(512)
    message = refusal(upload(author_client, draft, "slides.pdf", program))
    assert message == (
        "“slides.pdf” is not a file type the library accepts: its content is a program "
        "(application/x-msdownload), whatever its name says. Accepted: PDF, Word (.docx), "
        "PowerPoint (.pptx), PNG, JPEG, GIF or WebP."
    )


def test_html_posing_as_pdf_is_refused(author_client, draft):
    page = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    message = refusal(upload(author_client, draft, "guide.pdf", page))
    assert "“guide.pdf” is not a file type the library accepts: its content is not a " in message
    assert "recognised document (for example text or a web page)" in message


def test_a_zip_bomb_posing_as_docx_is_refused_before_it_is_opened(author_client, draft):
    bomb = zip_bomb(30)
    assert len(bomb) < 100_000
    message = refusal(upload(author_client, draft, "notes.docx", bomb))
    assert message.startswith("“notes.docx” unpacks to 30 MB from ")
    assert message.endswith("(a “zip bomb”); refused before opening it.")


def test_an_archive_over_the_unpacked_limit_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_UNPACKED_BYTES", 1024 * 1024)
    data = docx_bytes(os.urandom(1_000_000).hex())  # hardly compressible: the size decides
    with pytest.raises(
        files.FileRefused, match="unpacks to 3 MB, more than the 1 MB the library reads"
    ):
        files.check_file(name="big.docx", data=data, max_bytes=50 * 1024 * 1024)


def test_an_oversized_file_is_refused(author_client, draft, settings):
    settings.NEARPEER_LIBRARY_MAX_UPLOAD_MB = 1
    data = pdf_bytes("Big") + bytes(1_700_000)
    message = refusal(upload(author_client, draft, "big.pdf", data))
    assert message == "“big.pdf” is 1.6 MB; the limit is 1 MB."


def test_a_name_with_folders_is_refused(draft):
    author = draft.authors.get()
    for name in ("../../etc/cron.d/x.pdf", "..\\boot.pdf", ".hidden.pdf"):
        with pytest.raises(files.FileRefused) as refused:
            services.add_attachment(resource=draft, by=author, name=name, data=pdf_bytes("x"))
        assert str(refused.value) == (
            f"“{name}” is not an acceptable file name: names may not contain folders, “..”, "
            "or start with a dot. Rename the file and try again."
        )
    assert Attachment.objects.count() == 0


def test_a_dotted_path_through_the_browser_is_stored_under_our_own_name(author_client, draft):
    # Django's upload parser already drops the folders; the file lands under a name we make.
    response = upload(author_client, draft, "../../evil.pdf", pdf_bytes("Murmurs"))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "evil.pdf"
    assert attachment.file.name.startswith(f"library/{draft.pk}/")
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".pdf")


def test_accepted_files_have_their_text_read_and_are_served_as_downloads(
    author_client, draft, client, django_user_model
):
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Austin Flint murmur"
    buffer = io.BytesIO()
    deck.save(buffer)
    for name, data in [
        ("guide.pdf", pdf_bytes("Graham Steell murmur")),
        ("notes.docx", docx_bytes("Carey Coombs murmur")),
        ("deck.pptx", buffer.getvalue()),
    ]:
        assert upload(author_client, draft, name, data).status_code == 302
    texts = dict(Attachment.objects.values_list("name", "text"))
    assert texts == {
        "guide.pdf": "Graham Steell murmur",
        "notes.docx": "Carey Coombs murmur",
        "deck.pptx": "Austin Flint murmur",
    }
    types = set(Attachment.objects.values_list("content_type", flat=True))
    assert types == {files.PDF, files.DOCX, files.PPTX}

    draft.status = Status.PUBLISHED
    draft.save()
    reader = django_user_model.objects.create_user(email="reader@example.ac.uk", password="x")
    client.force_login(reader)
    pdf = Attachment.objects.get(name="guide.pdf")
    response = client.get(reverse("library:attachment-download", kwargs={"pk": pdf.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="guide.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    draft.refresh_from_db()
    assert draft.download_count == 1
    pdf.file.storage.delete(pdf.file.name)
    response = client.get(reverse("library:attachment-download", kwargs={"pk": pdf.pk}))
    assert response.status_code == 404
