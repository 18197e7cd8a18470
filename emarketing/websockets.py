"""The WebSocket routes of the ASGI process (emarketing.asgi): a registry each stage fills in its
``AppConfig.ready()``, since the project's bottom floor imports no stage (the live chat registers its own)."""

from typing import Any


class WebsocketRoutes:
    def __init__(self) -> None:
        self._routes: dict[str, list[Any]] = {}

    def register(self, key: str, routes: list[Any]) -> None:
        """Add a stage's URL patterns (``path("ws/…", Consumer.as_asgi())``); the same key again replaces them."""
        self._routes[key] = list(routes)

    def patterns(self) -> list[Any]:
        return [route for routes in self._routes.values() for route in routes]


websocket_routes = WebsocketRoutes()
