"""The one anonymous-answer store (surveys now, teaching feedback next). See docs/security.md.

What it promises against someone holding a copy of the database (files, replicas, `pg_dump`,
WAL) but not NEARPEER_ANONYMITY_KEY: they cannot tell who answered a scope, nor who gave which
answer. The means:

- "Who answered" is a `Marker`: HMAC-SHA256 of (scope, user pk) under a key derived from
  NEARPEER_ANONYMITY_KEY (kept apart from SECRET_KEY). Without the key it names nobody.
- An answer is first held as a `PendingAnswer`, sealed (AES-GCM, key derived from the same key,
  the scope bound in as associated data, no timestamp in the token). Only a flush turns answers
  into the domain's readable rows: the whole pending batch, shuffled, handed to the sink the
  scope's app registered, which writes rows with random keys and no user and no precise time.
  A batch is flushed when it reaches `batch_size()` (never below NEARPEER_MIN_GROUP_SIZE) or
  when the scope closes, so ids, transaction ids (`xmin`), physical positions (`ctid`, SQLite
  pages) and dump order of the readable rows follow the shuffle, not the order of answering.
- Deleted pending rows are overwritten on SQLite (`PRAGMA secure_delete`, set in settings); on
  PostgreSQL they stay as dead (still sealed) tuples until VACUUM.

Someone who also holds the key and the running server can compute every member's marker (so
learn who answered), open answers still pending and link them to their markers, and place each
flushed answer within its batch, not more precisely: docs/security.md states this plainly.
"""

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from .models import Marker, PendingAnswer

Sink = Callable[[str, list[dict]], None]

MAX_SCOPE_CHARS = 100
MAX_PAYLOAD_BYTES = 256 * 1024
_SEAL_VERSION = b"\x01"
_NONCE_BYTES = 12

_sinks: dict[str, Sink] = {}
# A cryptographic generator for the shuffle: a seeded or predictable one would let whoever
# knows the seed undo it.
_rng = secrets.SystemRandom()


class AlreadyAnswered(Exception):
    """This user has already answered this scope."""


class SealError(Exception):
    """A pending answer could not be opened (another key, or altered)."""


# --- Keys ---------------------------------------------------------------------------------------


def _master_key() -> bytes:
    key = getattr(settings, "NEARPEER_ANONYMITY_KEY", "")
    if not key:
        raise ImproperlyConfigured("NEARPEER_ANONYMITY_KEY is not set (see docs/security.md).")
    return key.encode()


def _derived_key(purpose: str) -> bytes:
    """A 32-byte key per purpose (HMAC-SHA256 as a PRF over the master key), so the marker key
    and the sealing key are independent even though one secret is configured."""
    return hmac.new(
        _master_key(), f"nearpeer-anonymity:{purpose}".encode(), hashlib.sha256
    ).digest()


def _check_scope(scope: str) -> None:
    if not scope or len(scope) > MAX_SCOPE_CHARS:
        raise ValueError(f"scope must be 1–{MAX_SCOPE_CHARS} characters: {scope!r}")


def answer_marker(*, scope: str, user) -> str:
    """Keyed hash (HMAC-SHA256 with a key derived from settings.NEARPEER_ANONYMITY_KEY, which is
    kept apart from SECRET_KEY) of (scope, user.pk). Stored instead of a user id to stop a
    second answer."""
    _check_scope(scope)
    message = f"{scope}\x00{user.pk}".encode()
    return hmac.new(_derived_key("marker"), message, hashlib.sha256).hexdigest()


# --- Sealing ------------------------------------------------------------------------------------


def _seal(scope: str, payload: dict) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"an answer may hold at most {MAX_PAYLOAD_BYTES} bytes")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_derived_key("seal")).encrypt(nonce, data, scope.encode())
    return _SEAL_VERSION + nonce + sealed


def _open(scope: str, sealed: bytes) -> dict:
    sealed = bytes(sealed)
    if sealed[:1] != _SEAL_VERSION:
        raise SealError("unknown seal version")
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        data = AESGCM(_derived_key("seal")).decrypt(nonce, body, scope.encode())
    except InvalidTag:
        raise SealError(
            f"a pending answer of {scope} does not open with NEARPEER_ANONYMITY_KEY"
        ) from None
    return json.loads(data)


# --- Sinks --------------------------------------------------------------------------------------


def register_sink(prefix: str, sink: Sink) -> None:
    """Apps register in AppConfig.ready(): for scopes starting with `prefix`, the store calls
    sink(scope, payloads_in_shuffled_order) inside the flushing transaction; the sink writes its
    own domain rows (random primary keys, no user, no precise time) in exactly the given order.
    Registering the same prefix again replaces the sink (ready() may run more than once)."""
    if not prefix:
        raise ValueError("a sink needs a non-empty scope prefix")
    _sinks[prefix] = sink


