"""Playwright fixtures for browser tests: Debian's Chromium, never a downloaded browser.

Loaded for the whole suite from nearpeer/conftest.py; fixtures: page, phone_page, sign_in, axe.

    @pytest.mark.browser
    def test_something(page, live_server, sign_in, axe):
        sign_in(page, user)
        page.goto(live_server.url + "/")
        assert axe(page) == []
"""

import functools
import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def _playwright():
    # Playwright's sync API runs an event loop in this thread; Django's ORM is used from the same
    # thread by the test itself, which is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def _browser(_playwright, chromium_path):
    browser = _playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(_browser):
    context = _browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """Sign a user in through the real form (their password must be "pw", as in UserFactory)."""

    def _sign_in(page, user, password: str = "pw") -> None:
        page.goto(f"{live_server.url}/members/sign-in/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")

    return _sign_in


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


@pytest.fixture
def axe():
    """Run axe-core (from node_modules, pinned in package-lock.json) in the page; return the
    serious and critical violations as (rule id, first target) pairs. axe is injected once per
    loaded document (a second run on the same page, e.g. after a resize, reuses it)."""
    source = _axe_source()

    def _axe(page) -> list[tuple[str, str]]:
        # Evaluated through the DevTools protocol, so the page's strict CSP stays on.
        if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
            page.evaluate(source)
        # resultTypes: axe still runs every rule on every node and reports every violation, but
        # skips gathering the nodes that pass; only the violations come back over the protocol.
        violations = page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: tags,
                                                        resultTypes: ["violations"]}))
                .violations.map(v => ({id: v.id, impact: v.impact, target: v.nodes[0].target}))""",
            ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
        )
        return [
            (v["id"], ", ".join(str(t) for t in v["target"]))
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    return _axe
