"""List pages run the same number of queries for 1 and 3 rows."""

import pytest
from django.urls import reverse

from nearpeer.members.tests.factories import UserFactory, committee, teacher
from nearpeer.questions import services
from nearpeer.questions.models import PaperStatus, Status

from .factories import make_question, tag


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_home_lists_my_questions_in_constant_queries(client, django_assert_num_queries, rows):
    author = UserFactory()
    for n in range(rows):
        make_question(
            author=author, status=Status.DRAFT, tags=[tag(), tag(f"System {n}", "system")]
        )
    client.force_login(author)
    url = reverse("questions:home")
    # Cold: session, user, the due times, roles, the published count, three tag lists for
    # the filter form, my questions and their tags. Warm: session and user; the cached parts
    # (roles and due times too) cost nothing.
    with django_assert_num_queries(10):
        response = client.get(url)
    with django_assert_num_queries(2):
        warm = client.get(url)
    assert response.content.decode().count('<td><a href="/questions/') == rows
    assert warm.content.decode().count('<td><a href="/questions/') == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_review_list_in_constant_queries(client, django_assert_num_queries, rows):
    for _ in range(rows):
        make_question(status=Status.SUBMITTED, blind_review=False)
    client.force_login(teacher())
    with django_assert_num_queries(5):
        response = client.get(reverse("questions:review-list"))
    assert response.content.decode().count("Submitted for review") == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_paper_list_in_constant_queries(client, django_assert_num_queries, rows):
    boss = committee()
    make_question(tags=[tag()])
    member = UserFactory()
    for n in range(rows):
        paper = services.build_paper_from_blueprint(
            title=f"Mock {n}", by=boss, blueprint={tag(): 1}, duration_minutes=20
        )
        services.set_paper_status(paper=paper, status=PaperStatus.OPEN)
        services.start_sitting(paper=paper, candidate=member)
    client.force_login(member)
    with django_assert_num_queries(5):
        response = client.get(reverse("questions:paper-list"))
    assert response.content.decode().count(">Resume<") == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_queue_home_in_constant_queries(client, django_assert_num_queries, rows):
    from datetime import timedelta

    from django.utils import timezone

    member = UserFactory()
    for _ in range(rows):
        services.add_to_review_queue(
            member=member, question=make_question(), when=timezone.now() + timedelta(days=1)
        )
    client.force_login(member)
    with django_assert_num_queries(6):
        response = client.get(reverse("questions:queue-home"))
    assert response.content.decode().count("<li>Q") == rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_paper_detail_in_constant_queries(client, django_assert_num_queries, rows):
    boss = committee()
    for n in range(rows):
        make_question(tags=[tag(), tag(f"System {n}", "system")])
    paper = services.build_paper_from_blueprint(
        title="Mock", by=boss, blueprint={tag(): rows}, duration_minutes=20
    )
    client.force_login(boss)
    with django_assert_num_queries(7):
        response = client.get(reverse("questions:paper-detail", kwargs={"pk": paper.pk}))
    assert response.content.decode().count(" v1 · ") == rows
