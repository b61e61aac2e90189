"""Write → peer review → publish → faculty endorsement; error reports; use in a session; remix;
use counts; teacher-only resources never reaching members."""

import pytest
from django.urls import reverse

from nearpeer.library import services
from nearpeer.library.models import Audience, Licence, Resource, ResourceKind, Status
from nearpeer.members.tests.factories import UserFactory, faculty, teacher
from nearpeer.notifications.models import Notification
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .factories import make_resource, pdf_bytes

pytestmark = pytest.mark.django_db


def test_a_new_resource_is_a_draft_under_the_default_licence(client):
    author = teacher()
    client.force_login(author)
    response = client.post(
        reverse("library:resource-create"),
        {
            "kind": ResourceKind.CASE,
            "title": "Tutor case: syncope",
            "summary": "Three causes to tell apart.",
            "audience": Audience.TEACHERS,
            "licence": Licence.CC_BY_NC_SA,
        },
    )
    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == resource.get_absolute_url()
    assert (resource.status, resource.licence, resource.audience) == (
        Status.DRAFT, "CC BY-NC-SA 4.0", Audience.TEACHERS,
    )  # fmt: skip
    assert list(resource.authors.all()) == [author]
    assert Resource._meta.get_field("licence").default == "CC BY-NC-SA 4.0"


def test_review_publishes_and_endorsement_shows_a_badge(client):
    resource = make_resource(status=Status.DRAFT, title="Acid-base guide")
    author = resource.authors.get()
    services.submit_for_review(resource=resource, by=author)
    with pytest.raises(services.LibraryError):
        services.review_resource(resource=resource, by=author, approve=True)
    reviewer = teacher()
    services.review_resource(resource=resource, by=reviewer, approve=True)
    resource.refresh_from_db()
    assert (resource.status, resource.peer_reviewer) == (Status.PUBLISHED, reviewer)
    assert [v.change_note for v in resource.versions.all()] == ["First version"]

    partner = faculty(name="Dr Faye Partner")
    client.force_login(partner)
    response = client.post(reverse("library:resource-endorse", kwargs={"pk": resource.pk}))
    assert response.status_code == 302
    member = UserFactory()
    client.force_login(member)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Faculty-endorsed by Dr Faye Partner" in page
    titles = Notification.objects.filter(recipient=author).values_list("title", flat=True)
    assert sorted(titles) == [
        "“Acid-base guide” is published in the library",
        "“Acid-base guide” was endorsed by faculty",
    ]


def test_changes_asked_send_it_back_to_draft_with_the_note():
    resource = make_resource(status=Status.IN_REVIEW)
    with pytest.raises(services.LibraryError, match="Tell the authors what to change"):
        services.review_resource(resource=resource, by=teacher(), approve=False)
    services.review_resource(resource=resource, by=teacher(), approve=False, note="Cite NICE.")
    resource.refresh_from_db()
    assert (resource.status, resource.review_note) == (Status.DRAFT, "Cite NICE.")


def test_editing_a_published_resource_needs_a_change_note_and_records_a_version(client):
    resource = make_resource(title="Fluids")
    author = resource.authors.get()
    client.force_login(author)
    url = reverse("library:resource-edit", kwargs={"pk": resource.pk})
    data = {
        "kind": resource.kind, "title": "Fluids in adults", "summary": "Maintenance and resus.",
        "audience": resource.audience, "licence": resource.licence,
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert refused.context["form"].errors["change_note"] == [
        "Say what changed (change note): readers see it in the history."
    ]
    assert client.post(url, {**data, "change_note": "Adults only"}).status_code == 302
    resource.refresh_from_db()
    assert resource.title == "Fluids in adults"
    assert [(v.number, v.change_note) for v in resource.versions.all()] == [(1, "Adults only")]


def test_error_reports_reach_the_authors_without_saying_who(client):
    resource = make_resource(title="Antibiotics")
    author = resource.authors.get()
    reader = UserFactory(name="Rita Reader")
    client.force_login(reader)
    url = reverse("library:report-create", kwargs={"pk": resource.pk})
    assert client.post(url, {"text": "Gentamicin dose is per kg."}).status_code == 302
    note = Notification.objects.get(recipient=author)
    assert (note.title, note.body) == (
        "Error reported in “Antibiotics”",
        "Gentamicin dose is per kg.",
    )
    assert "Rita" not in note.title + note.body


def test_use_in_my_session_and_remix_with_credit(client):
    resource = make_resource(title="ECG basics", files={"ecg.pdf": pdf_bytes("Axis")})
    tutor = teacher()
    session = SessionFactory(title="ECG tutorial")
    SessionTeacher.objects.create(session=session, teacher=tutor)
    other = SessionFactory(title="Not mine")
    client.force_login(tutor)
    use = reverse("library:resource-use", kwargs={"pk": resource.pk})
    client.post(use, {"session": other.pk})
    assert list(resource.sessions.all()) == []
    client.post(use, {"session": session.pk})
    assert list(resource.sessions.all()) == [session]

    response = client.post(reverse("library:resource-remix", kwargs={"pk": resource.pk}))
    remix = Resource.objects.exclude(pk=resource.pk).get()
    assert response["Location"] == remix.get_absolute_url()
    original_author = resource.authors.get()
    assert (remix.status, remix.remixed_from, list(remix.authors.all())) == (
        Status.DRAFT, resource, [tutor],
    )  # fmt: skip
    assert remix.credit == f"Remixed from “ECG basics” by {original_author.name} (CC BY-NC-SA 4.0)"
    copy = remix.attachments.get()
    assert (copy.name, copy.text) == ("ecg.pdf", "Axis")
    assert copy.file.name != resource.attachments.get().file.name


def test_counts_views_and_downloads_not_who(client):
    resource = make_resource(files={"a.pdf": pdf_bytes("x")})
    author = resource.authors.get()
    client.force_login(author)
    client.get(resource.get_absolute_url())  # authors' own views do not count
    for _ in range(2):
        client.force_login(UserFactory())
        client.get(resource.get_absolute_url())
    attachment = resource.attachments.get()
    client.get(reverse("library:attachment-download", kwargs={"pk": attachment.pk}))
    resource.refresh_from_db()
    assert (resource.view_count, resource.download_count) == (2, 1)
    client.force_login(author)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Opened 2 times; files downloaded 1 time" in page


def test_teacher_only_resources_never_reach_members(client):
    make_resource(title="Mark scheme: OSCE chest", audience=Audience.TEACHERS)
    make_resource(title="Chest guide")
    client.force_login(UserFactory())
    listing = client.get(reverse("library:home")).content.decode()
    assert "Chest guide" in listing and "Mark scheme" not in listing
    client.force_login(teacher())
    listing = client.get(reverse("library:home")).content.decode()
    assert "Chest guide" in listing and "Mark scheme: OSCE chest" in listing
