"""Where pages open the chat's WebSockets: CHAT_WS_URL behind a proxy, else this host on CHAT_PORT."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def socket_url(request: HttpRequest, *, staff: bool = False) -> str:
    base = settings.CHAT_WS_URL
    if not base:
        scheme = "wss" if request.is_secure() else "ws"
        host = urlsplit(f"//{request.get_host()}").hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        base = f"{scheme}://{host}:{settings.CHAT_PORT}/ws/chat/"
    base = base if base.endswith("/") else base + "/"
    return base + "staff/" if staff else base


def socket_origin(url: str) -> str:
    """The origin a page's Content-Security-Policy must let it connect to (connect-src)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
