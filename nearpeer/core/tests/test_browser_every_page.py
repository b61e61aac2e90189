"""Every page, for every role that may see it, at desktop width and at 390 px: axe-core finds
nothing serious or critical, and nothing scrolls sideways (issue 14; DESIGN §6: phones are for
teachers too, axe runs at both widths).

The pages and the data come from the authorization matrix (each app's tests/access_cases.py),
so a new URL is checked here as soon as it has its matrix entry. Downloads, feeds and other
non-HTML answers are skipped.

Cost: one browser context per app, axe injected once per page load, both widths checked in that
one load (the viewport is resized between them). A page whose HTML another role of the same app
already had checked (the same document but for the CSRF token and the site header, the menu
that differs by role) is not loaded again for this role; each role's header is still checked
in full, on its first page of each app, so every distinct document part is checked at both
widths."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from nearpeer.core.tests.browser import PHONE
from nearpeer.core.tests.test_authorization_matrix import MODULES
from nearpeer.members.tests.factories import UserFactory, committee, faculty, teacher

DESKTOP = {"width": 1280, "height": 900}
ROLES = ("anonymous", "member", "teacher", "committee", "faculty")
# Apps with at least one page someone may open.
WITH_PAGES = [
    m for m in MODULES if any(c.method == "get" and 200 in c.expect.values() for c in m.CASES)
]
SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"
# Two animation frames: media-query listeners (js/nav.js) and layout have followed a resize.
SETTLED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+')
HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)


def _world(module):
    """The matrix's world, arranged by one app's access cases (as the matrix does: one app's
    arrangement at a time)."""
    from types import SimpleNamespace

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


def _parts(html: str) -> tuple[str, str]:
    """(site header, rest of the document) of a page, the per-request CSRF token blanked."""
    html = CSRF.sub(r"\1-", html)
    found = HEADER.search(html)
    if not found:
        return "", html
    return found.group(0), html[: found.start()] + html[found.end() :]


def _pages(client, module, world, role) -> list[tuple[str, str, str]]:
    """The HTML pages (GET, answering 200) of this app that this role may open, each once, as
    (url, header, rest of the document)."""
    pages, urls = [], set()
    for case in module.CASES:
        if case.method != "get" or case.expect[role] != 200:
            continue
        url = reverse(case.url_name, kwargs=case.kwargs(world))
        data = case.data(world)
        if data:
            continue  # pages that need a query are covered by their own browser tests
        response = client.get(url)
        # Whole pages only: an HTMX fragment (e.g. a status poll) has no <html> of its own.
        is_page = response.headers.get("Content-Type", "").startswith("text/html") and (
            b"<html" in response.content
        )
        if (
            response.status_code == 200
            and is_page
            and "Content-Disposition" not in response.headers
            and url not in urls
        ):
            urls.add(url)
            pages.append((url, *_parts(response.content.decode())))
    return pages


def _sign_in(context, client, user, live_server) -> None:
    """Give the browser the session the test client gets from force_login."""
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    context.clear_cookies()
    context.add_cookies(
        [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
    )


def _check(page, url) -> list[tuple[str, str, str, str]]:
    """axe and sideways scrolling at both widths, in the one load of the page: the width it was
    loaded at first, then the other."""
    found = []
    first = page.viewport_size["width"] == DESKTOP["width"]
    sizes = [("desktop", DESKTOP), ("390 px", PHONE)]
    for width, size in sizes if first else sizes[::-1]:
        if page.viewport_size != size:
            page.set_viewport_size(size)
            page.evaluate(SETTLED)
        found += [(url, width, rule, target) for rule, target in page.axe()]
        overflow = page.evaluate(SIDEWAYS)
        if overflow > 0:
            found.append((url, width, "scrolls sideways", f"{overflow}px"))
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("module", WITH_PAGES, ids=[m.__name__.split(".")[1] for m in WITH_PAGES])
def test_every_page_passes_axe_and_fits_a_phone(module, _browser, live_server, client, axe):
    world = _world(module)
    context = _browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.axe = lambda: axe(page)
    found, seen, headers, documents = [], 0, set(), set()
    try:
        for role in ROLES:
            client.logout()
            context.clear_cookies()
            if role != "anonymous":
                _sign_in(context, client, getattr(world, role), live_server)
            for url, header, rest in _pages(client, module, world, role):
                seen += 1
                if header in headers and (url, rest) in documents:
                    continue  # this very document was checked for another role
                headers.add(header)
                documents.add((url, rest))
                page.goto(live_server.url + url, wait_until="load")
                found += [(role, *finding) for finding in _check(page, url)]
    finally:
        context.close()
    assert seen > 0
    assert found == []
