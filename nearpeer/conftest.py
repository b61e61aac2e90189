"""Suite-wide fixtures and the rules for tests that need real services.

Tests marked `postgres`, `redis` or `browser` skip when the service is missing, unless
NEARPEER_REQUIRE_SERVICES=1 (CI), which turns each such skip into a failure.
"""

import os
import shutil
import socket
import uuid
from urllib.parse import urlparse

import pytest

pytest_plugins = ["nearpeer.core.tests.browser"]

REQUIRE_SERVICES = os.environ.get("NEARPEER_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("NEARPEER_CHROMIUM", "/usr/bin/chromium")
REDIS_URL = os.environ.get("NEARPEER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (NEARPEER_REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _missing("needs PostgreSQL: run with DATABASE_URL=postgresql://… (make test does)")
    if item.get_closest_marker("redis") and not _reachable(REDIS_URL, 6379):
        _missing(f"needs Redis at {REDIS_URL}")
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


def pytest_sessionstart(session):
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres") and not _reachable(database_url, 5432):
        message = f"PostgreSQL at {urlparse(database_url).hostname} is not reachable"
        if REQUIRE_SERVICES:
            raise pytest.UsageError(message)
        os.environ["NEARPEER_POSTGRES_UNREACHABLE"] = message


def pytest_collection_modifyitems(config, items):
    message = os.environ.get("NEARPEER_POSTGRES_UNREACHABLE")
    for item in items:
        if message:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def redis_cache(settings, redis_url) -> str:
    """The default cache in the test Redis, as in production, under a key prefix of this test's
    own (returned)."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "nearpeer.core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    return prefix


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return CHROMIUM


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # Throttle counters live in the (per-process) cache: no test inherits another's attempts.
    from django.core.cache import cache

    cache.clear()
