"""Each key's rate limit, counted in Django's cache: the product's cache is shared by its processes (a file cache on
one host, Redis across hosts), so every process counts the same requests."""

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from emarketing.api.models import ApiKey
from emarketing.ratelimit import allow_key, seconds_left

WINDOW = 60


class ApiKeyThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        return allow_key(f"api:{key.pk}", limit=key.rate_limit, window=WINDOW)

    def wait(self) -> float:
        return seconds_left(WINDOW)
