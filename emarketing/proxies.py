"""The client's address behind the load balancers and proxies of a deployment.

Rate limits, the sign-in lockout and the audit log read ``REMOTE_ADDR``. Behind a load balancer that is the
balancer's own address, so every visitor would share one rate limit. With ``TRUSTED_PROXY_COUNT`` = N (the number of
proxies of ours in front of the application server, each appending the address it saw to ``X-Forwarded-For``), the
client is the Nth address from the right of that header: what our outermost proxy saw. Addresses further left were
written by the client and are never believed. With 0 (the default) the header is ignored.
"""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def forwarded_client(request: HttpRequest, proxies: int) -> str | None:
    """The address our outermost proxy saw, or None when the header is missing, too short or not an address."""
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if proxies <= 0 or len(hops) < proxies:
        return None
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """First in the chain: ``REMOTE_ADDR`` becomes the client's address as the trusted proxies report it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = forwarded_client(request, int(settings.TRUSTED_PROXY_COUNT))
        if client:
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
