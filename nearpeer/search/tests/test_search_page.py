"""The search page: works without JavaScript, answers HTMX with the results only, spends a fixed
number of queries, and the header box is on every page."""

import pytest
from django.db import connection
from django.urls import reverse

from nearpeer.library.tests.factories import make_resource
from nearpeer.members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [1, 3])
def test_results_page_query_count(client, django_assert_num_queries, n):
    for i in range(n):
        make_resource(title=f"Bradycardia {i}", summary="Slow heart rates and atropine.")
    client.force_login(UserFactory())
    # Session, user; one statement for the user's roles, the tags of the filter, the sessions
    # one teaches or holds a place in and the index's version; exact title matches; the title
    # tier's page (empty here); the other tier's page with snippets (SQLite; each page one
    # statement with its candidates' bound). On PostgreSQL the exact title matches and the
    # title tier are one statement.
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 6):
        response = client.get(reverse("search:results"), {"q": "atropine"})
    assert len(response.context["page"].results) == n
    assert response.content.decode().count('class="search-result"') == n
    # The same search again, by another member who may open the same things: from the cache.
    client.force_login(UserFactory())
    with django_assert_num_queries(3):
        response = client.get(reverse("search:results"), {"q": "atropine"})
    assert response.content.decode().count('class="search-result"') == n


def test_htmx_gets_only_the_results(client):
    make_resource(title="Atrial fibrillation", summary="Rate or rhythm.")
    client.force_login(UserFactory())
    response = client.get(reverse("search:results"), {"q": "fibrillation"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html
    assert '<a href="/library/' in html and "Atrial fibrillation" in html


def test_header_box_on_every_page_submits_without_javascript(client):
    client.force_login(UserFactory())
    for name in ("teaching:home", "library:home", "questions:home"):
        html = client.get(reverse(name)).content.decode()
        assert '<form method="get" action="/search/" class="header-search" role="search"' in html
        assert 'name="q" id="header-search-q"' in html


def test_an_overlong_query_is_refused_with_a_message(client):
    client.force_login(UserFactory())
    response = client.get(reverse("search:results"), {"q": "a" * 201})
    assert response.status_code == 400
    assert response.context["form"].errors["q"] == [
        "Ensure this value has at most 200 characters (it has 201)."
    ]


def test_the_tag_filter_keeps_the_chosen_tag_and_escapes_names(client):
    from nearpeer.questions.tests.factories import tag

    chosen, other = tag("Cardiology"), tag("<b>Renal</b>")
    client.force_login(UserFactory())
    html = client.get(reverse("search:results"), {"q": "murmur", "tag": chosen.pk}).content
    html = html.decode()
    assert f'<option value="{chosen.pk}" selected>Cardiology</option>' in html
    assert f'<option value="{other.pk}">&lt;b&gt;Renal&lt;/b&gt;</option>' in html


def test_the_header_list_has_no_snippets_and_the_page_has_them(client, settings):
    settings.NEARPEER_SEARCH_CACHE_SECONDS = 0
    make_resource(title="Heart block", summary="Complete heart block needs pacing.")
    client.force_login(UserFactory())
    header = client.get(
        reverse("search:results"), {"q": "pacing", "from": "header"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Heart block" in header and 'class="snippet"' not in header
    page = client.get(reverse("search:results"), {"q": "pacing"}).content.decode()
    assert '<p class="snippet">Complete heart block needs <mark>pacing</mark>.' in page


def test_the_page_reads_held_sessions_with_the_filters_tags_and_never_shares_them(client):
    """The sessions one holds a place in, the tags and the index version come in one statement:
    a held invite-only session shows on the page of its holder only, whoever searches first,
    and the tags are listed in order."""
    from datetime import timedelta

    from django.utils import timezone

    from nearpeer.questions.tests.factories import tag
    from nearpeer.teaching.models import Registration
    from nearpeer.teaching.tests.factories import SessionFactory

    tag("Renal"), tag("Cardiology")
    start = timezone.now() + timedelta(days=2)
    invited = SessionFactory(
        title="Syncope small group", target_years_mask=0, starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip
    holder, other = UserFactory(year=2), UserFactory(year=2)
    Registration.objects.create(session=invited, member=holder, status="registered")
    for user, shown in ((other, False), (holder, True), (other, False)):
        client.force_login(user)
        html = client.get(reverse("search:results"), {"q": "syncope"}).content.decode()
        assert ("Syncope small group" in html) is shown
        assert html.index(">Cardiology</option>") < html.index(">Renal</option>")


def test_an_unknown_tag_is_refused_on_the_page_and_finds_nothing_as_you_type(client):
    make_resource(title="Murmurs", summary="Listen at the apex.")
    client.force_login(UserFactory())
    response = client.get(reverse("search:results"), {"q": "murmurs", "tag": 987654})
    assert response.status_code == 400
    assert response.context["form"].errors["tag"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert 'class="search-result"' not in response.content.decode()
    partial = client.get(
        reverse("search:results"), {"q": "murmurs", "tag": 987654}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'class="search-result"' not in partial
    assert client.get(reverse("search:results"), {"q": "murmurs", "tag": "x"}).status_code == 400
