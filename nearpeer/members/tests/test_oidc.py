"""University sign-in end to end: a real OpenID Connect provider (django-oauth-toolkit, in its own
process) and a real browser following the redirects both ways. Nothing is mocked."""

import os
import subprocess
import sys

import pytest

from nearpeer.members.models import Invitation
from nearpeer.members.tests.factories import UserFactory
from nearpeer.members.tests.oidc_provider.serve import CLIENT_ID, CLIENT_SECRET

SHOTS = os.environ.get("NEARPEER_SHOTS_DIR", "")


# One worker runs the module under xdist, so the provider process starts (and migrates) once.
@pytest.fixture(scope="module")
def _provider_process(live_server, tmp_path_factory):
    """One provider process for the module (migrating it takes seconds)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nearpeer.members.tests.oidc_provider.settings",
        "NP_OIDC_DB": str(tmp_path_factory.mktemp("provider") / "provider.sqlite3"),
        "NP_OIDC_REDIRECT_URI": f"{live_server.url}/members/university/callback/",
        # Upper case at the university, lower case on the roster: still the same person.
        "NP_OIDC_USERS": "Ola.Oidc@Uni.example:uni-pass,stranger@uni.example:uni-pass",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "nearpeer.members.tests.oidc_provider.serve"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def provider(_provider_process, settings):
    base = _provider_process
    settings.NEARPEER_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{base}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/o/.well-known/jwks.json"
    return base


def _university_sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/members/sign-in/")
    page.get_by_role("link", name="Sign in with your university account").click()
    page.get_by_label("Username").fill(email)
    page.get_by_label("Password").fill("uni-pass")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_university_sign_in_matches_the_roster_by_email(
    width, provider, live_server, page, phone_page, axe
):
    page = phone_page if width == "phone" else page
    member = UserFactory(name="Ola Oidc", email="ola.oidc@uni.example", password=None)
    Invitation.objects.create(member=member, nonce="x")
    page.goto(f"{live_server.url}/members/sign-in/")
    assert axe(page) == []

    _university_sign_in(page, live_server, "Ola.Oidc@Uni.example")

    assert page.url == f"{live_server.url}/"
    assert page.locator(".nav").get_by_text("Ola").count() == 1
    assert Invitation.objects.get(member=member).status == "joined"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/h14-oidc-signed-in-{width}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_university_account_not_on_the_roster_is_refused(provider, live_server, page):
    UserFactory(name="Ola Oidc", email="ola.oidc@uni.example")

    _university_sign_in(page, live_server, "stranger@uni.example")

    assert page.url == f"{live_server.url}/members/sign-in/?university=unknown"
    assert "not on the society's list" in page.get_by_role("alert").inner_text()
    assert page.locator(".nav").count() == 0
