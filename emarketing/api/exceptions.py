"""Every error in one shape: ``{"error": code, "message": text, "fields": {field: [messages]}}``.

``error`` is a stable machine code (``invalid``, ``not_authenticated``, ``permission_denied``, ``not_found``,
``throttled``, ``idempotency_conflict``…); ``message`` is for people, in the request's language; ``fields`` names
each field at fault (empty when the error is not about fields). A ``ValidationError`` from a service (the rules the
admin applies too) is answered as a 400 like a serializer's.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors flattened to dotted names: ``lines[0].sku``, ``customer.email``."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            key = f"{prefix}{name}" if str(name).startswith("[") else f"{prefix}.{name}" if prefix else str(name)
            if name == "non_field_errors":
                key = prefix or "__all__"
            if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
                fields.update(_fields(value, key))
            else:
                fields.setdefault(key, []).extend(_messages(value))
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            if value:
                fields.update(_fields(value, f"{prefix}[{i}]"))
    return fields


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "fields": fields or {}}


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("Some fields are not valid."), _fields(exc.detail))
        if not body["fields"]:
            body["fields"] = {"__all__": _messages(exc.detail)}
    else:
        said = getattr(exc, "detail", None)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        body = error_body(code, " ".join(_messages(said)) if said is not None else str(exc))
    set_rollback()
    response.data = body
    return response


# The error shape for the schema (drf-spectacular reads it from here).
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "fields"],
    "properties": {
        "error": {"type": "string", "description": "A stable machine code, e.g. invalid, not_found, throttled."},
        "message": {"type": "string", "description": "For people, in the request's language."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Each field at fault with its messages; empty when the error is not about fields.",
        },
    },
}
