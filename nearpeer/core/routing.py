"""WebSocket routes of all apps, collected in one place for asgi.py."""

from nearpeer.live.routing import websocket_urlpatterns as live_routes

websocket_urlpatterns: list = [*live_routes]
