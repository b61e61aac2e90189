"""Every URL × every role, from the same data. A URL with no entry fails the suite."""

import contextlib
import copy
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from nearpeer.core.hooks import app_modules
from nearpeer.core.tests.access import LOGIN, ROLES
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher

EXCLUDED_NAMESPACES = {"admin"}  # Django's admin checks is_staff itself.


MODULES = [module for _, module in app_modules("tests.access_cases")]
CASES = [(module, case) for module in MODULES for case in module.CASES]


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXCLUDED_NAMESPACES:
                continue
            child = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _named_urls(pattern, child)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_a_matrix_entry():
    covered = {case.url_name for _, case in CASES}
    missing = sorted(set(_named_urls()) - covered)
    assert missing == []


def _new_world(module) -> SimpleNamespace:
    world = SimpleNamespace(
        member=UserFactory(year=2, email="member@example.ac.uk"),
        other_member=UserFactory(year=2, email="other@example.ac.uk"),
        teacher=teacher(email="teacher@example.ac.uk"),
        committee=committee(email="committee@example.ac.uk"),
        faculty=faculty(email="faculty@example.ac.uk"),
    )
    if hasattr(module, "arrange"):
        module.arrange(world)
    return world


@pytest.fixture(scope="module")
def _matrix_media(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, _matrix_media):
    """Files that an app's world holds outlive one test, as its rows do (below)."""
    settings.MEDIA_ROOT = _matrix_media


@pytest.fixture(scope="module")
def _worlds(django_db_setup, django_db_blocker):
    """Each app's world, built once for all of its cases (about 30 × 5 tests), as Django's
    setUpTestData does: inside an outer transaction, which each test's own (the `db` fixture's)
    nests in and rolls back to. The outer one is rolled back when the next app's cases start
    and when the module ends (pytest ends it before any other module's test runs, so no other
    test sees these rows)."""
    from django.db import transaction

    held = {"module": None, "atomic": None, "world": None}

    def close() -> None:
        if held["atomic"] is not None:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                held["atomic"].__exit__(None, None, None)
        held.update(module=None, atomic=None, world=None)

    def world_for(module) -> SimpleNamespace:
        if held["module"] is not module:
            close()
            with django_db_blocker.unblock():
                atomic = transaction.atomic()
                atomic.__enter__()
                held["atomic"] = atomic
                try:
                    held["world"] = _new_world(module)
                except BaseException:
                    close()
                    raise
                held["module"] = module
        return held["world"]

    yield world_for
    close()


@pytest.fixture
def world(request, _worlds, module):
    built = _worlds(module)
    # The test's transaction, inside the world's: `db` is named last in the test's arguments
    # (so the test database is set up) and is first set up here, after the world.
    request.getfixturevalue("db")
    # A copy per test, as setUpTestData gives: what one test changes on these Python objects
    # (e.g. force_login's last_login) is not seen by the next.
    # (A value that cannot be copied, e.g. one holding a module, is shared as it is.)
    copied, memo = SimpleNamespace(), {}
    for name, value in vars(built).items():
        with contextlib.suppress(TypeError):
            value = copy.deepcopy(value, memo)
        setattr(copied, name, value)
    return copied


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("module", "case"), CASES, ids=[c.id for _, c in CASES])
def test_access(world, client, module, case, role, db):
    if role != "anonymous":
        client.force_login(getattr(world, role))
    url = reverse(case.url_name, kwargs=case.kwargs(world))
    response = getattr(client, case.method)(url, case.data(world))
    expected = case.expect[role]
    if expected == LOGIN:
        assert (response.status_code, response.headers.get("Location", "").split("?")[0]) == (
            302,
            reverse(settings.LOGIN_URL),
        )
    else:
        assert response.status_code == expected, f"{case.id} as {role}"
