"""django-otp's device apps under names a manager reads in the admin's list of sections."""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class AuthenticatorAppsConfig(TOTPConfig):  # type: ignore[misc]  # django-otp has no type hints
    verbose_name = _("Two-factor sign-in: authenticator apps")


class BackupCodesConfig(StaticConfig):  # type: ignore[misc]
    verbose_name = _("Two-factor sign-in: backup codes")
