"""Every signed-in page shows a CSRF token (the sign-out form, HTMX's header): Django's, made
cheaper where it cost the most.

`django.middleware.csrf.get_token` masks the secret with 32 characters drawn one by one
through `secrets.choice` (about 0.4 M instructions a page) and flags the cookie to be set
again on the response. `masked_token` draws the same mask from one `os.urandom` read (each
byte kept only below 248, a multiple of the 62 letters, so every letter is equally likely)
and combines it with the secret as Django does, so Django checks it as its own; when the
request already carries the secret in its cookie, that cookie is not sent again (it lives a
year, and signing in, which every session begins with, sets a new one). Without the cookie,
Django's own get_token makes the secret and sets the cookie."""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

_LETTERS = len(CSRF_ALLOWED_CHARS)  # 62
_KEPT = 256 - 256 % _LETTERS  # 248: bytes at or above are dropped, so none is favoured
# Byte -> its index among the letters (0..61); bytes from 248 up are deleted.
_TO_INDEX = bytes.maketrans(bytes(range(_KEPT)), bytes(i % _LETTERS for i in range(_KEPT)))
_DROPPED = bytes(range(_KEPT, 256))
_TO_LETTER = bytes.maketrans(bytes(range(_LETTERS)), CSRF_ALLOWED_CHARS.encode())
_INDEX = {letter: i for i, letter in enumerate(CSRF_ALLOWED_CHARS)}


def _random_indices(n: int) -> bytes:
    drawn = b""
    while len(drawn) < n:
        drawn += os.urandom(n + 8).translate(_TO_INDEX, _DROPPED)
    return drawn[:n]


def mask(secret: str) -> str:
    """The secret masked as Django's _mask_cipher_secret does: a random mask, then each
    letter of the secret shifted by the mask's letter at the same place."""
    letters = CSRF_ALLOWED_CHARS
    shifts = _random_indices(len(secret))
    cipher = "".join(
        [letters[(_INDEX[c] + s) % _LETTERS] for c, s in zip(secret, shifts, strict=True)]
    )
    return shifts.translate(_TO_LETTER).decode() + cipher


def masked_token(request):
    """The token for this request's forms: Django's get_token, cheaper when the request
    carries a valid secret already."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return SimpleLazyObject(lambda: get_token(request))
    return mask(secret)
