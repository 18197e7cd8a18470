"""HMAC-SHA256 signatures over a request's raw body, as webhooks from the website and providers send them."""

import hashlib
import hmac


def body_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    """True when ``header`` (``sha256=<hex>`` or bare hex) is the body's signature; never with no secret."""
    if not secret or not header:
        return False
    given = header.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    return hmac.compare_digest(body_signature(body, secret), given.lower())
