"""Cheaper pages without other behaviour: the header's search box rendered once per process
(core.context_processors.header_search) and request.user made concrete once the sign-in check
has run (core.middleware.LoginRequiredMiddleware)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from nearpeer.core.context_processors import header_search
from nearpeer.core.middleware import LoginRequiredMiddleware
from nearpeer.members.models import User
from nearpeer.members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _box(html: str) -> str:
    return html.split('id="header-search-q"', 1)[1].split(">", 1)[0]


def test_the_search_box_is_empty_on_pages_without_a_query(client):
    client.force_login(UserFactory())
    html = client.get(reverse("teaching:timetable"), {"q": ""}).content.decode()
    assert 'value=""' in _box(html)


def test_the_search_box_shows_the_query_escaped_and_only_on_that_request(client):
    client.force_login(UserFactory())
    first = client.get(reverse("teaching:timetable"), {"q": 'heart <b>"murmur"'})
    then = client.get(reverse("teaching:timetable"))
    assert 'value="heart &lt;b&gt;&quot;murmur&quot;"' in _box(first.content.decode())
    assert 'value=""' in _box(then.content.decode())


def test_the_cached_box_is_the_template_rendered_without_a_query():
    rendered = header_search(RequestFactory().get("/"))
    assert 'action="/search/"' in rendered and 'value=""' in rendered
    assert header_search(RequestFactory().get("/")) == rendered
    assert 'value="x"' in header_search(RequestFactory().get("/", {"q": "x"}))


def _run(user, view) -> object:
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: user)
    middleware = LoginRequiredMiddleware(lambda r: HttpResponse())
    response = middleware.process_view(request, view, (), {})
    return request, response


def _needs_login(request):
    return HttpResponse()


def test_a_signed_in_request_carries_the_user_itself_after_the_check():
    member = UserFactory()
    request, response = _run(member, _needs_login)
    assert response is None
    assert type(request.user) is User and request.user is member


def test_an_anonymous_request_is_still_sent_to_sign_in():
    request, response = _run(AnonymousUser(), _needs_login)
    assert response.status_code == 302 and reverse("members:login") in response["Location"]
    assert type(request.user) is AnonymousUser


def test_a_pages_fragments_and_the_members_roles_are_read_together():
    from nearpeer.members.models import Role, RoleGrant, fragments_with_roles

    member = UserFactory()
    RoleGrant.objects.create(user=member, role=Role.FACULTY)
    fresh = User.objects.get(pk=member.pk)

    assert fragments_with_roles(fresh, [("t:page", ("test-page",), lambda: "html")]) == ["html"]
    assert fresh.__dict__["roles"] == frozenset({Role.FACULTY})
    # Read already: not asked for again; the anonymous have none to read.
    assert fragments_with_roles(fresh, [("t:page", ("test-page",), lambda: "x")]) == ["html"]
    assert fragments_with_roles(AnonymousUser(), [("t:page", ("test-page",), lambda: 1)]) == [
        "html"
    ]
    lazy = SimpleLazyObject(lambda: User.objects.get(pk=member.pk))
    fragments_with_roles(lazy, [])
    assert lazy.roles == frozenset({Role.FACULTY}) and "roles" in lazy._wrapped.__dict__
