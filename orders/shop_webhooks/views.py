"""``/webhooks/woocommerce/`` and ``/webhooks/shopify/``: each shop's own signature (a base64 HMAC-SHA256 of the raw
body, with the webhook's secret or the app's client secret), then the product's size and JSON-depth gate, then the
delivery applied once (``orders.services.shop_webhooks``).

Answers: 200 once a delivery is stored, applied or deliberately ignored (a topic the product does not follow, an
order it cannot take: the reason is on the delivery, in the admin); 200 to WooCommerce's ping (``webhook_id=…``, a
form body sent when a webhook is saved); 401 for a missing or wrong signature; 400 for a signed body that is not
JSON; 413 for a body over ``WEBHOOK_MAX_BODY_BYTES``. Only the refusals are non-2xx, so WooCommerce does not disable
a webhook over what the product chose to ignore, and Shopify does not send it again eight times.
"""

import base64
import hashlib
import hmac
import re

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from emarketing.webhooks import JSONBodyError, declared_length, json_body_read
from orders.models import Shop
from orders.services.shop_webhooks import shop_webhook_apply

WOO_PING = re.compile(rb"^webhook_id=\d+$")


def signature_valid(body: bytes, secret: str, given: str) -> bool:
    """The shops' scheme: base64 of the HMAC-SHA256 of the raw body, keyed with the shared secret."""
    if not secret or not given:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, given.strip())


def _refusal(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message, "fields": {}}, status=status)


def _too_large(request: HttpRequest) -> JsonResponse | None:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if declared_length(request) > limit:
        return _refusal(413, "body too large", _("The body is larger than %(limit)d bytes.") % {"limit": limit})
    return None


def _apply(request: HttpRequest, *, shop: str, secret: str, signature: str, topic: str, delivery_id: str, domain: str):
    body = request.body
    if not signature_valid(body, secret, signature):
        return _refusal(401, "bad signature", _("The signature is missing or does not match the body."))
    try:
        payload = json_body_read(body)
    except JSONBodyError as error:
        return _refusal(400, error.error, str(error))
    if not delivery_id:
        # Without a delivery id the content identifies the delivery: the same body again changes nothing twice.
        delivery_id = "sha256:" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()[:64]
    delivery, created = shop_webhook_apply(
        shop=shop, delivery_id=delivery_id[:100], topic=topic, payload=payload, shop_domain=domain
    )
    return JsonResponse({"duplicate": not created, "topic": delivery.topic, "outcome": delivery.outcome}, status=200)


@csrf_exempt
@require_POST
def woocommerce(request: HttpRequest) -> JsonResponse:
    refusal = _too_large(request)
    if refusal is not None:
        return refusal
    signature = request.headers.get("X-WC-Webhook-Signature", "")
    if not signature and WOO_PING.match(request.body.strip()):
        return JsonResponse({"ping": True}, status=200)
    return _apply(
        request,
        shop=Shop.WOOCOMMERCE,
        secret=settings.WOOCOMMERCE_WEBHOOK_SECRET,
        signature=signature,
        topic=request.headers.get("X-WC-Webhook-Topic", ""),
        delivery_id=request.headers.get("X-WC-Webhook-Delivery-ID", ""),
        domain=request.headers.get("X-WC-Webhook-Source", ""),
    )


@csrf_exempt
@require_POST
def shopify(request: HttpRequest) -> JsonResponse:
    refusal = _too_large(request)
    if refusal is not None:
        return refusal
    return _apply(
        request,
        shop=Shop.SHOPIFY,
        secret=settings.SHOPIFY_WEBHOOK_SECRET,
        signature=request.headers.get("X-Shopify-Hmac-Sha256", ""),
        topic=request.headers.get("X-Shopify-Topic", ""),
        delivery_id=request.headers.get("X-Shopify-Webhook-Id", "") or request.headers.get("X-Shopify-Event-Id", ""),
        domain=request.headers.get("X-Shopify-Shop-Domain", ""),
    )
