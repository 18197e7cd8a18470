"""One interface for every SMS provider: send a batch, read a delivery report, read an inbound message.

An adapter speaks its provider's documented HTTP API; its base URL and credentials are settings, so tests point it
at a local stand-in. ``send`` never raises for a message: each gets an :class:`SendResult` (accepted with the
provider's id, or refused, temporarily or for good); a provider that cannot be reached refuses the whole batch
temporarily.
"""

import abc
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import urllib3
from django.conf import settings
from django.http import HttpRequest

# What a delivery report says, in our words (``campaigns.models.SmsReport`` values, and "" for a step on the way).
DELIVERED = "delivered"
FAILED = "failed"
UNDELIVERABLE = "undeliverable"
PENDING = ""


@dataclass(frozen=True)
class Outgoing:
    """One message to hand over: the number in E.164, the sender, the text and our id of the message."""

    to: str
    sender: str
    text: str
    reference: int


@dataclass(frozen=True)
class SendResult:
    reference: int
    accepted: bool
    provider_id: str = ""
    error: str = ""
    temporary: bool = False  # refused for now (try again later); False with accepted False: refused for good


@dataclass(frozen=True)
class StatusReport:
    """A delivery report: the provider's id of the message (or ours, when it returns it), and what happened."""

    provider_id: str
    state: str
    detail: str = ""
    reference: int | None = None


@dataclass(frozen=True)
class Inbound:
    """A message a customer sent to one of our numbers."""

    sender: str
    text: str
    provider_id: str = ""


class ProviderError(Exception):
    """The provider could not be reached or answered nonsense: every message of the batch is tried again later."""


def form_or_json(request: HttpRequest) -> dict[str, str]:
    """The fields of a webhook post, whether form-encoded or JSON (the body was size-checked by the view)."""
    body = request.body
    if (request.content_type or "").endswith("json"):
        try:
            data = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    fields = {str(k): str(v) for k, v in request.POST.items()}
    return {**{str(k): str(v) for k, v in request.GET.items() if k != "token"}, **fields}


class SmsProvider(abc.ABC):
    """What the sending service and the webhooks need of a provider."""

    name: str
    # Messages handed over in one call; an adapter whose API sends one message a request says 1.
    batch_size: int = 1

    @abc.abstractmethod
    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        """Hand over ``batch``; one result per message, in order."""

    def parse_status(self, request: HttpRequest) -> list[StatusReport]:
        """The delivery reports of a (verified) webhook post."""
        return []

    def parse_inbound(self, request: HttpRequest) -> list[Inbound]:
        """The customers' messages of a (verified) webhook post."""
        return []

    def verify(self, request: HttpRequest) -> bool:
        """True when the post comes from the provider (its signature, or our secret token in the URL)."""
        return False

    # -- HTTP, shared by the adapters ----------------------------------------------------------------------------

    _pool: urllib3.PoolManager | None = None

    def http(
        self,
        method: str,
        url: str,
        *,
        fields: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request; the status and the JSON answer (None when the answer is not JSON). Raises
        :class:`ProviderError` when the provider cannot be reached or times out."""
        if SmsProvider._pool is None:
            SmsProvider._pool = urllib3.PoolManager(retries=False)
        timeout = urllib3.Timeout(total=float(settings.SMS_HTTP_TIMEOUT))
        try:
            if fields is not None and method.upper() == "GET":
                response = SmsProvider._pool.request(
                    method, url, fields=dict(fields), headers=dict(headers or {}), timeout=timeout
                )
            elif fields is not None:
                response = SmsProvider._pool.request_encode_body(
                    method, url, fields=dict(fields), headers=dict(headers or {}), encode_multipart=False,
                    timeout=timeout,  # type: ignore[arg-type]  # urllib3's stub names str; a Timeout is accepted
                )  # fmt: skip
            else:
                response = SmsProvider._pool.request(
                    method, url, body=body, headers=dict(headers or {}), timeout=timeout
                )
        except urllib3.exceptions.HTTPError as error:
            raise ProviderError(f"{self.name}: {error.__class__.__name__}: {error}") from error
        try:
            data = json.loads(response.data or b"null")
        except (ValueError, UnicodeDecodeError):
            data = None
        return response.status, data


def url_token_matches(request: HttpRequest, secret: str) -> bool:
    """The secret token in the webhook's URL (``?token=``), compared in constant time; never with no secret set."""
    import hmac

    given = request.GET.get("token", "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())
