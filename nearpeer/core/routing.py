"""WebSocket routes of all apps, collected in one place for asgi.py."""

websocket_urlpatterns: list = []
