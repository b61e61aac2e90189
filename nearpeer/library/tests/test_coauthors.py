"""Co-authors: the first author adds and removes them from the member list; co-authors edit the
resource and see its use figures; a co-author may leave; the first author stays."""

import pytest
from django.urls import reverse

from nearpeer.library import services
from nearpeer.library.models import Status
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher
from nearpeer.notifications.models import Notification
from nearpeer.search import index

from .factories import make_resource

pytestmark = pytest.mark.django_db


def authors_url(resource) -> str:
    return reverse("library:resource-authors", kwargs={"pk": resource.pk})


def remove_url(resource, user) -> str:
    return reverse("library:author-remove", kwargs={"pk": resource.pk, "user_pk": user.pk})


def test_the_first_author_adds_a_co_author_who_can_edit_and_see_figures(client):
    resource = make_resource(title="Fluids guide", status=Status.PUBLISHED)
    lead = resource.authors.get()
    helper = teacher(name="Cora Author", email="cora@example.ac.uk")
    client.force_login(lead)
    page = client.get(authors_url(resource)).content.decode()
    assert '<option value="cora@example.ac.uk">Cora Author</option>' in page

    response = client.post(authors_url(resource), {"email": "CORA@example.ac.uk"})
    assert (response.status_code, response["Location"]) == (302, authors_url(resource))
    assert set(resource.authors.all()) == {lead, helper}
    note = Notification.objects.get(recipient=helper)
    assert note.title == f"{lead.name} added you as a co-author of “Fluids guide”"
    assert note.url == resource.get_absolute_url()

    client.force_login(helper)
    detail = client.get(resource.get_absolute_url()).content.decode()
    assert "Opened 0 times; files downloaded 0 times" in detail
    assert reverse("library:resource-edit", kwargs={"pk": resource.pk}) in detail
    edit = client.get(reverse("library:resource-edit", kwargs={"pk": resource.pk}))
    assert edit.status_code == 200
    # The index follows: the co-author's name finds the resource.
    assert [r.title for r in index.search(UserFactory(), "Cora").results] == ["Fluids guide"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.ac.uk", "No member has the email address nobody@example.ac.uk."),
        ("plain@example.ac.uk", "Pat Plain cannot be a co-author: co-authors are "
         "student-teachers, committee members or faculty partners."),
        ("lead@example.ac.uk", "Lee Lead is already an author."),
    ],
)  # fmt: skip
def test_a_co_author_who_cannot_be_added_gets_a_message_naming_why(client, email, message):
    lead = teacher(name="Lee Lead", email="lead@example.ac.uk")
    resource = make_resource(author=lead, status=Status.DRAFT)
    UserFactory(name="Pat Plain", email="plain@example.ac.uk")
    client.force_login(lead)
    response = client.post(authors_url(resource), {"email": email})
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [message]
    assert list(resource.authors.all()) == [lead]


def test_committee_and_faculty_may_be_co_authors():
    resource = make_resource(status=Status.DRAFT)
    lead = resource.authors.get()
    for person in (committee(email="c@example.ac.uk"), faculty(email="f@example.ac.uk")):
        services.add_coauthor(resource=resource, by=lead, email=person.email)
    assert resource.authors.count() == 3


def test_only_the_first_author_adds_or_removes_others(client):
    resource = make_resource(status=Status.DRAFT)
    lead = resource.authors.get()
    second, third = teacher(), teacher(email="third@example.ac.uk")
    services.add_coauthor(resource=resource, by=lead, email=second.email)
    services.add_coauthor(resource=resource, by=lead, email=third.email)
    client.force_login(second)
    page = client.get(authors_url(resource)).content.decode()
    assert "Add a co-author" not in page and "Stop being an author" in page
    assert client.post(authors_url(resource), {"email": "x@example.ac.uk"}).status_code == 404
    assert client.post(remove_url(resource, third)).status_code == 404
    assert client.post(remove_url(resource, lead)).status_code == 404
    with pytest.raises(services.LibraryError, match="Only the first author can add co-authors."):
        services.add_coauthor(resource=resource, by=second, email="x@example.ac.uk")
    assert resource.authors.count() == 3

    client.force_login(lead)
    response = client.post(remove_url(resource, third))
    assert (response.status_code, response["Location"]) == (302, authors_url(resource))
    assert set(resource.authors.all()) == {lead, second}
    # Removed: no more editing.
    client.force_login(third)
    edit = client.get(reverse("library:resource-edit", kwargs={"pk": resource.pk}))
    assert edit.status_code == 404


def test_a_co_author_may_leave_but_the_first_author_stays(client):
    resource = make_resource(status=Status.DRAFT)
    lead = resource.authors.get()
    second = teacher()
    services.add_coauthor(resource=resource, by=lead, email=second.email)
    client.force_login(lead)
    response = client.post(remove_url(resource, lead), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "The first author stays an author of their resource."
    ]
    client.force_login(second)
    response = client.post(remove_url(resource, second))
    assert (response.status_code, response["Location"]) == (302, reverse("library:home"))
    assert list(resource.authors.all()) == [lead]


def test_the_authors_page_query_count(client, django_assert_num_queries):
    resource = make_resource(status=Status.DRAFT)
    lead = resource.authors.get()
    for _ in range(3):
        teacher()
    client.force_login(lead)
    # Session, user, roles, resource, its authors, the first author, candidates.
    with django_assert_num_queries(7):
        response = client.get(authors_url(resource))
    assert len(response.context["candidates"]) == 3
