"""The cached question pages (nearpeer.core.cache.fragment): a write to anything they show is
seen at once, and no member sees another member's part."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from nearpeer.core.tests.redis_commands import redis_commands
from nearpeer.members.tests.factories import UserFactory
from nearpeer.questions import services
from nearpeer.questions.models import Status

from .factories import OPTIONS, make_question, tag

pytestmark = pytest.mark.django_db


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_practise_page_shows_a_new_published_version_at_once(client, published):
    url = reverse("questions:question-practise", args=[published.pk])
    client.force_login(UserFactory(year=3))
    before = _get(client, url)

    services.save_question(
        author=published.author,
        question=published,
        content={
            "title": "Inferior STEMI",
            "qtype": "single",
            "stem": "A new stem about the inferior leads.",
            "options": OPTIONS,
            "explanation": "Inferior leads.",
            "references": "",
        },
        tags=[tag()],
        years=[3],
        blind_review=True,
    )
    published.refresh_from_db()
    published.published_version = published.latest_version
    published.save()
    after = _get(client, url)

    assert "ST elevation in II, III and aVF" in before
    assert "A new stem about the inferior leads." in after
    assert "ST elevation in II, III and aVF" not in after


@override_settings(NEARPEER_MIN_GROUP_SIZE=2)
def test_the_practise_page_shows_ratings_as_they_come(client, published):
    url = reverse("questions:question-practise", args=[published.pk])
    raters = UserFactory.create_batch(2, year=3)
    client.force_login(raters[0])
    before = _get(client, url)

    for rater in raters:
        services.rate_question(member=rater, question=published, quality=4, difficulty=2)
    after = _get(client, url)

    assert "quality" not in before
    assert "quality 4.0/5, difficulty 2.0/5 (2 ratings)" in after


def test_the_practise_page_shows_a_renamed_tag_and_author(client, published):
    url = reverse("questions:question-practise", args=[published.pk])
    client.force_login(UserFactory(year=3))
    _get(client, url)

    services.rename_tag(tag=published.tags.get(), name="Cardiac")
    published.author.name = "Renamed Author"
    published.author.save(update_fields=["name"])
    after = _get(client, url)

    assert '<span class="badge">Cardiac</span>' in after
    assert "Written by Renamed Author" in after


def test_each_member_sees_only_their_own_questions_on_the_bank_page(client):
    ada, bea = UserFactory(year=3), UserFactory(year=3)
    make_question(author=ada, title="Ada's question", status=Status.DRAFT)
    make_question(author=bea, title="Bea's question", status=Status.DRAFT)

    client.force_login(ada)
    as_ada = _get(client, reverse("questions:home"))
    client.force_login(bea)
    as_bea = _get(client, reverse("questions:home"))

    assert "Ada&#x27;s question" in as_ada and "Bea&#x27;s question" not in as_ada
    assert "Bea&#x27;s question" in as_bea and "Ada&#x27;s question" not in as_bea


def test_the_bank_page_shows_new_questions_tags_and_statuses_at_once(client):
    author = UserFactory(year=3)
    mine = make_question(author=author, status=Status.DRAFT)
    client.force_login(author)
    before = _get(client, reverse("questions:home"))

    make_question(title="Another")  # published by someone else
    tag("Neurology")
    mine.status = Status.SUBMITTED
    mine.save(update_fields=["status"])
    after = _get(client, reverse("questions:home"))

    assert "0 published questions." in before and "1 published question." in after
    assert "Neurology" not in before and "Neurology" in after
    assert mine.get_status_display() in after


def test_practise_queries_are_constant_when_warm(client, published, django_assert_num_queries):
    url = reverse("questions:question-practise", args=[published.pk])
    client.force_login(UserFactory(year=3))
    _get(client, url)

    # Session, user, the question (for the permission); roles from the cache.
    with django_assert_num_queries(3):
        html = _get(client, url)

    assert "ST elevation in II, III and aVF" in html and "csrfmiddlewaretoken" in html


def test_the_bank_page_counts_due_cards_at_once_and_only_the_members_own(client):
    ada, bea = UserFactory(year=3), UserFactory(year=3)
    question = make_question(title="Due later")
    client.force_login(ada)
    before = _get(client, reverse("questions:home"))

    services.add_to_review_queue(
        member=ada, question=question, when=timezone.now() - timedelta(days=30)
    )
    as_ada = _get(client, reverse("questions:home"))
    client.force_login(bea)
    as_bea = _get(client, reverse("questions:home"))

    assert "Nothing due right now." in before
    assert "1 question due now." in as_ada
    assert "Nothing due right now." in as_bea


def test_bank_page_queries_are_constant_when_warm(client, django_assert_num_queries):
    member = UserFactory(year=3)
    for n in range(3):
        make_question(author=member, title=f"Mine {n}", status=Status.DRAFT)
    client.force_login(member)
    _get(client, reverse("questions:home"))

    # Session and user; the shared part, the member's questions and due times from the cache.
    with django_assert_num_queries(2):
        html = _get(client, reverse("questions:home"))

    assert "Mine 2" in html and "Nothing due right now." in html


@pytest.mark.redis
def test_practise_and_bank_pages_read_the_cache_once_when_warm(client, published, redis_cache):
    practise = reverse("questions:question-practise", args=[published.pk])
    client.force_login(UserFactory(year=3))
    _get(client, practise), _get(client, reverse("questions:home"))  # cold
    reads = {}
    for url in (practise, reverse("questions:home")):
        with redis_commands() as reads[url]:
            html = _get(client, url)
        assert published.published_version.title in html or "Question bank" in html
    # The member's roles (which the permissions ask for) with the page's fragments.
    assert reads == {practise: ["MGET"], reverse("questions:home"): ["MGET"]}
