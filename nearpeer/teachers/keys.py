"""Certificate signing keys (ES256, P-256), from settings.

`NEARPEER_CERTIFICATE_KEYS` holds a JSON Web Key Set with private keys (from the environment),
or else the file `NEARPEER_CERTIFICATE_KEYS_FILE` does (`make run` creates one under var/ for the
demo; it is never committed). The first key signs; every key stays published in
/.well-known/jwks.json, so rotating (`nearpeer teachers rotate-key`) keeps old certificates
verifiable.
"""

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"
CURVE = "P-256"


def _keys_file() -> Path:
    return Path(settings.NEARPEER_CERTIFICATE_KEYS_FILE)


def _raw_key_set() -> dict:
    if settings.NEARPEER_CERTIFICATE_KEYS:
        return json.loads(settings.NEARPEER_CERTIFICATE_KEYS)
    path = _keys_file()
    if not path.exists() and (settings.DEBUG or settings.TESTING):
        # The demo and the tests make their own key, as `make run` would.
        rotate_key_file(only_if_missing=True)
    if not path.exists():
        raise ImproperlyConfigured(
            "No certificate signing key: set NEARPEER_CERTIFICATE_KEYS or run "
            "`nearpeer teachers rotate-key` (make run does this for the demo)."
        )
    return json.loads(path.read_text())


def _with_kids(data: dict) -> list[ECKey]:
    keys = []
    for entry in data.get("keys", []):
        key = ECKey.import_key(entry)
        if "kid" not in entry:
            key.ensure_kid()
        keys.append(key)
    if not keys:
        raise ImproperlyConfigured("The certificate key set holds no key.")
    return keys


def signing_key() -> ECKey:
    """The current key: the first of the set."""
    return _with_kids(_raw_key_set())[0]


def private_key_set() -> KeySet:
    return KeySet(_with_kids(_raw_key_set()))


def public_jwks() -> dict:
    """Every key's public half, with kid, alg and use, for /.well-known/jwks.json."""
    out = []
    for key in _with_kids(_raw_key_set()):
        public = key.as_dict(private=False)
        public.update({"kid": key.kid, "alg": ALGORITHM, "use": "sig"})
        out.append(public)
    return {"keys": out}


def new_key() -> ECKey:
    key = ECKey.generate_key(CURVE, private=True)
    key.ensure_kid()  # RFC 7638 thumbprint
    return key


def rotate_key_file(*, only_if_missing: bool = False) -> tuple[str, bool]:
    """Put a new key first in the key file, keeping the old ones for verification.
    Returns (kid of the current key, whether a key was created). Written with mode 0600.

    Safe when several processes do it at once (app server workers, test workers): each writes
    its own temporary file, and "only if missing" creates the file with a link that fails when
    another process got there first, whose key is then used."""
    path = _keys_file()
    existing = json.loads(path.read_text()) if path.exists() else {"keys": []}
    if only_if_missing and existing["keys"]:
        return _with_kids(existing)[0].kid, False
    key = new_key()
    entry = key.as_dict(private=True)
    entry["kid"] = key.kid
    data = {"keys": [entry, *existing["keys"]]}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp creates it with mode 0600
            json.dump(data, handle)
        if only_if_missing:
            try:
                os.link(temporary, path)
            except FileExistsError:
                return _with_kids(json.loads(path.read_text()))[0].kid, False
        else:
            os.replace(temporary, path)
            temporary = ""
    finally:
        if temporary:
            os.unlink(temporary)
    return key.kid, True
