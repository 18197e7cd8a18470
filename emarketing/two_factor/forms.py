"""The admin's sign-in form (user name, password and, for whoever has set up two-factor sign-in, a code) and the form
that confirms a new authenticator app."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from emarketing.two_factor.policy import has_device
from emarketing.two_factor.services import code_verify

_CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "dir": "ltr"}


class SignInForm(AdminAuthenticationForm):
    """django-otp's ``OTPAdminAuthenticationForm`` made for one field: the code of the authenticator app or a backup
    code, tried against the one kind of device it can belong to.

    A missing or wrong code is refused with the same message as a wrong password, so the form never tells whether the
    password was right, and it counts as a failed sign-in for django-axes (``user_login_failed``), which locks the user
    name and the address out after too many.
    """

    otp_token = forms.CharField(
        label=_("Code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs=_CODE_ATTRS),
        help_text=_(
            "The code your authenticator app shows, or one of your backup codes. Leave it empty if you have not set "
            "up two-factor sign-in."
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct %(username)s and password for a staff account, and the code if you have set up "
            "two-factor sign-in. Note that the fields may be case-sensitive."
        ),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # the password (django-axes refuses a locked-out user name or address first)
        user: Any = self.get_user()
        if user is not None and has_device(user):
            device = code_verify(user=user, code=self.cleaned_data.get("otp_token") or "")
            if device is None:
                self.user_cache = None
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": self.cleaned_data.get("username")},
                    request=self.request,
                )
                raise self.get_invalid_login_error()
            # django-otp keeps this device in the session when the user is signed in (its user_logged_in receiver).
            user.otp_device = device
        return cleaned


class AuthenticatorConfirmForm(forms.Form):
    """One code from the app being set up: proof that it was added before it counts (the view checks it)."""

    otp_token = forms.CharField(
        label=_("Code shown by the app"), max_length=32, widget=forms.TextInput(attrs=_CODE_ATTRS)
    )

    WRONG_CODE = _(
        "That code is not right. Check that your phone sets its clock automatically, then type the code the app shows "
        "now."
    )
