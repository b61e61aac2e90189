"""Certificates: Open Badges 3.0 VC-JWT checked with joserfc against the published JWKS."""

import base64
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from nearpeer.members.tests.factories import committee, teacher
from nearpeer.teachers import credentials, keys, services
from nearpeer.teachers.models import Certificate
from nearpeer.teachers.tests.factories import past_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    return teacher(email="ada@example.ac.uk", name="Ada Lovelace")


@pytest.fixture
def certificate(holder):
    session = past_session(teachers=[holder], title="Renal physiology")
    return services.issue_session_certificate(holder=holder, session=session)


def _published_keys(client) -> KeySet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def _token(client, code: str) -> str:
    response = client.get(f"/certificates/{code}.jwt")
    assert (response.status_code, response["Content-Type"]) == (200, "application/vc+jwt")
    return response.content.decode()


def test_the_jws_verifies_against_the_published_jwks_and_carries_the_credential(
    client, certificate, settings
):
    token = _token(client, certificate.code)

    result = jws.deserialize_compact(token, _published_keys(client), algorithms=["ES256"])
    payload = json.loads(result.payload)

    site = settings.SITE_URL
    assert result.protected == {"alg": "ES256", "kid": keys.signing_key().kid, "typ": "vc+jwt"}
    assert payload["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["issuer"] == {
        "id": f"{site}/",
        "type": "Profile",
        "name": settings.NEARPEER_SOCIETY_NAME,
    }
    assert payload["id"] == f"{site}/certificates/{certificate.code}/"
    assert payload["validFrom"].endswith("Z")
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"] == {
        "id": f"{site}/certificates/{certificate.code}/#achievement",
        "type": ["Achievement"],
        "name": "Near-peer teacher: Renal physiology",
        "description": certificate.description,
        "criteria": {"narrative": certificate.narrative},
        "achievementType": "Achievement",
    }
    assert subject["identifier"][0]["identityHash"] == "Ada Lovelace"
    email_id = subject["identifier"][1]
    assert email_id["identityHash"] == credentials.hashed_email(
        "ada@example.ac.uk", email_id["salt"]
    )
    assert "ada@example.ac.uk" not in token and "ada@example.ac.uk" not in result.payload.decode()
    assert payload["iss"] == payload["issuer"]["id"]
    assert payload["jti"] == payload["id"]
    assert payload["nbf"] == int(certificate.issued_at.timestamp())
    assert payload["credentialStatus"] == {
        "id": f"{site}/certificates/{certificate.code}/status.json",
        "type": "1EdTechRevocationList",
    }


@pytest.mark.parametrize("part", [0, 1, 2])
def test_a_changed_byte_fails_verification(client, certificate, part):
    token = _token(client, certificate.code)
    pieces = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    if part == 1:
        # A real forgery: change what the credential says, keep it valid JSON.
        raw = bytearray(bytes(raw).replace(b"Renal", b"Renax"))
    else:
        raw[len(raw) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()

    with pytest.raises((JoseError, ValueError)):
        jws.deserialize_compact(".".join(pieces), _published_keys(client), algorithms=["ES256"])


def test_rotation_keeps_old_certificates_verifiable(client, certificate, holder):
    old_kid = certificate.kid
    new_kid, created = keys.rotate_key_file()
    newer = services.issue_session_certificate(holder=holder, session=certificate.session)

    key_set = _published_keys(client)

    assert created and new_kid != old_kid
    assert {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]} == {
        old_kid,
        new_kid,
    }
    assert all("d" not in k for k in client.get("/.well-known/jwks.json").json()["keys"])
    for cert, kid in ((certificate, old_kid), (newer, new_kid)):
        result = jws.deserialize_compact(_token(client, cert.code), key_set, algorithms=["ES256"])
        assert result.protected["kid"] == kid


def test_revoked_certificate_reports_revoked_on_the_page_and_in_the_status(client, certificate):
    services.revoke_certificate(certificate=certificate, reason="Issued in error", by=committee())

    page = client.get(f"/certificates/{certificate.code}/")
    status = client.get(f"/certificates/{certificate.code}/status.json").json()

    assert page.status_code == 200
    assert "Revoked on" in page.text and "Issued in error" in page.text
    assert "Valid:" not in page.text
    assert status["revokedCredentials"] == [
        {"id": credentials.credential_url(certificate.code), "revocationReason": "Issued in error"}
    ]


def test_a_valid_certificate_page_confirms_and_shows_nothing_else(client, certificate):
    page = client.get(f"/certificates/{certificate.code}/")
    status = client.get(f"/certificates/{certificate.code}/status.json").json()

    assert "Valid: issued and signed by" in page.text
    assert "Ada Lovelace" in page.text
    assert "ada@example.ac.uk" not in page.text
    assert 'class="nav"' not in page.text  # an anonymous visitor gets no site navigation
    assert status["revokedCredentials"] == []


