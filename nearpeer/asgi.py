"""HTTP and WebSocket entry point (uvicorn). WebSocket routes come from each app's `routing.py`."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nearpeer.settings")
django_http = get_asgi_application()

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402

from nearpeer.core.limits import RequestSizeLimit  # noqa: E402
from nearpeer.core.routing import websocket_urlpatterns  # noqa: E402
from nearpeer.live.participant_socket import ParticipantRoute  # noqa: E402


class BrowserOriginValidator(OriginValidator):
    """Refuse a browser on another site (cross-site WebSocket hijacking). A client that sends no
    Origin at all is not a browser (browsers always send one) and could send any Origin it
    liked, so refusing it protects nothing: it goes on to the consumers' own checks."""

    def valid_origin(self, parsed_origin) -> bool:
        return parsed_origin is None or self.validate_origin(parsed_origin)


class SessionAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, minus its database hop for a socket without a session cookie
    (an anonymous phone): there is no session to read, so the user is anonymous."""

    async def resolve_scope(self, scope) -> None:
        if settings.SESSION_COOKIE_NAME not in scope.get("cookies", {}):
            scope["user"]._wrapped = AnonymousUser()
            return
        await super().resolve_scope(scope)


def AuthMiddlewareStack(inner):  # noqa: N802 - the name Channels gives this stack
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))


# Young-generation threshold of the server process's garbage collector (CPython's default: 700).
GC_YOUNG_THRESHOLD = 50_000


def tune_gc() -> None:
    """Keep the garbage collector out of the answer path of a server process.

    Start-up leaves about 120,000 tracked objects (Django, the apps, their modules) that live as
    long as the process; gc.freeze() takes them out of every later full collection. The young
    threshold makes collections rarer: bench/live_load.py --trace logged, with the defaults, a
    young collection every ~0.5 s and single pauses of 60-70 ms during a spread of answers (the
    loop stalls, every answer in flight waits), and with these settings none in the spread or the
    burst (docs/live-protocol.md §9). Called once the server has loaded (ASGI lifespan startup),
    never in test processes that merely import the application."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


class ServerLifespan:
    """Answers the ASGI lifespan protocol (uvicorn asks at start-up; Channels' router does not
    take it): tunes the garbage collector once the process has loaded everything."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.inner(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                tune_gc()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


router = ProtocolTypeRouter(
    {
        # Bodies beyond the limit are refused (413) before Django writes them to disk.
        "http": RequestSizeLimit(django_http),
        # Live participants (/ws/live/<code>/) go to a lean plain-ASGI handler that reads the
        # session only when there is one; every other socket through Channels' middleware.
        "websocket": BrowserOriginValidator(
            ParticipantRoute(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
            settings.ALLOWED_HOSTS,
        ),
    }
)
application = ServerLifespan(router)
