"""A framed page (core.frames) is the page its template renders: for each kind of viewer, with
a query needing escaping, and a page with messages to show takes the template's way."""

import pytest
from django.urls import reverse

from nearpeer.core import csrf, frames
from nearpeer.members.models import Role
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher
from nearpeer.search import views as search_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def same_mask(monkeypatch):
    """The CSRF token's random mask fixed, so two renders of one page can be compared."""
    monkeypatch.setattr(csrf, "_random_indices", lambda n: bytes(range(n)))


def _page(client, params) -> str:
    response = client.get(reverse("search:results"), params)
    assert response.status_code in (200, 400)
    return response.content.decode()


@pytest.mark.parametrize(
    "make", [UserFactory, teacher, committee, faculty,
             lambda: UserFactory(roles=[Role.EVALUATION_LEAD], name="<Ann & \"Bo\">")],
)  # fmt: skip
@pytest.mark.parametrize("params", [{}, {"q": "heart"}, {"q": '<b>"x" & y\'s</b>', "page": "2"},
                                    {"q": "heart", "page": "99"}])  # fmt: skip
def test_a_framed_page_is_the_page_its_template_renders(client, monkeypatch, same_mask, make,
                                                        params):  # fmt: skip
    client.force_login(make())
    _page(client, {})  # the CSRF cookie set, as for any page after the first
    framed = _page(client, params)
    monkeypatch.setattr(search_views, "framed", lambda request, **kwargs: None)
    rendered = _page(client, params)
    assert framed == rendered
    assert "\ue000" not in framed


def test_a_request_with_messages_to_show_is_not_framed(rf):
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/search/")
    request.user = UserFactory()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    assert frames.framed(request, title="Search", content=lambda: "x") is not None
    messages.success(request, "Saved: your note.")
    assert frames.framed(request, title="Search", content=lambda: "x") is None


def test_the_frame_follows_the_society_name(client, settings):
    client.force_login(UserFactory())
    settings.NEARPEER_SOCIETY_NAME = "Hearts and Minds Society"
    assert "Hearts and Minds Society" in _page(client, {"q": "heart"})
    settings.NEARPEER_SOCIETY_NAME = "Another Society"
    html = _page(client, {"q": "heart"})
    assert "Another Society" in html and "Hearts and Minds" not in html