def _sink_for(scope: str) -> Sink:
    matches = [p for p in _sinks if scope.startswith(p)]
    if not matches:
        raise LookupError(f"no sink is registered for scope {scope!r}")
    return _sinks[max(matches, key=len)]


def batch_size() -> int:
    """Answers held back before a flush: NEARPEER_ANONYMITY_BATCH_SIZE, never fewer than
    NEARPEER_MIN_GROUP_SIZE (a batch is the smallest set an answer can be placed in)."""
    return max(
        int(settings.NEARPEER_MIN_GROUP_SIZE),
        int(getattr(settings, "NEARPEER_ANONYMITY_BATCH_SIZE", 0) or 0),
        1,
    )


# --- Answering ----------------------------------------------------------------------------------


def has_answered(*, scope: str, user) -> bool:
    return Marker.objects.filter(scope=scope, digest=answer_marker(scope=scope, user=user)).exists()


def answered_scopes(*, scopes: Iterable[str], user) -> set[str]:
    """Which of `scopes` the user has answered, in one query."""
    digests = {answer_marker(scope=s, user=user): s for s in scopes}
    if not digests:
        return set()
    found = Marker.objects.filter(scope__in=set(digests.values()), digest__in=list(digests))
    return {digests[d] for d in found.values_list("digest", flat=True) if d in digests}


def answered_user_ids(*, scope: str, users: Iterable) -> set[int]:
    """Which of `users` have answered `scope` (for reminders), in one query per 500 users."""
    by_digest = {answer_marker(scope=scope, user=u): u.pk for u in users}
    digests, found = list(by_digest), set()
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        found |= set(
            Marker.objects.filter(scope=scope, digest__in=chunk).values_list("digest", flat=True)
        )
    return {by_digest[d] for d in found}


def submit(*, scope: str, user, payload: dict) -> None:
    """Records that `user` answered `scope` (marker row) and holds `payload` (JSON-serialisable)
    in the scope's pending batch, in one transaction; raises AlreadyAnswered on a second answer.
    Once the pending batch reaches the batch size (>= NEARPEER_MIN_GROUP_SIZE), the batch is
    flushed: shuffled and handed to the sink registered for the scope, so no id, timestamp,
    transaction id or physical position of the stored answers follows the order in which
    people answered.

    Side effects: a Marker row, a PendingAnswer row; on a flush, the batch's PendingAnswer rows
    are deleted and the sink writes the domain's rows. Nothing is logged."""
    _check_scope(scope)
    _sink_for(scope)  # fail before writing anything when nobody could ever read the answer
    sealed = _seal(scope, payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Marker.objects.create(scope=scope, digest=answer_marker(scope=scope, user=user))
        except IntegrityError:
            raise AlreadyAnswered from None
        PendingAnswer.objects.create(scope=scope, sealed=sealed)
        if PendingAnswer.objects.filter(scope=scope).count() >= batch_size():
            _flush(scope, minimum=batch_size())


def _flush(scope: str, *, minimum: int) -> int:
    # Lock the pending rows: a concurrent flush of the same scope waits, then finds them gone
    # (and, below the minimum, leaves the rest for a later batch).
    rows = list(PendingAnswer.objects.select_for_update().filter(scope=scope).order_by("pk"))
    if not rows or len(rows) < minimum:
        return 0
    payloads = [_open(scope, row.sealed) for row in rows]
    _rng.shuffle(payloads)
    PendingAnswer.objects.filter(pk__in=[row.pk for row in rows]).delete()
    _sink_for(scope)(scope, payloads)
    return len(payloads)


def close(*, scope: str) -> int:
    """Flushes whatever is pending for `scope` (called when a survey closes or a feedback window
    ends); returns how many answers were flushed. Side effects: as a flush in submit()."""
    _check_scope(scope)
    with transaction.atomic():
        return _flush(scope, minimum=1)


def discard(*, scope: str) -> None:
    """Forget a scope whose domain object is deleted: its markers and pending answers.
    Side effects: deletes Marker and PendingAnswer rows of the scope."""
    with transaction.atomic():
        Marker.objects.filter(scope=scope).delete()
        PendingAnswer.objects.filter(scope=scope).delete()


def respondent_count(*, scope: str) -> int:
    """Markers, flushed or not."""
    return Marker.objects.filter(scope=scope).count()


def pending_count(*, scope: str) -> int:
    """Answers not yet visible to reports."""
    return PendingAnswer.objects.filter(scope=scope).count()
