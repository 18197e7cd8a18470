"""The chat's WebSocket routes, registered into the project's ASGI router (emarketing.websockets)."""

from django.urls import path

from aftersales.chat.consumers import StaffConsumer, VisitorConsumer

websocket_urlpatterns = [
    path("ws/chat/", VisitorConsumer.as_asgi()),
    path("ws/chat/staff/", StaffConsumer.as_asgi()),
]
