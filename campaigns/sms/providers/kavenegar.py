"""Kavenegar (kavenegar.com), Iran: its REST API, ``{base}/v1/{API-KEY}/sms/send.json``.

A send posts ``receptor``, ``sender``, ``message`` and ``localid`` (our id, so a repeated request is not sent
twice by Kavenegar either) and answers ``{"return": {"status": 200, "message": …}, "entries": [{"messageid": …,
"status": …}]}``. A ``return.status`` other than 200 refuses the message: for good when it is about the message
(411 receptor, 412 sender, 413 text, 422 characters), for now otherwise (409 server busy, 414 too many requests,
418 credit, 401/403/407 account: once an operator has fixed the account the message goes). Its delivery reports
post ``messageid`` and ``status`` (10 delivered, 11 undelivered, 6 failed, 13 cancelled, 14 filtered by the
carrier's block list) to the URL set in its panel; a received message posts ``from``, ``to``, ``message`` and
``messageid``. Both URLs carry our secret token (``?token=``), compared in constant time.
"""

from collections.abc import Sequence

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

PERMANENT = {411, 412, 413, 422}
# Delivery status codes (Kavenegar's MessageStatus): what each means for the message.
STATES = {
    1: PENDING,  # queued
    2: PENDING,  # scheduled
    4: PENDING,  # sent to the centre
    5: PENDING,  # sent to the carrier
    6: FAILED,  # could not be sent to the carrier
    10: DELIVERED,
    11: UNDELIVERABLE,  # not delivered to the handset
    13: FAILED,  # cancelled
    14: UNDELIVERABLE,  # filtered: the number blocks advertising messages
    100: PENDING,  # unknown message id
}


class KavenegarProvider(SmsProvider):
    name = "kavenegar"

    def _url(self) -> str:
        return f"{settings.SMS_KAVENEGAR_BASE_URL.rstrip('/')}/v1/{settings.SMS_KAVENEGAR_API_KEY}/sms/send.json"

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        results = []
        for message in batch:
            fields = {
                "receptor": message.to,
                "sender": message.sender,
                "message": message.text,
                "localid": str(message.reference),
            }
            try:
                status, data = self.http("POST", self._url(), fields=fields)
            except ProviderError as error:
                results.append(SendResult(message.reference, False, error=str(error), temporary=True))
                continue
            results.append(self._result(message.reference, status, data))
        return results

    def _result(self, reference: int, http_status: int, data: object) -> SendResult:
        answer = (data or {}).get("return", {}) if isinstance(data, dict) else {}
        code = answer.get("status", http_status) if isinstance(answer, dict) else http_status
        text = str(answer.get("message", "")) if isinstance(answer, dict) else ""
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = http_status
        if code == 200 and isinstance(data, dict) and data.get("entries"):
            entry = data["entries"][0]
            state = STATES.get(int(entry.get("status") or 0), PENDING)
            if state in (FAILED, UNDELIVERABLE):
                return SendResult(
                    reference, False, str(entry.get("messageid", "")), f"Kavenegar status {entry.get('status')}"
                )
            return SendResult(reference, True, str(entry.get("messageid", "")))
        error = f"Kavenegar {code}: {text}".strip()
        return SendResult(reference, False, error=error, temporary=code not in PERMANENT)

    def verify(self, request: HttpRequest) -> bool:
        return url_token_matches(request, settings.SMS_WEBHOOK_TOKEN)

    def parse_status(self, request: HttpRequest) -> list[StatusReport]:
        fields = form_or_json(request)
        provider_id = fields.get("messageid", "").strip()
        try:
            code = int(fields.get("status", ""))
        except ValueError:
            return []
        if not provider_id:
            return []
        return [StatusReport(provider_id, STATES.get(code, PENDING), f"Kavenegar status {code}")]

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        fields = form_or_json(request)
        sender = fields.get("from", "").strip()
        if not sender:
            return []
        return [Inbound(sender, fields.get("message", ""), fields.get("messageid", ""))]
