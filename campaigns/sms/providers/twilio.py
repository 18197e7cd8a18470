"""Twilio: ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`` with Basic auth (the account SID and its
auth token), ``To``, ``From``, ``Body`` and ``StatusCallback``; a 201 answers the message's ``sid``.

A refusal (4xx with Twilio's error ``code``) is for good when it is about the number or the recipient (21211 not a
valid number, 21612/21408 not reachable from this sender or region, 21610 the recipient replied STOP, 21614 not a
mobile), for now otherwise (429, 5xx, an account problem). Status callbacks post ``MessageSid``,
``MessageStatus`` (``delivered``, ``undelivered``, ``failed``; the steps before are not kept) and ``ErrorCode``;
they are signed in ``X-Twilio-Signature``: base64 of the HMAC-SHA1, keyed with the auth token, of the full URL
Twilio posted to followed by every POST parameter's name and value, sorted by name.
"""

import base64
import hashlib
import hmac
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

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
)

PERMANENT = {21211, 21408, 21610, 21612, 21614}
# Carrier errors of an undelivered message that mean the number cannot receive: unknown, a landline, blocked.
GONE = {"30004", "30005", "30006", "21610"}


def twilio_signature(*, url: str, params: Sequence[tuple[str, str]], auth_token: str) -> str:
    """What Twilio puts in ``X-Twilio-Signature`` for a post of ``params`` to ``url``."""
    payload = url + "".join(f"{name}{value}" for name, value in sorted(params, key=lambda pair: pair[0]))
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def status_callback_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("sms_webhooks:status", args=["twilio"])


class TwilioProvider(SmsProvider):
    name = "twilio"

    def _url(self) -> str:
        sid = settings.SMS_TWILIO_ACCOUNT_SID
        return f"{settings.SMS_TWILIO_BASE_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        credentials = f"{settings.SMS_TWILIO_ACCOUNT_SID}:{settings.SMS_TWILIO_AUTH_TOKEN}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode()}
        results = []
        for message in batch:
            fields = {
                "To": message.to,
                "From": message.sender,
                "Body": message.text,
                "StatusCallback": status_callback_url(),
            }
            try:
                status, data = self.http("POST", self._url(), fields=fields, headers=headers)
            except ProviderError as unreachable:
                results.append(SendResult(message.reference, False, error=str(unreachable), temporary=True))
                continue
            data = data if isinstance(data, dict) else {}
            if status in (200, 201) and data.get("sid"):
                results.append(SendResult(message.reference, True, str(data["sid"])))
                continue
            code = data.get("code")
            error = f"Twilio {status} {code or ''}: {data.get('message', '')}".strip()
            permanent = status < 500 and status != 429 and code in PERMANENT
            results.append(SendResult(message.reference, False, error=error, temporary=not permanent))
        return results

    def verify(self, request: HttpRequest) -> bool:
        token = settings.SMS_TWILIO_AUTH_TOKEN
        given = request.headers.get("X-Twilio-Signature", "")
        if not token or not given:
            return False
        params = [(name, value) for name in request.POST for value in request.POST.getlist(name)]
        expected = twilio_signature(url=request.build_absolute_uri(), params=params, auth_token=token)
        return hmac.compare_digest(expected.encode(), given.encode())

    def parse_status(self, request: HttpRequest) -> list[StatusReport]:
        sid = request.POST.get("MessageSid", "").strip()
        status = request.POST.get("MessageStatus", "").strip().lower()
        error = request.POST.get("ErrorCode", "").strip()
        if not sid:
            return []
        if status == "delivered":
            state = DELIVERED
        elif status == "undelivered" or status == "failed":
            state = UNDELIVERABLE if error in GONE else FAILED
        else:
            state = PENDING
        return [StatusReport(sid, state, f"Twilio {status} {error}".strip())]

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        sender = request.POST.get("From", "").strip()
        if not sender:
            return []
        return [Inbound(sender, request.POST.get("Body", ""), request.POST.get("MessageSid", ""))]
