"""The ASGI process (Procfile: chat): Django's HTTP views and the WebSockets the stages register
(emarketing.websockets). Each route brings its own middleware (the staff's sockets read the session) and each
consumer checks its origins."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emarketing.settings.local")
# Set up Django (and the apps' ready(), which register the routes) before anything imports a model.
http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from emarketing.websockets import websocket_routes  # noqa: E402

application = ProtocolTypeRouter({"http": http_application, "websocket": URLRouter(websocket_routes.patterns())})
