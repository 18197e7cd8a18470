"""Who must sign in with a code, and where a signed-in session stands.

A user who has a confirmed device always gives a code (a device set up counts, whatever the settings say). A user
without one must set one up first when it is required: superusers when ``OTP_REQUIRED_FOR_SUPERUSERS`` (production),
every staff member when ``OTP_REQUIRED_FOR_STAFF``.
"""

import enum
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device

from emarketing.digits import to_ascii_digits

# A TOTP code is this many digits; anything else typed in the code field is tried as a backup code.
TOTP_DIGITS = 6


class Standing(enum.Enum):
    SIGNED_IN = "signed_in"  # nothing owed (or nobody signed in)
    MUST_ENROL = "must_enrol"  # a device is required and there is none yet: the two-factor page only
    MUST_VERIFY = "must_verify"  # a device exists but this session never gave its code: sign in again


def two_factor_required(user: Any) -> bool:
    """Whether the settings require ``user`` to sign in with a code."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser and settings.OTP_REQUIRED_FOR_SUPERUSERS:
        return True
    return bool(user.is_staff and settings.OTP_REQUIRED_FOR_STAFF)


def has_device(user: Any) -> bool:
    """Whether ``user`` has a confirmed device (an authenticator app or backup codes)."""
    return bool(user_has_device(user, confirmed=True))


def is_verified(user: Any) -> bool:
    """Whether this session's user gave a code (django-otp's middleware keeps the device that checked it)."""
    return getattr(user, "otp_device", None) is not None


def standing(request: HttpRequest) -> Standing:
    """Where the request's session stands, worked out once per request."""
    cached: Standing | None = getattr(request, "_two_factor_standing", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(user):
        found = Standing.SIGNED_IN
    elif has_device(user):
        found = Standing.MUST_VERIFY
    elif two_factor_required(user):
        found = Standing.MUST_ENROL
    else:
        found = Standing.SIGNED_IN
    request._two_factor_standing = found  # type: ignore[attr-defined]
    return found


def normalise_code(code: str) -> str:
    """A code as typed (spaces, dashes, Persian or Arabic-Indic digits, capitals) in the form devices compare."""
    return "".join(ch for ch in to_ascii_digits(code or "") if ch.isalnum()).lower()


def looks_like_totp(code: str) -> bool:
    return len(code) == TOTP_DIGITS and code.isascii() and code.isdigit()
