"""List views spend a fixed number of queries whatever the number of items."""

import pytest
from django.urls import reverse

from nearpeer.library.models import Status
from nearpeer.members.tests.factories import committee, teacher
from nearpeer.questions.tests.factories import tag

from .factories import make_resource

pytestmark = pytest.mark.django_db


def _arrange(n):
    cardiology = tag("Cardiology")
    for i in range(n):
        resource = make_resource(title=f"Guide {i}", tags=[cardiology])
        make_resource(title=f"Waiting {i}", status=Status.IN_REVIEW)
        resource.endorsed_by = resource.authors.get()
        resource.save()


@pytest.mark.parametrize("n", [1, 3])
def test_library_home(client, django_assert_num_queries, n):
    _arrange(n)
    client.force_login(teacher())
    with django_assert_num_queries(8):
        response = client.get(reverse("library:home"))
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [1, 3])
def test_review_list(client, django_assert_num_queries, n):
    _arrange(n)
    client.force_login(teacher())
    with django_assert_num_queries(5):
        response = client.get(reverse("library:review-list"))
    assert len(response.context["resources"]) == n


@pytest.mark.parametrize("n", [1, 3])
def test_figures(client, django_assert_num_queries, n):
    _arrange(n)
    client.force_login(committee())
    with django_assert_num_queries(5):
        response = client.get(reverse("library:figures"))
    assert len(response.context["page"].object_list) == n