def test_codes_are_unguessable_and_unknown_codes_answer_404(client, certificate, holder):
    more = [
        services.issue_session_certificate(holder=holder, session=certificate.session)
        for _ in range(3)
    ]
    codes = [certificate.code, *(c.code for c in more)]

    assert len(set(codes)) == 4
    assert all(len(base64.urlsafe_b64decode(c + "==")) == 16 for c in codes)  # 128 bits
    near_miss = codes[0][:-1] + ("B" if codes[0][-1] == "A" else "A")
    assert client.get(f"/certificates/{near_miss}/").status_code == 404
    assert client.get("/certificates/1/").status_code == 404


def test_the_public_pages_are_rate_limited_per_client(client, certificate, settings):
    settings.NEARPEER_CERTIFICATE_RATE_PER_MINUTE = 3
    url = f"/certificates/{certificate.code}/"

    codes = [client.get(url, REMOTE_ADDR="198.51.100.7").status_code for _ in range(4)]
    other = client.get(url, REMOTE_ADDR="198.51.100.8").status_code
    spoofed = client.get(url, REMOTE_ADDR="198.51.100.7", HTTP_X_REAL_IP="10.9.9.9")

    assert codes == [200, 200, 200, 429]
    assert other == 200
    assert spoofed.status_code == 429  # not behind a proxy: the header is not trusted


def test_command_issues_a_term_certificate_and_prints_one_json_line(holder, settings):
    now = timezone.localtime()
    past_session(teachers=[holder])
    term = services.term_range(now.date())[2]
    season, _, year = term.lower().split()
    out = io.StringIO()

    call_command(
        "teachers",
        "certificate",
        "--email",
        "ADA@example.ac.uk",
        "--term",
        f"{season}-{year}",
        stdout=out,
    )

    line = json.loads(out.getvalue())
    cert = Certificate.objects.get()
    assert line == {
        "code": cert.code,
        "url": f"{settings.SITE_URL}/certificates/{cert.code}/",
        "jwt_url": f"{settings.SITE_URL}/certificates/{cert.code}.jwt",
    }
    assert out.getvalue().count("\n") == 1
    assert cert.term_name == term and cert.holder == holder


def test_command_refuses_a_term_without_teaching_and_a_malformed_term(holder):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="taught no session"):
        call_command("teachers", "certificate", "--email", holder.email, "--term", "spring-2020")
    with pytest.raises(CommandError, match="--term"):
        call_command("teachers", "certificate", "--email", holder.email, "--term", "lent-2026")
    with pytest.raises(CommandError, match="no active member"):
        call_command("teachers", "certificate", "--email", "nobody@x.org", "--term", "autumn-2026")


def test_certificate_pdf_is_a_pdf_with_the_verify_url_for_the_holder_only(client, certificate):
    client.force_login(certificate.holder)
    response = client.get(f"/teachers/certificates/{certificate.code}.pdf")
    client.force_login(teacher())
    stranger = client.get(f"/teachers/certificates/{certificate.code}.pdf")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    assert b"/Image" in response.content or b"/XObject" in response.content  # the QR code
    assert stranger.status_code == 404


def test_a_session_certificate_needs_the_session_to_be_over_and_taught(holder):
    future = past_session(teachers=[holder], hours_ago=-5)
    not_mine = past_session()

    with pytest.raises(services.TeachersError, match="once the session"):
        services.issue_session_certificate(holder=holder, session=future)
    with pytest.raises(services.TeachersError, match="did not teach"):
        services.issue_session_certificate(holder=holder, session=not_mine)
    assert future.starts_at > timezone.now() - timedelta(hours=1)


def test_processes_creating_the_missing_key_file_at_once_agree_on_one_key(settings, tmp_path):
    """App server workers (and test workers) that start together each find no key file."""
    import threading

    settings.NEARPEER_CERTIFICATE_KEYS_FILE = str(tmp_path / "fresh" / "certificate-keys.json")
    start = threading.Barrier(8)
    kids, errors = [], []

    def create() -> None:
        start.wait()
        try:
            kids.append(keys.rotate_key_file(only_if_missing=True)[0])
        except Exception as error:  # noqa: BLE001 - the test reports any failure below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = json.loads((tmp_path / "fresh" / "certificate-keys.json").read_text())["keys"]
    assert errors == []
    assert len(stored) == 1 and set(kids) == {stored[0]["kid"]}
    assert [p.name for p in (tmp_path / "fresh").iterdir()] == ["certificate-keys.json"]


def test_a_key_file_created_by_another_process_meanwhile_is_kept(settings, tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "certificate-keys.json"
    path.parent.mkdir()
    settings.NEARPEER_CERTIFICATE_KEYS_FILE = str(path)
    theirs = keys.new_key()
    entry = {**theirs.as_dict(private=True), "kid": theirs.kid}
    real_new_key = keys.new_key

    def another_process_wins():
        path.write_text(json.dumps({"keys": [entry]}))
        return real_new_key()

    monkeypatch.setattr(keys, "new_key", another_process_wins)

    kid, created = keys.rotate_key_file(only_if_missing=True)

    assert (kid, created) == (theirs.kid, False)
    assert json.loads(path.read_text()) == {"keys": [entry]}
    assert [p.name for p in path.parent.iterdir()] == ["certificate-keys.json"]
