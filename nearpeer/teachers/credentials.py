"""Open Badges 3.0 credentials in the VC-JWT form, signed and checked with joserfc.

The payload is the credential itself (Verifiable Credentials Data Model 2.0) plus the JWT claims
`iss`, `nbf`, `jti` and `sub`; the protected header carries `alg` (ES256), `kid` (the key's RFC 7638
thumbprint, published in /.well-known/jwks.json) and `typ` "vc+jwt". docs/teachers.md documents
the format for verifiers.
"""

import hashlib
import json
import secrets
from datetime import UTC, datetime

from django.conf import settings
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import keys

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


class InvalidCredential(Exception):
    pass


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def issuer_id() -> str:
    return f"{site_url()}/"


def credential_url(code: str) -> str:
    return f"{site_url()}/certificates/{code}/"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def hashed_email(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: 'sha256$' + hex(sha256(email + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def build_credential(
    *,
    code: str,
    holder_name: str,
    holder_email: str,
    name: str,
    description: str,
    narrative: str,
    valid_from: datetime,
    activity_start: datetime | None = None,
    activity_end: datetime | None = None,
    term: str = "",
) -> dict:
    """The credential with its JWT claims, ready to sign."""
    cid = credential_url(code)
    salt = secrets.token_hex(8)
    subject = {
        "type": ["AchievementSubject"],
        # The holder's name in clear (a verifier must know whose it is); the email only hashed,
        # so the holder can prove it is theirs without publishing their address.
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": holder_name,
            },
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": hashed_email(holder_email, salt),
                "salt": salt,
            },
        ],
        "achievement": {
            "id": f"{cid}#achievement",
            "type": ["Achievement"],
            "name": name,
            "description": description,
            "criteria": {"narrative": narrative},
            "achievementType": "Achievement",
        },
    }
    if activity_start:
        subject["activityStartDate"] = _iso(activity_start)
    if activity_end:
        subject["activityEndDate"] = _iso(activity_end)
    if term:
        subject["term"] = term
    issuer = {"id": issuer_id(), "type": "Profile", "name": settings.NEARPEER_SOCIETY_NAME}
    return {
        "@context": CONTEXT,
        "id": cid,
        "type": TYPE,
        "name": name,
        "issuer": issuer,
        "validFrom": _iso(valid_from),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{cid}status.json",
            "type": "1EdTechRevocationList",
        },
        "iss": issuer["id"],
        "nbf": int(valid_from.timestamp()),
        "jti": cid,
        "sub": f"{cid}#holder",
    }


def sign(payload: dict) -> tuple[str, str]:
    """Returns (compact JWS, kid)."""
    key = keys.signing_key()
    header = {"alg": keys.ALGORITHM, "kid": key.kid, "typ": "vc+jwt"}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    token = jws.serialize_compact(header, body, key, algorithms=[keys.ALGORITHM])
    return token, key.kid


def verify(token: str, jwks: dict) -> dict:
    """Check the signature against a published key set (chosen by `kid`); return the payload.
    Raises InvalidCredential for a bad signature, an unknown key or a malformed token."""
    try:
        key_set = KeySet.import_key_set(jwks)
        result = jws.deserialize_compact(token, key_set, algorithms=[keys.ALGORITHM])
        return json.loads(result.payload)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise InvalidCredential(str(exc) or exc.__class__.__name__) from exc
