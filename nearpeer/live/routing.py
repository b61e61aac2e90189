"""WebSocket routes of live questions (collected by nearpeer.core.routing)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/live/<str:code>/", consumers.ParticipantConsumer.as_asgi()),
    path("ws/live/<str:code>/present/", consumers.PresenterConsumer.as_asgi()),
]
