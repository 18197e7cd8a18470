"""Machine-to-machine endpoints of the transfer stage: orders from the website, notifications from payment
providers. Both are signed with HMAC-SHA256 over the raw body; nothing is stored without a valid signature."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from emarketing.signing import signature_valid
from orders import services
from orders.forms import PaymentNotificationForm, order_payload_clean


def _json_body(request):
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _unsigned(request, secret):
    return not signature_valid(request.body, request.headers.get("X-Signature", ""), secret)


@csrf_exempt
@require_POST
def order_webhook(request):
    """201 created; 200 for a key already seen (nothing new stored); 400 naming the fields at fault; 401 unsigned."""
    if _unsigned(request, settings.ORDER_WEBHOOK_SECRET):
        return JsonResponse({"error": "invalid signature"}, status=401)
    payload = _json_body(request)
    if payload is None:
        return JsonResponse({"error": "malformed JSON", "fields": {"__all__": ["The body is not JSON."]}}, status=400)
    if isinstance(payload, dict) and request.headers.get("Idempotency-Key") and not payload.get("idempotency_key"):
        payload["idempotency_key"] = request.headers["Idempotency-Key"]
    cleaned, errors = order_payload_clean(payload)
    if errors:
        return JsonResponse({"error": "invalid order", "fields": errors}, status=400)
    try:
        outcome = services.order_from_webhook(cleaned=cleaned)
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        return JsonResponse({"error": "invalid order", "fields": fields}, status=400)
    order = outcome.order
    body = {
        "order": order.number,
        "total": str(order.total),
        "currency": order.currency,
        "duplicate": not outcome.created,
    }
    return JsonResponse(body, status=201 if outcome.created else 200)


@csrf_exempt
@require_POST
def payment_notification(request, provider):
    """A provider's notification about one payment; the same event id twice has one effect."""
    if _unsigned(request, settings.PAYMENT_WEBHOOK_SECRET):
        return JsonResponse({"error": "invalid signature"}, status=401)
    payload = _json_body(request)
    form = PaymentNotificationForm(payload if isinstance(payload, dict) else None)
    if not form.is_valid():
        fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
        if payload is None:
            fields = {"__all__": ["The body is not JSON."]}
        return JsonResponse({"error": "invalid notification", "fields": fields}, status=400)
    data = form.cleaned_data
    notification, created = services.payment_notification_apply(
        provider=provider,
        event_id=data["event_id"],
        reference=data["reference"],
        status=data["status"],
        order_number=data["order"],
        amount=data["amount"],
        currency=data["currency"],
    )
    return JsonResponse(
        {"applied": notification.accepted, "duplicate": not created, "outcome": notification.outcome},
        status=200,
    )
