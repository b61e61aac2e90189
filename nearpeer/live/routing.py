"""WebSocket routes of live questions (collected by nearpeer.core.routing). The participant
socket, /ws/live/<code>/, is served before these by participant_socket.ParticipantRoute
(nearpeer/asgi.py): a plain ASGI handler, not a Channels consumer."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/live/<str:code>/present/", consumers.PresenterConsumer.as_asgi()),
]
