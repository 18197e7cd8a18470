"""Bounces, complaints and deliveries that a sending provider reports by webhook (through django-anymail).

Anymail checks each post (basic auth, and the provider's signature where it has one: Mailgun, SendGrid) and
turns the provider's payload into normalised tracking events; :func:`tracking_received`, connected to its
``tracking`` signal in ``CampaignsConfig.ready()``, records the few that matter here:

- ``bounced`` → a hard bounce, unless the provider says it was temporary (Amazon SES ``Transient`` or
  ``Undetermined``, Postmark ``SoftBounce``), gives a reason that is not about the address (``blocked``,
  ``spam``, ``timed_out``, ``other``), or its status code says so (``bounces.status_event``): then a soft one;
- ``deferred`` → a soft bounce (one message deferred many times counts once in a run);
- ``complained`` → a complaint;
- ``rejected`` because the provider already knows the address bounced (``bounced``, ``invalid``) → a hard bounce;
- ``delivered`` → ends a run of soft bounces.

The provider's event id (with the recipient) is the reference, so a webhook posted again is recorded once. The
message is found by the signed tag in the event's metadata (``delivery``) or by our Message-ID in the payload,
when the provider returns it; otherwise the report has no campaign, and still acts on the address.
"""

import hashlib
import json
from typing import Any

from campaigns.models import DeliveryEvent, DeliveryReport, ReportSource
from campaigns.verp import message_id_read, tag_read

from .bounces import delivery_report_record, status_event

ESP_SOURCES = {
    "Amazon SES": ReportSource.AMAZON_SES,
    "Mailgun": ReportSource.MAILGUN,
    "Postmark": ReportSource.POSTMARK,
    "SendGrid": ReportSource.SENDGRID,
}
NOT_ABOUT_THE_ADDRESS = {"blocked", "spam", "timed_out", "other"}
ADDRESS_GONE = {"bounced", "invalid"}


def _esp(event: Any) -> dict[str, Any]:
    raw = getattr(event, "esp_event", None)
    return raw if isinstance(raw, dict) else {}


def _temporary(esp_name: str, raw: dict[str, Any]) -> bool:
    if esp_name == "Amazon SES":
        return str((raw.get("bounce") or {}).get("bounceType", "")) in ("Transient", "Undetermined")
    if esp_name == "Postmark":
        return str(raw.get("Type", "")) in ("SoftBounce", "Transient", "DnsError")
    if esp_name == "SendGrid":
        return str(raw.get("type", "")).lower() == "blocked"
    if esp_name == "Mailgun":
        return str((raw.get("event-data") or raw).get("severity", "")).lower() == "temporary"
    return False


def provider_event_kind(*, event: Any, esp_name: str) -> str | None:
    """The delivery event an anymail tracking event means here, or None for the ones not kept (opens, clicks…)."""
    event_type = str(getattr(event, "event_type", "") or "")
    reason = str(getattr(event, "reject_reason", "") or "")
    if event_type == "bounced":
        mta = str(getattr(event, "mta_response", "") or "")
        if (
            reason in NOT_ABOUT_THE_ADDRESS
            or _temporary(esp_name, _esp(event))
            or status_event(mta) == DeliveryEvent.SOFT_BOUNCE
        ):
            return DeliveryEvent.SOFT_BOUNCE
        return DeliveryEvent.HARD_BOUNCE
    if event_type == "deferred":
        return DeliveryEvent.SOFT_BOUNCE
    if event_type == "complained":
        return DeliveryEvent.COMPLAINT
    if event_type == "rejected" and reason in ADDRESS_GONE:
        return DeliveryEvent.HARD_BOUNCE
    if event_type == "delivered":
        return DeliveryEvent.DELIVERED
    return None


def _message_ids(raw: dict[str, Any]) -> list[str]:
    """Our Message-ID where a provider's payload repeats it (SES common headers, SendGrid's smtp-id, Mailgun's
    message headers)."""
    found = [
        ((raw.get("mail") or {}).get("commonHeaders") or {}).get("messageId"),
        raw.get("smtp-id"),
        (((raw.get("event-data") or raw).get("message") or {}).get("headers") or {}).get("message-id"),
    ]
    return [str(v) for v in found if v]


def _our_message(event: Any) -> tuple[str, int] | None:
    metadata = getattr(event, "metadata", None) or {}
    tag = metadata.get("delivery") if isinstance(metadata, dict) else None
    if tag:
        named = tag_read(str(tag))
        if named:
            return named
    for value in _message_ids(_esp(event)):
        named = message_id_read(value if value.startswith("<") else f"<{value}>")
        if named:
            return named
    return None


def provider_event_record(*, event: Any, esp_name: str) -> DeliveryReport | None:
    """Record one anymail tracking event (see the module); None when it is not kept or was recorded before."""
    source = ESP_SOURCES.get(esp_name)
    kind = provider_event_kind(event=event, esp_name=esp_name)
    recipient = str(getattr(event, "recipient", "") or "")
    if source is None or kind is None or not recipient:
        return None
    event_id = str(getattr(event, "event_id", "") or "")
    if not event_id:
        event_id = hashlib.sha256(json.dumps(_esp(event), sort_keys=True, default=str).encode()).hexdigest()[:32]
    named = _our_message(event)
    detail = str(getattr(event, "mta_response", "") or getattr(event, "description", "") or "")
    return delivery_report_record(
        address=recipient,
        event=kind,
        source=source,
        detail=detail,
        kind_code=named[0] if named else "",
        row_id=named[1] if named else None,
        reference=f"{source}:{event_id}:{recipient.lower()}",
    )


def tracking_received(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """Receiver of anymail's ``tracking`` signal (connected in ``CampaignsConfig.ready()``)."""
    provider_event_record(event=event, esp_name=esp_name)
