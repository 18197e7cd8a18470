"""A staff member's own two-factor page, in the admin: set up the authenticator app (its QR code and its secret,
then one code to confirm it), make backup codes (shown once), or set up a new phone.

Reached with the password alone: a user who must set up a device before anything else is kept here
(``TwoFactorMiddleware``), so the page also offers to sign out.
"""

from base64 import b32encode
from typing import TYPE_CHECKING, Any

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from emarketing.two_factor.forms import AuthenticatorConfirmForm
from emarketing.two_factor.policy import is_verified, two_factor_required
from emarketing.two_factor.services import (
    authenticator_confirm,
    authenticator_start,
    backup_codes_left,
    backup_codes_make,
)

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite


def _secret_shown(device: Any) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_code(device: Any) -> str:
    # An SVG drawn here (no image request, no script): dark on a light square, readable in the dark theme too.
    svg: str = segno.make(device.config_url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our own URL


def two_factor_page(request: HttpRequest, site: "AdminSite") -> HttpResponse:
    user: Any = request.user
    page_url = reverse("admin:two_factor", current_app=site.name)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    context: dict[str, Any] = {
        **site.each_context(request),
        "title": _("Two-factor sign-in"),
        "required": two_factor_required(user),
        "page_url": page_url,
    }

    if action == "sign_out":
        logout(request)
        return HttpResponseRedirect(reverse("admin:login", current_app=site.name))

    app = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    if action == "backup_codes":
        if app is None or not is_verified(user):
            messages.error(request, _("Set up the authenticator app first: backup codes stand in for it."))
            return HttpResponseRedirect(page_url)
        codes = backup_codes_make(user=user)
        return TemplateResponse(request, "admin/two_factor/backup_codes.html", {**context, "codes": codes})

    replacing = app is not None and (request.GET.get("replace") == "1" or request.POST.get("replace") == "1")
    if app is not None and not replacing:
        context.update(app=app, backup_codes_left=backup_codes_left(user=user))
        return TemplateResponse(request, "admin/two_factor/status.html", context)

    pending = authenticator_start(user=user)
    form = AuthenticatorConfirmForm(request.POST if action == "confirm" else None)
    if form.is_valid():
        if authenticator_confirm(device=pending, code=form.cleaned_data["otp_token"]):
            otp_login(request, pending)  # this session has now given a code
            messages.success(
                request,
                _(
                    "Two-factor sign-in is on: from now on you sign in with a code from the app. Make backup codes "
                    "now, in case you lose your phone."
                ),
            )
            return HttpResponseRedirect(page_url)
        form.add_error("otp_token", AuthenticatorConfirmForm.WRONG_CODE)
    context.update(form=form, qr_code=_qr_code(pending), secret=_secret_shown(pending), replacing=replacing)
    return TemplateResponse(request, "admin/two_factor/setup.html", context)
