"""Request-size limits, applied before a request body is read.

Django's ASGI handler reads the whole body into a spooled temporary file (on disk beyond
FILE_UPLOAD_MAX_MEMORY_SIZE) before any view or middleware can refuse it: an anonymous
400 MiB request was written to disk first. `RequestSizeLimit` wraps the ASGI application and
answers 413 from the Content-Length header, or, for a chunked body, as soon as the bytes
received pass the limit. Requests without a signed-in session get a small limit (forms only);
signed-in ones may carry an upload (NEARPEER_MAX_UPLOAD_MB). `RequestSizeLimitMiddleware`
applies the same rule in Django for the WSGI (gunicorn) path, where the body is read lazily.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse
from django.http.cookie import parse_cookie


def limits() -> tuple[int, int]:
    """(limit without a signed-in session, limit with one), in bytes."""
    return settings.NEARPEER_MAX_ANONYMOUS_REQUEST_KB * 1024, settings.NEARPEER_MAX_REQUEST_BYTES


def message(limit: int) -> str:
    mib = 1024 * 1024
    size = f"{limit // 1024:,} KB" if limit < mib else f"{limit / mib:,.0f} MB"
    return (
        f"Request too large: the limit is {size}"
        + (" when not signed in." if limit == limits()[0] else ".")
        + "\n"
    )


def _session_signed_in(session_key: str) -> bool:
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key).get("_auth_user_id") is not None


class RequestSizeLimit:
    """ASGI middleware: 413 before the body is read when it is too large."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        anonymous, signed_in_limit = limits()
        headers = dict(scope.get("headers") or [])
        length_header = headers.get(b"content-length")
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                return await self._refuse(send, 400, "Bad Content-Length header.\n")
            if length > anonymous:
                limit = signed_in_limit if await self._signed_in(headers) else anonymous
                if length > limit:
                    return await self._refuse(send, 413, message(limit))
            return await self.app(scope, receive, send)

        # No length given (chunked): count what arrives and stop at the limit.
        state = {"received": 0, "limit": anonymous, "checked": False}

        async def counted_receive():
            event = await receive()
            if event["type"] == "http.request":
                state["received"] += len(event.get("body", b""))
                if state["received"] > state["limit"] and not state["checked"]:
                    state["checked"] = True
                    if await self._signed_in(headers):
                        state["limit"] = signed_in_limit
                if state["received"] > state["limit"]:
                    await self._refuse(send, 413, message(state["limit"]))
                    # Django sees the client leave and sends nothing more.
                    return {"type": "http.disconnect"}
            return event

        return await self.app(scope, counted_receive, send)

    @staticmethod
    async def _signed_in(headers: dict) -> bool:
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
        key = cookies.get(settings.SESSION_COOKIE_NAME)
        if not key:
            return False
        return await sync_to_async(_session_signed_in)(key)

    @staticmethod
    async def _refuse(send, status: int, text: str) -> None:
        body = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RequestSizeLimitMiddleware:
    """The same rule inside Django, for the WSGI path (the body is not read yet here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        anonymous, signed_in_limit = limits()
        limit = signed_in_limit if request.user.is_authenticated else anonymous
        if length > limit:
            return HttpResponse(message(limit), status=413, content_type="text/plain")
        return self.get_response(request)
