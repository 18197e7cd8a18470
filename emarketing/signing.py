"""HMAC-SHA256 signatures of the signed machine-to-machine webhooks (orders, payment notifications, inbound mail).

A body signature alone could be replayed: the same body with another ``Idempotency-Key`` header made a second
order, and a payment notification posted under another provider's URL was new to us. So the signature covers
everything that changes the outcome of a request, in this order, one line each:

    <unix timestamp>\\n<scope>\\n<idempotency key or empty>\\n<raw body>

``scope`` names the endpoint and what its URL adds (``orders``, ``payments/<provider>``, ``inbound-mail``), and
the timestamp, sent in ``X-Signature-Timestamp``, must lie within ``WEBHOOK_SIGNATURE_TOLERANCE`` seconds of our
clock, so an old request captured on the way cannot be played again later.
"""

import hashlib
import hmac
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signed_message(*, body: bytes, timestamp: str, scope: str, idempotency_key: str = "") -> bytes:
    """The bytes that are signed; header values cannot hold a line break, so the lines cannot be confused."""
    return b"\n".join([timestamp.encode(), scope.encode(), idempotency_key.encode(), body])


def request_signature(*, body: bytes, secret: str, timestamp: str, scope: str, idempotency_key: str = "") -> str:
    message = signed_message(body=body, timestamp=timestamp, scope=scope, idempotency_key=idempotency_key)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_headers(
    *, body: bytes, secret: str, scope: str, idempotency_key: str = "", timestamp: int | None = None
) -> dict[str, str]:
    """The headers a sender adds to a signed post (as the website's and the providers' integrations do)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: "sha256="
        + request_signature(body=body, secret=secret, timestamp=stamp, scope=scope, idempotency_key=idempotency_key),
    }
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    return headers


def signature_problem(
    *, body: bytes, headers: Mapping[str, str], secret: str, scope: str, tolerance: int, now: float | None = None
) -> str:
    """Why a request's signature is refused, or ``""`` when it is good; never good with no secret configured."""
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    stamp = (headers.get(TIMESTAMP_HEADER) or "").strip()
    if not secret or not given:
        return "invalid signature"
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return "missing or malformed timestamp"
    clock = time.time() if now is None else now
    if abs(clock - int(stamp)) > tolerance:
        return "stale timestamp"
    if given.lower().startswith("sha256="):
        given = given[7:]
    if not given.isascii():
        return "invalid signature"
    expected = request_signature(
        body=body,
        secret=secret,
        timestamp=stamp,
        scope=scope,
        idempotency_key=headers.get(IDEMPOTENCY_HEADER) or "",
    )
    if not hmac.compare_digest(expected, given.lower()):
        return "invalid signature"
    return ""
