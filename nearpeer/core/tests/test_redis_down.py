"""Issue #8, finding 8: with Redis down, reports answered 500 while /healthz said 200."""

import socket

import pytest
from django.urls import reverse


def _closed_port() -> int:
    # A port nothing listens on: bind, read the number, close.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """Settings as in production with REDIS_URL, but nothing answers at that address."""
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return url


def test_healthz_names_the_dependency_that_is_down(client, db, redis_down):
    response = client.get(reverse("core:healthz"))

    assert (response.status_code, response.content.decode()) == (
        503,
        "unavailable\ndatabase: ok\nredis: down (ConnectionError)\n",
    )


def test_healthz_ready(client, db):
    response = client.get(reverse("core:healthz"))

    assert (response.status_code, response.content.decode()) == (200, "ok\ndatabase: ok\n")


@pytest.mark.redis
def test_healthz_with_a_working_redis(client, db, settings, redis_url):
    url = redis_url
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "h8b-healthz",
        }
    }

    response = client.get(reverse("core:healthz"))

    assert (response.status_code, response.content.decode()) == (
        200,
        "ok\ndatabase: ok\nredis: ok\n",
    )
