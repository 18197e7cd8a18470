"""Keeps a signed-in session that still owes two-factor sign-in where it belongs.

- A user who must set up a device and has none yet (``OTP_REQUIRED_FOR_*``) reaches only the two-factor page (and
  the language switch): every other page, in the admin or out of it, sends them there.
- A session signed in without a code by a user who has a device (one set up since, in another session, or added by
  an administrator) is signed out and sent to sign in again, with a code this time.

After django-otp's ``OTPMiddleware``, which says whether this session gave a code.
"""

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from emarketing.two_factor.policy import Standing, standing


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = standing(request)
        if found is Standing.MUST_VERIFY:
            logout(request)
            request._two_factor_standing = Standing.SIGNED_IN  # type: ignore[attr-defined]
            login_url = reverse("admin:login")
            if request.path != login_url:
                return redirect_to_login(request.get_full_path(), login_url)
        elif found is Standing.MUST_ENROL:
            page = reverse("admin:two_factor")
            if request.path not in (page, reverse("set_language")):
                return HttpResponseRedirect(page)
        return self.get_response(request)
