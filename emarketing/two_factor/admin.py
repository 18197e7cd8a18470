"""Two-factor devices in the admin (django-otp's own device pages): managers remove a lost device, so its owner can
sign in with the password again and set up a new one. Only a superuser may remove a superuser's device. Keys and
backup codes are never shown (``OTP_ADMIN_HIDE_SENSITIVE_DATA``); every removal is in the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


class _SuperusersOwnDevicesMixin:
    def _someone_elses_superuser(self, request: HttpRequest, obj: Any) -> bool:
        user: Any = request.user
        return obj is not None and obj.user.is_superuser and not user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._someone_elses_superuser(request, obj):
            return False
        return bool(super().has_change_permission(request, obj))  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._someone_elses_superuser(request, obj):
            return False
        return bool(super().has_delete_permission(request, obj))  # type: ignore[misc]


class AuthenticatorAdmin(_SuperusersOwnDevicesMixin, TOTPDeviceAdmin):  # type: ignore[misc]
    pass


class BackupCodesAdmin(_SuperusersOwnDevicesMixin, StaticDeviceAdmin):  # type: ignore[misc]
    pass


def install_device_admins(site: admin.AdminSite) -> None:
    """Put the device pages above in place of django-otp's (which register themselves on the default site)."""
    for model, model_admin in ((TOTPDevice, AuthenticatorAdmin), (StaticDevice, BackupCodesAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
