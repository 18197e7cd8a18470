"""Signed tokens of the public links in every e-mail: tracking, clicks, preferences and unsubscribing, and the
dated link that confirms a request to erase one's data.

A token carries the ids it needs, so the public endpoints answer without reading the database; the signature
(HMAC with the secret key, a salt per purpose) means nobody can forge or alter one.
"""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.conf import settings
from django.core import signing

from customers.models import address_hash

OPEN_SALT = "campaigns.open"
CLICK_SALT = "campaigns.click"
BANNER_SALT = "campaigns.banner"
PREFERENCES_SALT = "campaigns.preferences"


class BadToken(Exception):
    """A token whose signature does not match: it was altered or made up."""


@dataclass(frozen=True)
class Recipient:
    campaign_id: int
    customer_id: int | None  # None in a desire token of a visitor who came without one
    creative_id: int | None


class _Signer(signing.Signer):
    """Django's Signer, with the HMAC key of the current secret derived once instead of on every token.

    Tokens are exactly those of ``signing.Signer`` (same salted HMAC-SHA256, same encoding); the public
    endpoints check thousands a second.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # _signer hands in str only: a salt of ours and SECRET_KEY.
        salt, key = cast(str, self.salt), cast(str, self.key)
        derived = hashlib.sha256(f"{salt}signer{key}".encode()).digest()
        self._mac = hmac.new(derived, digestmod=hashlib.sha256)

    def signature(self, value: str | bytes, key: str | bytes | None = None) -> str:
        if key is not None and key != self.key:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(str(value).encode())
        return signing.b64_encode(mac.digest()).decode()


@lru_cache(maxsize=32)
def _signer(salt: str, secret_key: str, fallbacks: tuple[str, ...]) -> _Signer:
    # One signer per purpose and key; a key rotation (SECRET_KEY_FALLBACKS) makes a new one.
    return _Signer(key=secret_key, salt=salt, fallback_keys=list(fallbacks))


def _current_signer(salt: str) -> _Signer:
    return _signer(salt, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def _sign(salt: str, *numbers: int | None) -> str:
    return _current_signer(salt).sign(".".join(str(n or 0) for n in numbers))


def _unsign(salt: str, token: str, count: int) -> list[int]:
    try:
        value = _current_signer(salt).unsign(token)
        numbers = [int(part) for part in value.split(".")]
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken from exc
    if len(numbers) != count or any(n < 0 for n in numbers):
        raise BadToken
    return numbers


def open_token(*, campaign_id: int, customer_id: int | None, creative_id: int | None) -> str:
    return _sign(OPEN_SALT, campaign_id, customer_id, creative_id)


def read_open_token(token: str) -> Recipient:
    campaign_id, customer_id, creative_id = _unsign(OPEN_SALT, token, 3)
    return Recipient(campaign_id, customer_id, creative_id or None)


def click_token(*, campaign_id: int, customer_id: int | None, creative_id: int | None, link_id: int) -> str:
    return _sign(CLICK_SALT, campaign_id, customer_id, creative_id, link_id)


def read_click_token(token: str) -> tuple[Recipient, int]:
    campaign_id, customer_id, creative_id, link_id = _unsign(CLICK_SALT, token, 4)
    return Recipient(campaign_id, customer_id, creative_id or None), link_id


def banner_token(*, creative_id: int) -> str:
    return _sign(BANNER_SALT, creative_id)


def read_banner_token(token: str) -> int:
    return _unsign(BANNER_SALT, token, 1)[0]


def preferences_token(*, customer_id: int) -> str:
    return _sign(PREFERENCES_SALT, customer_id)


def read_preferences_token(token: str) -> int:
    return _unsign(PREFERENCES_SALT, token, 1)[0]


DESIRE_SALT = "campaigns.desire"


def desire_token(*, campaign_id: int, customer_id: int | None, creative_id: int | None) -> str:
    return _sign(DESIRE_SALT, campaign_id, customer_id, creative_id)


def read_desire_token(token: str) -> Recipient:
    campaign_id, customer_id, creative_id = _unsign(DESIRE_SALT, token, 3)
    return Recipient(campaign_id, customer_id or None, creative_id or None)


# -- The preference centre's "delete my data" ----------------------------------------------------------------------

ERASURE_SALT = "campaigns.erasure"


class ExpiredToken(BadToken):
    """A genuine token past its time."""


def _erasure_signer(email: str) -> signing.TimestampSigner:
    # The salt holds the address the e-mail went to: the link works only while the customer still has that address
    # (never for an address changed since, nor once the data is erased), and the token itself carries none of it.
    return signing.TimestampSigner(salt=f"{ERASURE_SALT}:{address_hash(email)}")


def erasure_token(*, customer_id: int, email: str) -> str:
    """The link of the e-mail that confirms a customer's request to erase their data: dated, and good only for the
    address it was sent to."""
    return _erasure_signer(email).sign(str(customer_id))


def erasure_token_customer_id(token: str) -> int:
    """The customer an erasure token names, before its signature is checked (which needs their address)."""
    value = token.split(":", 1)[0]  # Signer's separator
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadToken
    return int(value)


def read_erasure_token(token: str, *, email: str, max_age_days: int) -> int:
    """The customer id of a genuine erasure token for ``email``; ``ExpiredToken`` past ``max_age_days``,
    ``BadToken`` when altered, made up or meant for another address."""
    if not email:
        raise BadToken
    try:
        value = _erasure_signer(email).unsign(token, max_age=dt.timedelta(days=max_age_days))
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except signing.BadSignature as exc:
        raise BadToken from exc
    if value != str(erasure_token_customer_id(token)):
        raise BadToken
    return int(value)


# -- The short click address of an SMS (``/s/<token>``) ----------------------------------------------------------

SMS_CLICK_SALT = b"campaigns.sms-click"
_SMS_MAC_BYTES = 9  # 72 bits: a forgery needs 2^72 tries, and the token stays short enough for a text message


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _sms_mac(value: str, secret: str | None = None) -> str:
    key = hashlib.sha256(SMS_CLICK_SALT + (secret or settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()[:_SMS_MAC_BYTES]
    return signing.b64_encode(digest).decode()


def sms_click_token(message_id: int, link_id: int) -> str:
    """A short signed token naming one SMS and one of its campaign's links: ``<message>.<link>.<mac>``."""
    value = f"{_base36(message_id)}.{_base36(link_id)}"
    return f"{value}.{_sms_mac(value)}"


def read_sms_click_token(token: str) -> tuple[int, int]:
    """``(message id, link id)`` of a genuine token; :class:`BadToken` otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 64 or not token.isascii():
        raise BadToken
    value = f"{parts[0]}.{parts[1]}"
    # Links sent before a key rotation keep working while the old key is among SECRET_KEY_FALLBACKS.
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    if not any(hmac.compare_digest(_sms_mac(value, secret), parts[2]) for secret in secrets):
        raise BadToken
    try:
        return int(parts[0], 36), int(parts[1], 36)
    except ValueError as exc:
        raise BadToken from exc
