"""Signed tokens of the public links in every e-mail: tracking, clicks, preferences and unsubscribing.

A token carries the ids it needs, so the public endpoints answer without reading the database; the signature
(HMAC with the secret key, a salt per purpose) means nobody can forge or alter one.
"""

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

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
