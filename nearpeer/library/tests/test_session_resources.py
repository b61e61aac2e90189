"""A session's page lists the library resources used in it, each only to those who may open it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nearpeer.library import services
from nearpeer.library.models import Audience, Status
from nearpeer.members.tests.factories import UserFactory, teacher
from nearpeer.teaching.models import SessionTeacher
from nearpeer.teaching.tests.factories import SessionFactory

from .factories import make_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def used():
    """A session (for year 2) with an everyone-resource and a teacher-only one used in it."""
    session = SessionFactory(title="Chest pain tutorial", target_years_mask=1 << 2)
    tutor = teacher()
    SessionTeacher.objects.create(session=session, teacher=tutor)
    guide = make_resource(title="Chest pain guide")
    case = make_resource(title="Tutor case: chest pain", audience=Audience.TEACHERS)
    for resource in (guide, case):
        services.use_in_session(resource=resource, session=session, by=tutor)
    make_resource(title="Unrelated guide")  # published, not used in this session
    return session, tutor, guide, case


def listed(html: str) -> list[str]:
    section = html.split('id="library-resources"', 1)
    if len(section) == 1:
        return []
    items = section[1].split("</ul>", 1)[0]
    return [part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in items.split("<li>")[1:]]


def test_members_see_the_resources_used_but_not_teacher_only_ones(client, used):
    session, _, guide, _ = used
    client.force_login(UserFactory(year=2))
    html = client.get(reverse("teaching:session-detail", kwargs={"pk": session.pk})).content
    assert listed(html.decode()) == ["Chest pain guide"]
    assert f'<a href="{guide.get_absolute_url()}">' in html.decode()


def test_teachers_also_see_teacher_only_resources(client, used):
    session, tutor, _, case = used
    client.force_login(tutor)
    html = client.get(reverse("teaching:session-detail", kwargs={"pk": session.pk})).content
    assert listed(html.decode()) == ["Chest pain guide", "Tutor case: chest pain"]
    assert 'chest pain</a> <span class="muted">(Guide, teachers only)' in html.decode()


def test_a_session_with_no_library_resources_shows_no_list(client):
    session = SessionFactory(target_years_mask=1 << 2)
    client.force_login(UserFactory(year=2))
    html = client.get(reverse("teaching:session-detail", kwargs={"pk": session.pk})).content
    assert listed(html.decode()) == []


def test_a_resource_no_longer_published_is_not_listed(client, used):
    session, _, guide, _ = used
    guide.status = Status.IN_REVIEW
    guide.save(update_fields=["status"])
    client.force_login(UserFactory(year=2))
    html = client.get(reverse("teaching:session-detail", kwargs={"pk": session.pk})).content
    assert listed(html.decode()) == []


def test_the_list_costs_no_query_when_warm(client, used):
    session, _, _, _ = used
    client.force_login(UserFactory(year=2))
    url = reverse("teaching:session-detail", kwargs={"pk": session.pk})
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)

    def library(counted) -> int:
        return sum("library_resource" in q["sql"] for q in counted.captured_queries)

    # Cold: the session's published resources and their authors; warm: from the cache.
    assert (library(cold), library(warm)) == (2, 0)


def test_the_cached_list_changes_at_once_with_the_library(client, used):
    session, tutor, guide, case = used
    member = UserFactory(year=2)
    client.force_login(member)
    url = reverse("teaching:session-detail", kwargs={"pk": session.pk})
    assert listed(client.get(url).content.decode()) == ["Chest pain guide"]

    added = make_resource(title="Another guide")
    services.use_in_session(resource=added, session=session, by=tutor)
    guide.audience = Audience.TEACHERS
    guide.save()
    assert listed(client.get(url).content.decode()) == ["Another guide"]

    case.authors.add(member)  # an author sees their own teacher-only resource
    assert listed(client.get(url).content.decode()) == ["Another guide", "Tutor case: chest pain"]
    client.force_login(tutor)
    assert listed(client.get(url).content.decode()) == [
        "Another guide",
        "Chest pain guide",
        "Tutor case: chest pain",
    ]
