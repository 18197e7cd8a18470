"""A generic HTTP gateway, described by settings: many local SMS gateways take one request a message.

``SMS_HTTP_URL`` is the address, ``SMS_HTTP_METHOD`` the method, ``SMS_HTTP_BODY`` the body template (empty: none,
for a GET that carries everything in the URL) and ``SMS_HTTP_CONTENT_TYPE`` its type. In the URL and the body,
``{to}``, ``{sender}``, ``{text}`` and ``{reference}`` are replaced by the message's values, URL-encoded in the URL
and in a form body, JSON-escaped (without the quotes) in a JSON body. A 2xx answer is accepted, its id read from the
JSON field ``SMS_HTTP_ID_FIELD`` (else our reference); 429 and 5xx are tried again later, any other answer fails the
message. Delivery reports post (form or JSON) ``id`` and ``status`` (``delivered``, ``failed``, ``undeliverable``)
and received messages ``from`` and ``text``, each to its URL with our secret token (``?token=``).
"""

import json
from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest

from .base import (
    DELIVERED,
    FAILED,
    PENDING,
    UNDELIVERABLE,
    Inbound,
    Outgoing,
    ProviderError,
    SendResult,
    SmsProvider,
    StatusReport,
    form_or_json,
    url_token_matches,
)


def _fill(template: str, message: Outgoing, escape: str) -> str:
    values = {"to": message.to, "sender": message.sender, "text": message.text, "reference": str(message.reference)}
    for name, value in values.items():
        if escape == "url":
            value = quote(value, safe="")
        elif escape == "json":
            value = json.dumps(value, ensure_ascii=False)[1:-1]
        template = template.replace("{" + name + "}", value)
    return template


class HttpProvider(SmsProvider):
    name = "http"

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        content_type = settings.SMS_HTTP_CONTENT_TYPE
        body_escape = "json" if "json" in content_type else "url"
        results = []
        for message in batch:
            url = _fill(settings.SMS_HTTP_URL, message, "url")
            body = _fill(settings.SMS_HTTP_BODY, message, body_escape).encode() if settings.SMS_HTTP_BODY else None
            headers = {"Content-Type": content_type} if body is not None else {}
            if settings.SMS_HTTP_AUTHORIZATION:
                headers["Authorization"] = settings.SMS_HTTP_AUTHORIZATION
            try:
                status, data = self.http(settings.SMS_HTTP_METHOD, url, body=body, headers=headers)
            except ProviderError as unreachable:
                results.append(SendResult(message.reference, False, error=str(unreachable), temporary=True))
                continue
            if 200 <= status < 300:
                found = data.get(settings.SMS_HTTP_ID_FIELD) if isinstance(data, dict) else None
                results.append(SendResult(message.reference, True, str(found or message.reference)))
            else:
                error = f"HTTP {status}: {json.dumps(data)[:200] if data is not None else ''}".strip()
                results.append(
                    SendResult(message.reference, False, error=error, temporary=status == 429 or status >= 500)
                )
        return results

    def verify(self, request: HttpRequest) -> bool:
        return url_token_matches(request, settings.SMS_WEBHOOK_TOKEN)

    def parse_status(self, request: HttpRequest) -> list[StatusReport]:
        fields = form_or_json(request)
        provider_id = fields.get("id", "").strip()
        status = fields.get("status", "").strip().lower()
        state = {"delivered": DELIVERED, "failed": FAILED, "undeliverable": UNDELIVERABLE}.get(status, PENDING)
        return [StatusReport(provider_id, state, f"HTTP gateway {status}")] if provider_id else []

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        fields = form_or_json(request)
        sender = fields.get("from", "").strip()
        return [Inbound(sender, fields.get("text", ""), fields.get("id", ""))] if sender else []
