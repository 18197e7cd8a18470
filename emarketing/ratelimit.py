"""A small fixed-window rate limit on Django's cache, for the public endpoints of every stage."""

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Behind a load balancer, TRUSTED_PROXY_COUNT makes REMOTE_ADDR the client's (emarketing.proxies): a header
    # the client sends itself is not trusted.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request: HttpRequest, *, scope: str, limit: int, window: int = 60) -> bool:
    """True while this client made at most ``limit`` requests in ``scope`` in the current window (0: no limit)."""
    if not limit:
        return True
    key = f"rl:{scope}:{client_ip(request)}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit
