"""Signed tokens of the public links in every e-mail: tracking, clicks, preferences and unsubscribing.

A token carries the ids it needs, so the public endpoints answer without reading the database; the signature
(HMAC with the secret key, a salt per purpose) means nobody can forge or alter one.
"""

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing

OPEN_SALT = "campaigns.open"
CLICK_SALT = "campaigns.click"
BANNER_SALT = "campaigns.banner"
PREFERENCES_SALT = "campaigns.preferences"


class BadToken(Exception):
    """A token whose signature does not match: it was altered or made up."""


@dataclass(frozen=True)
class Recipient:
    campaign_id: int
    customer_id: int
    creative_id: int | None


class _Signer(signing.Signer):
    """Django's Signer, with the HMAC key of the current secret derived once instead of on every token.

    Tokens are exactly those of ``signing.Signer`` (same salted HMAC-SHA256, same encoding); the public
    endpoints check thousands a second.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        derived = hashlib.sha256(f"{self.salt}signer{self.key}".encode()).digest()
        self._mac = hmac.new(derived, digestmod=hashlib.sha256)

    def signature(self, value, key=None):
        if key is not None and key != self.key:
            return super().signature(value, key)
        mac = self._mac.copy()
        mac.update(str(value).encode())
        return signing.b64_encode(mac.digest()).decode()


@lru_cache(maxsize=32)
def _signer(salt, secret_key, fallbacks):
    # One signer per purpose and key; a key rotation (SECRET_KEY_FALLBACKS) makes a new one.
    return _Signer(key=secret_key, salt=salt, fallback_keys=list(fallbacks))


def _current_signer(salt):
    return _signer(salt, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def _sign(salt, *numbers):
    return _current_signer(salt).sign(".".join(str(n or 0) for n in numbers))


def _unsign(salt, token, count):
    try:
        value = _current_signer(salt).unsign(token)
        numbers = [int(part) for part in value.split(".")]
    except (signing.BadSignature, ValueError) as exc:
        raise BadToken from exc
    if len(numbers) != count or any(n < 0 for n in numbers):
        raise BadToken
    return numbers


def open_token(*, campaign_id, customer_id, creative_id) -> str:
    return _sign(OPEN_SALT, campaign_id, customer_id, creative_id)


def read_open_token(token) -> Recipient:
    campaign_id, customer_id, creative_id = _unsign(OPEN_SALT, token, 3)
    return Recipient(campaign_id, customer_id, creative_id or None)


def click_token(*, campaign_id, customer_id, creative_id, link_id) -> str:
    return _sign(CLICK_SALT, campaign_id, customer_id, creative_id, link_id)


def read_click_token(token) -> tuple[Recipient, int]:
    campaign_id, customer_id, creative_id, link_id = _unsign(CLICK_SALT, token, 4)
    return Recipient(campaign_id, customer_id, creative_id or None), link_id


def banner_token(*, creative_id) -> str:
    return _sign(BANNER_SALT, creative_id)


def read_banner_token(token) -> int:
    return _unsign(BANNER_SALT, token, 1)[0]


def preferences_token(*, customer_id) -> str:
    return _sign(PREFERENCES_SALT, customer_id)


def read_preferences_token(token) -> int:
    return _unsign(PREFERENCES_SALT, token, 1)[0]


DESIRE_SALT = "campaigns.desire"


def desire_token(*, campaign_id, customer_id, creative_id) -> str:
    return _sign(DESIRE_SALT, campaign_id, customer_id, creative_id)


def read_desire_token(token) -> Recipient:
    campaign_id, customer_id, creative_id = _unsign(DESIRE_SALT, token, 3)
    return Recipient(campaign_id, customer_id or None, creative_id or None)
