"""The gate in front of every signed webhook: a size read before the body, the signature with its timestamp, and
JSON read within a depth limit.

Order matters. The declared length is judged before a byte of the body is read, so a huge post costs nothing;
the signature is checked before the body is parsed, so nobody without the secret makes us parse anything; and
the nesting depth is counted by a flat scan before ``json.loads`` runs, because CPython's parser recurses once
per level and a body nested a hundred thousand deep would end in ``RecursionError`` (a 500) instead of a 400.
"""

import json
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from emarketing.signing import signature_problem

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_DEPTH_STEP = tuple(1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256))


class JSONBodyError(ValueError):
    """A body refused before or while parsing; ``error`` is the machine code, the message is for people."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


def json_depth_exceeds(body: bytes, max_depth: int) -> bool:
    """True when arrays and objects in ``body`` nest deeper than ``max_depth``; brackets in strings do not count.

    All of it runs at C speed (a Python loop over a megabyte of brackets took seconds): strings are dropped as
    JSON's grammar reads them, then everything but brackets, and the deepest point of the running count of
    openers less closers is the depth. Where the count would mislead (a closer too many, a string left open) the
    body is not JSON up to that point, and the parser stops there without recursing further.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > max_depth


def json_body_read(body: bytes, *, max_depth: int | None = None) -> Any:
    """The parsed body, or ``JSONBodyError``: not UTF-8, not JSON, or nested deeper than ``max_depth``."""
    limit = settings.WEBHOOK_JSON_MAX_DEPTH if max_depth is None else max_depth
    if json_depth_exceeds(body, limit):
        raise JSONBodyError(
            "JSON too deep", _("The body nests arrays and objects deeper than %(limit)d levels.") % {"limit": limit}
        )
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise JSONBodyError("malformed JSON", _("The body is not JSON.")) from error


def _refusal(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "fields": {"__all__": [message]}}, status=status)


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def webhook_refusal(
    request: HttpRequest, *, secret: str, scope: str, max_bytes: int | None = None
) -> JsonResponse | None:
    """The answer refusing ``request`` (413 too large, 401 unsigned, stale or signed for another scope), or None.

    ``max_bytes`` defaults to ``WEBHOOK_MAX_BODY_BYTES``; the body is not read when its declared length is over it.
    """
    limit = settings.WEBHOOK_MAX_BODY_BYTES if max_bytes is None else max_bytes
    if declared_length(request) > limit:
        return _refusal(413, "body too large", _("The body is larger than %(limit)d bytes.") % {"limit": limit})
    problem = signature_problem(
        body=request.body,
        headers=request.headers,
        secret=secret,
        scope=scope,
        tolerance=settings.WEBHOOK_SIGNATURE_TOLERANCE,
    )
    if problem:
        return JsonResponse({"error": problem}, status=401)
    return None
