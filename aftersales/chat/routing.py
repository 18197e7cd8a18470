"""The chat's WebSocket routes, registered into the project's ASGI router (emarketing.websockets). Only the
console's socket reads the session (the staff member signed in to the admin): a visitor's connection never waits
for a session or user lookup."""

from channels.auth import AuthMiddlewareStack
from django.urls import path

from aftersales.chat.consumers import StaffConsumer, VisitorConsumer

websocket_urlpatterns = [
    path("ws/chat/", VisitorConsumer.as_asgi()),
    path("ws/chat/staff/", AuthMiddlewareStack(StaffConsumer.as_asgi())),
]
