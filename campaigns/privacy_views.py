"""The preference centre's "Delete my data": ask (an e-mail goes to the customer), confirm by its link, done.

Hostile ground, as every public endpoint: the request needs the signed preference link and is rate-limited; the
confirmation link is signed, dated and good only for the address it was sent to; a GET never erases (mail
scanners open links), only the confirmation page's POST does. An altered, unknown or expired link gets a clear
page and changes nothing.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigns import tokens
from campaigns.services.erasure_requests import erasure_confirm, erasure_link_customer, erasure_request
from customers.models import Customer
from emarketing.ratelimit import allow

TEMPLATE = "campaigns/erasure.html"


def _too_many(request):
    return render(request, TEMPLATE, {"state": "too_many"}, status=429)


def _language(code):
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@never_cache
@require_POST
def erasure_request_view(request, token):
    """From the preference centre: send the customer the e-mail whose link confirms the erasure."""
    if not allow(request, scope="forms", limit=settings.CAMPAIGNS_FORM_RATE_LIMIT):
        return _too_many(request)
    try:
        customer_id = tokens.read_preferences_token(token)
    except tokens.BadToken:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    customer = Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first()
    if customer is None:
        return render(request, TEMPLATE, {"state": "invalid"}, status=404)
    # The same answer whether an e-mail was queued now, an hour ago, or cannot be sent: nothing to learn from it.
    erasure_request(customer=customer)
    with translation.override(customer.preferred_language):
        return render(
            request, TEMPLATE, {"state": "requested", "days": settings.PRIVACY_ERASURE_LINK_DAYS, "token": token}
        )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def erasure_confirm_view(request, token):
    """The link of the e-mail: GET shows what erasing means and asks once more; POST erases."""
    if request.method == "POST" and not allow(request, scope="forms", limit=settings.CAMPAIGNS_FORM_RATE_LIMIT):
        return _too_many(request)
    try:
        customer = erasure_link_customer(token=token)
    except tokens.ExpiredToken:
        return render(request, TEMPLATE, {"state": "expired"}, status=400)
    except tokens.BadToken:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    language = customer.preferred_language
    if request.method == "POST":
        try:
            erasure_confirm(token=token)
        except tokens.BadToken:  # the same link confirmed twice at once: the other request erased
            return render(request, TEMPLATE, {"state": "invalid"}, status=400)
        return HttpResponseRedirect(f"{reverse('campaigns:erasure_done')}?l={_language(language)}")
    with translation.override(language):
        return render(request, TEMPLATE, {"state": "confirm", "customer": customer})


@never_cache
@require_safe
def erasure_done_view(request):
    with translation.override(_language(request.GET.get("l", ""))):
        return render(request, TEMPLATE, {"state": "done"})
