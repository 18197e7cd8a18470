"""Public endpoints of the SMS channel: the short click address in texts, and the providers' webhooks.

Hostile ground, as every public endpoint: the short address carries a signed token and redirects only to a link
stored for the message's campaign; a webhook is refused (403) unless the provider proves it sent it (Twilio's
signature, or our secret token in the URL compared in constant time), its body is refused (413) above
``SMS_WEBHOOK_MAX_BYTES`` before anything reads it, and every endpoint is rate-limited per client address.
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from campaigns import tokens
from campaigns.models import SmsMessage, TouchKind, TouchSource
from campaigns.services.sms import sms_reply_record, sms_status_record
from campaigns.services.tracking import request_agent, touch_enqueue
from campaigns.sms.providers import provider_named
from campaigns.views import SAFE_TARGET, _bad_token, _link, _no_store, _not_found, _redirect, _too_many
from emarketing.ratelimit import allow


@lru_cache(maxsize=4096)
def _message(message_id: int) -> tuple[int | None, int, int | None] | None:
    # A message's campaign, customer and creative never change once it exists.
    return SmsMessage.objects.filter(pk=message_id).values_list("campaign_id", "customer_id", "creative_id").first()


@require_safe
def short_click(request: HttpRequest, token: str) -> HttpResponse:
    """``/s/<token>``: record the click of an SMS link as a touch, then go to the stored address."""
    if not allow(request, scope="track", limit=settings.CAMPAIGNS_TRACKING_RATE_LIMIT):
        return _too_many()
    try:
        message_id, link_id = tokens.read_sms_click_token(token)
    except tokens.BadToken:
        return _bad_token()
    message = _message(message_id)
    link = _link(link_id)
    # The target comes from the database and must belong to the campaign the message was sent for.
    if message is None or link is None or message[0] is None or link[0] != message[0]:
        return _not_found()
    if not link[1].lower().startswith(SAFE_TARGET):
        return _not_found()
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    touch_enqueue(
        kind=TouchKind.CLICK,
        source=TouchSource.SMS,
        campaign_id=message[0],
        customer_id=message[1],
        creative_id=message[2],
        user_agent=user_agent,
        referrer=request.META.get("HTTP_REFERER", ""),
        detail=link[1],
        agent=request_agent(user_agent=user_agent, meta=request.META),
    )
    return _no_store(_redirect(link[1]))


def _guard(request: HttpRequest, provider_name: str) -> HttpResponse | None:
    """The refusal of a webhook post that may not be read, or None."""
    if not allow(request, scope="sms-webhook", limit=settings.SMS_WEBHOOK_RATE_LIMIT):
        return _too_many()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = settings.SMS_WEBHOOK_MAX_BYTES + 1
    if length > settings.SMS_WEBHOOK_MAX_BYTES:
        return HttpResponse(_("Too large."), status=413, content_type="text/plain")
    provider = provider_named(provider_name)
    if provider is None or provider_name == "console":
        return _not_found()
    if not provider.verify(request):
        return HttpResponse(_("Forbidden."), status=403, content_type="text/plain")
    return None


@csrf_exempt
@require_POST
def status_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """``/webhooks/sms/<provider>/status/``: delivery reports."""
    refused = _guard(request, provider)
    if refused is not None:
        return refused
    adapter = provider_named(provider)
    assert adapter is not None
    for report in adapter.parse_status(request):
        sms_status_record(provider=provider, report=report)
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def inbound_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """``/webhooks/sms/<provider>/inbound/``: customers' replies (a stop word withdraws their SMS consent)."""
    refused = _guard(request, provider)
    if refused is not None:
        return refused
    adapter = provider_named(provider)
    assert adapter is not None
    for message in adapter.parse_inbound(request):
        sms_reply_record(provider=provider, inbound=message)
    return HttpResponse("ok", content_type="text/plain")
