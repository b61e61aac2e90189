"""Every page, for every role that may see it, at desktop width and at 390 px: axe-core finds
nothing serious or critical, and nothing scrolls sideways (issue 14; DESIGN §6: phones are for
teachers too, axe runs at both widths).

The pages and the data come from the authorization matrix (each app's tests/access_cases.py),
so a new URL is checked here as soon as it has its matrix entry. Downloads, feeds and other
non-HTML answers are skipped."""

import pytest
from django.conf import settings
from django.urls import reverse

from nearpeer.core.tests.browser import PHONE
from nearpeer.core.tests.test_authorization_matrix import CASES, MODULES
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher

DESKTOP = {"width": 1280, "height": 900}
ROLES = ("anonymous", "member", "teacher", "committee", "faculty")
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def _world():
    from types import SimpleNamespace

    world = SimpleNamespace(
        member=UserFactory(year=2, email="member@example.ac.uk"),
        other_member=UserFactory(year=2, email="other@example.ac.uk"),
        teacher=teacher(email="teacher@example.ac.uk"),
        committee=committee(email="committee@example.ac.uk"),
        faculty=faculty(email="faculty@example.ac.uk"),
    )
    for module in MODULES:
        if hasattr(module, "arrange"):
            module.arrange(world)
    return world


def _pages(client, world, role) -> list[str]:
    """The HTML pages (GET, answering 200) this role may open, each URL once."""
    urls = []
    for _, case in CASES:
        if case.method != "get" or case.expect[role] != 200:
            continue
        url = reverse(case.url_name, kwargs=case.kwargs(world))
        data = case.data(world)
        if data:
            continue  # pages that need a query are covered by their own browser tests
        response = client.get(url)
        is_page = response.headers.get("Content-Type", "").startswith("text/html")
        if (
            response.status_code == 200
            and is_page
            and "Content-Disposition" not in response.headers
            and url not in urls
        ):
            urls.append(url)
    return urls


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_fits_a_phone(role, _browser, live_server, client, axe):
    world = _world()
    context = _browser.new_context(viewport=DESKTOP)
    if role != "anonymous":
        user = getattr(world, role)
        client.force_login(user)
        # The browser gets the same signed-in session as the test client.
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    pages = _pages(client, world, role)
    page = context.new_page()
    page.set_default_timeout(15_000)
    found = []
    try:
        for url in pages:
            page.set_viewport_size(DESKTOP)
            page.goto(live_server.url + url)
            for width, size in (("desktop", DESKTOP), ("390 px", PHONE)):
                page.set_viewport_size(size)
                page.wait_for_timeout(50)
                found += [(url, width, rule, target) for rule, target in axe(page)]
                overflow = page.evaluate(SIDEWAYS)
                if overflow > 0:
                    found.append((url, width, "scrolls sideways", f"{overflow}px"))
    finally:
        context.close()
    assert len(pages) > (0 if role == "anonymous" else 10)
    assert found == []
