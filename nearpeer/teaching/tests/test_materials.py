import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory
from nearpeer.teaching.models import Material, MaterialView

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def _add(client, session, **data):
    url = reverse("teaching:material-create", kwargs={"pk": session.pk})
    return client.post(url, {"kind": "slides", "title": "Slides", **data})


def _media_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_teacher_uploads_pdf_and_member_downloads_it_as_attachment(
    client, session, lead_teacher, member
):
    client.force_login(lead_teacher)
    _add(client, session, upload=SimpleUploadedFile("week1.pdf", PDF, "application/pdf"))
    material = Material.objects.get()
    client.force_login(member)

    response = client.get(reverse("teaching:material-open", kwargs={"pk": material.pk}))

    assert (material.content_type, material.size_bytes) == ("application/pdf", len(PDF))
    assert response["Content-Disposition"].startswith('attachment; filename="week1')
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert list(MaterialView.objects.values_list("member_id", flat=True)) == [member.pk]


def test_png_is_accepted_by_content(client, session, lead_teacher):
    client.force_login(lead_teacher)

    _add(client, session, upload=SimpleUploadedFile("diagram.png", PNG, "image/png"))

    assert list(Material.objects.values_list("content_type", flat=True)) == ["image/png"]


def test_wrong_type_upload_is_refused_by_content_and_nothing_is_written(
    client, session, lead_teacher, settings
):
    client.force_login(lead_teacher)

    response = _add(
        client, session, upload=SimpleUploadedFile("notes.pdf", b"MZ\x90\x00" + b"\x00" * 60)
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "File: “notes.pdf” is not a file type we accept (its content is" in html
    assert (Material.objects.count(), _media_files(settings)) == (0, [])


def test_oversized_upload_is_refused_with_the_limit_and_nothing_is_written(
    client, session, lead_teacher, settings
):
    settings.NEARPEER_MAX_UPLOAD_MB = 1
    client.force_login(lead_teacher)
    big = PDF + b"0" * (1024 * 1024)

    response = _add(client, session, upload=SimpleUploadedFile("big.pdf", big))

    assert "“big.pdf” is 1.0 MB; the limit is 1 MB." in response.content.decode()
    assert (Material.objects.count(), _media_files(settings)) == (0, [])


def test_link_material_redirects_and_records_the_view_once(client, session, lead_teacher, member):
    client.force_login(lead_teacher)
    _add(client, session, kind="recording", url="https://video.example.org/rec1")
    material = Material.objects.get()
    client.force_login(member)
    url = reverse("teaching:material-open", kwargs={"pk": material.pk})

    first = client.get(url)
    client.get(url)

    assert first.headers["Location"] == "https://video.example.org/rec1"
    assert MaterialView.objects.filter(member=member).count() == 1


def test_file_and_link_together_are_refused(client, session, lead_teacher):
    client.force_login(lead_teacher)

    response = _add(
        client,
        session,
        url="https://example.org/x",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )

    assert "Give either a file or a link (one of the two)." in response.content.decode()
    assert Material.objects.count() == 0


def test_member_of_another_year_cannot_open_material(client, session):
    material = Material.objects.create(
        session=session, kind="slides", title="S", url="https://e.org/"
    )
    client.force_login(UserFactory(year=5))

    response = client.get(reverse("teaching:material-open", kwargs={"pk": material.pk}))

    assert (response.status_code, MaterialView.objects.count()) == (404, 0)


def test_far_oversized_upload_is_refused_before_the_body_is_read(
    client, session, lead_teacher, settings
):
    settings.NEARPEER_MAX_UPLOAD_MB = 1
    client.force_login(lead_teacher)

    response = _add(client, session, upload=SimpleUploadedFile("huge.mp4", b"0" * 3 * 1024 * 1024))

    assert response.status_code == 413
    assert "The file is larger than the limit of 1 MB." in response.content.decode()
    assert (Material.objects.count(), _media_files(settings)) == (0, [])


def test_teacher_removes_an_uploaded_material_and_its_file(
    client, session, lead_teacher, settings, django_capture_on_commit_callbacks
):
    client.force_login(lead_teacher)
    _add(client, session, upload=SimpleUploadedFile("wrong.pdf", PDF))
    material = Material.objects.get()
    assert len(_media_files(settings)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teaching:material-delete", kwargs={"pk": material.pk}), follow=True
        )

    assert "“Slides” removed from “Cardiac cycle”." in response.content.decode()
    assert (Material.objects.count(), _media_files(settings)) == (0, [])
