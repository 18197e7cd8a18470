"""The SMS providers, chosen by ``SMS_PROVIDER`` (``console`` by default: recorded, never sent)."""

from django.conf import settings

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
from .console import ConsoleProvider
from .http import HttpProvider
from .kavenegar import KavenegarProvider
from .twilio import TwilioProvider, twilio_signature

PROVIDERS: dict[str, type[SmsProvider]] = {
    "console": ConsoleProvider,
    "kavenegar": KavenegarProvider,
    "twilio": TwilioProvider,
    "http": HttpProvider,
}


def provider_named(name: str) -> SmsProvider | None:
    """The adapter called ``name``, or None for a name not known."""
    cls = PROVIDERS.get(name)
    return cls() if cls is not None else None


def current_provider() -> SmsProvider:
    """The provider messages are sent through now (``SMS_PROVIDER``)."""
    provider = provider_named(settings.SMS_PROVIDER)
    if provider is None:
        raise ValueError(f"SMS_PROVIDER={settings.SMS_PROVIDER!r} is none of {', '.join(PROVIDERS)}.")
    return provider


__all__ = [
    "DELIVERED",
    "FAILED",
    "PENDING",
    "PROVIDERS",
    "UNDELIVERABLE",
    "ConsoleProvider",
    "HttpProvider",
    "Inbound",
    "KavenegarProvider",
    "Outgoing",
    "ProviderError",
    "SendResult",
    "SmsProvider",
    "StatusReport",
    "TwilioProvider",
    "current_provider",
    "provider_named",
    "twilio_signature",
]
