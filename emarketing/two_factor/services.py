"""Setting up two-factor devices: the authenticator app (confirmed by one code before it counts), backup codes, and
checking a code at sign-in against the one device it can belong to."""

from typing import Any

from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from emarketing.two_factor.policy import looks_like_totp, normalise_code

AUTHENTICATOR_NAME = "authenticator app"
BACKUP_CODES_NAME = "backup codes"
BACKUP_CODES_COUNT = 10


@transaction.atomic
def authenticator_start(*, user: Any) -> TOTPDevice:
    """The user's authenticator app being set up: a new secret, kept (and shown again) until a code confirms it."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is None:
        pending = TOTPDevice(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        pending.full_clean()
        pending.save()
    return pending


@transaction.atomic
def authenticator_confirm(*, device: TOTPDevice, code: str) -> bool:
    """Confirm the device being set up with a code it shows now; it then replaces the user's earlier app."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if locked.confirmed or not locked.verify_token(normalise_code(code)):
        return False
    locked.confirmed = True
    locked.save(update_fields=["confirmed"])
    # One app per person: the phone set up now replaces the one before (each removal is in the audit log).
    for earlier in TOTPDevice.objects.filter(user_id=locked.user_id).exclude(pk=locked.pk):
        earlier.delete()
    device.confirmed = True
    return True


@transaction.atomic
def backup_codes_make(*, user: Any, count: int = BACKUP_CODES_COUNT) -> list[str]:
    """New backup codes for ``user``, each good once; the earlier ones stop working. Shown once: only the device
    keeps them."""
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice(user=user, name=BACKUP_CODES_NAME, confirmed=True)
        device.full_clean()
        device.save()
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < count:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(*, user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


@transaction.atomic
def code_verify(*, user: Any, code: str) -> Device | None:
    """The confirmed device of ``user`` that accepts ``code``, or None.

    Six digits are an authenticator's code; anything else a backup code (used up when it works). Only devices of
    that kind are tried, so a wrong code slows down (django-otp's throttling) only the kind it was meant for.
    """
    code = normalise_code(code)
    if not code:
        return None
    model: type[Device] = TOTPDevice if looks_like_totp(code) else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True).select_for_update().order_by("pk"):
        allowed, _reason = device.verify_is_allowed()
        if allowed and device.verify_token(code):
            return device
    return None
