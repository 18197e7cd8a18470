"""``Idempotency-Key`` on writes: a client that did not hear the answer sends the same request again with the same
key and gets the first answer back, the write done once. The same key with another request is refused (409).

The write and the stored answer commit together: two requests racing with one key cannot both write (the second
one's insert of the key fails on its unique constraint, its write is rolled back, and it answers as a replay).
Answers with an error are not stored: the client may correct the request and send it again under the same key.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from emarketing.api.exceptions import Conflict
from emarketing.api.models import ApiKey, IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def request_digest(request: Request) -> str:
    text = json.dumps(
        {"method": request.method, "path": request.path, "body": request.data},
        sort_keys=True,
        cls=JSONEncoder,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(stored: IdempotencyKey, digest: str) -> Response:
    if stored.request_hash != digest:
        raise Conflict(_("This Idempotency-Key was sent before with another request."), code="idempotency_conflict")
    return Response(stored.body, status=stored.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(request: Request, write: Callable[[], Response]) -> Response:
    """Run ``write`` once per (API key, Idempotency-Key); without the header, just run it."""
    value = request.headers.get(HEADER, "")
    key = request.auth
    if not value or not isinstance(key, ApiKey):
        return write()
    if len(value) > MAX_LENGTH:
        raise ValidationError({HEADER: [_("At most %(max)d characters.") % {"max": MAX_LENGTH}]})
    digest = request_digest(request)
    stored = IdempotencyKey.objects.filter(api_key=key, key=value).first()
    if stored is not None:
        return _replay(stored, digest)
    try:
        with transaction.atomic():
            response = write()
            if response.status_code >= 400:
                return response
            body: Any = json.loads(json.dumps(response.data, cls=JSONEncoder))
            IdempotencyKey.objects.create(
                api_key=key, key=value, request_hash=digest, status_code=response.status_code, body=body
            )
    except IntegrityError:
        stored = IdempotencyKey.objects.filter(api_key=key, key=value).first()
        if stored is None:
            raise
        return _replay(stored, digest)
    return response
