"""The CSRF token every page shows (core.csrf): Django's check accepts it, each page gets a
new mask, and a request without the cookie still gets one set."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string, _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from nearpeer.core.csrf import _random_indices, mask
from nearpeer.members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def test_mask_is_djangos_cipher_with_a_new_mask_each_time():
    secret = _get_new_csrf_string()
    tokens = {mask(secret) for _ in range(50)}

    assert len(tokens) == 50
    assert all(len(t) == 64 and _unmask_cipher_token(t) == secret for t in tokens)
    assert max(_random_indices(5000)) < 62


def _page_token(client) -> tuple[str, object]:
    response = client.get(reverse("teaching:timetable"))
    assert response.status_code == 200
    return TOKEN.search(response.content.decode()).group(1), response


def test_the_pages_token_signs_out_and_a_wrong_one_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    _page_token(client)  # the first page sets the cookie (force_login sets none)
    token, response = _page_token(client)
    header = response.content.decode().split('hx-headers=\'{"X-CSRFToken": "', 1)[1][:64]
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value

    assert _unmask_cipher_token(token) == secret == _unmask_cipher_token(header)
    # The cookie the browser holds is not sent again with every page.
    assert settings.CSRF_COOKIE_NAME not in response.cookies

    wrong = mask(_get_new_csrf_string())
    refused = client.post(reverse("members:logout"), {"csrfmiddlewaretoken": wrong})
    signed_out = client.post(reverse("members:logout"), {"csrfmiddlewaretoken": token})
    assert (refused.status_code, signed_out.status_code) == (403, 302)


def test_a_request_without_the_cookie_gets_one_with_the_page():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    token, response = _page_token(client)

    cookie = response.cookies[settings.CSRF_COOKIE_NAME].value
    assert _unmask_cipher_token(token) == cookie
