"""A short way through for the busiest public addresses.

Open pixels, click redirects and website events are most of the requests a marketing platform answers, and none of
them is a page: no session, no signed-in user, no two-factor standing, no audit actor, no messages, no page
policy. Sent through the whole chain they paid for all of it, and a staff member's admin session in the same
browser could even turn a campaign link into a redirect to the two-factor page.

``LeanPathsMiddleware`` sits right after the proxy and security middleware. A request whose path starts with one of
``LEAN_PATH_PREFIXES`` is resolved and answered by its view at once; every other request goes down the chain as
before. The views on those paths must rely on nothing that the skipped middleware provides (they are GET-only or
``csrf_exempt``, and read only the headers and the client address).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import resolve


class LeanPathsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.LEAN_PATH_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (self.prefixes and request.path_info.startswith(self.prefixes)):
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response
