"""Every URL × every role, from the same data. A URL with no entry fails the suite."""

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


@pytest.fixture
def world(db):
    return SimpleNamespace(
        member=UserFactory(year=2, email="member@example.ac.uk"),
        other_member=UserFactory(year=2, email="other@example.ac.uk"),
        teacher=teacher(email="teacher@example.ac.uk"),
        committee=committee(email="committee@example.ac.uk"),
        faculty=faculty(email="faculty@example.ac.uk"),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("module", "case"), CASES, ids=[c.id for _, c in CASES])
def test_access(client, world, module, case, role):
    if hasattr(module, "arrange"):
        module.arrange(world)
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
