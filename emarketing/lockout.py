"""The page a locked-out sign-in gets (django-axes calls it): what happened and when to try again, in the reader's
language."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from emarketing.digits import localize_digits


def locked_out(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    minutes = max(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), 1)
    context = {
        "cooloff_minutes": minutes,
        "cooloff_shown": localize_digits(str(minutes), get_language()),
        "title": _("Sign-in locked"),
    }
    return render(request, "registration/locked_out.html", context, status=429)
