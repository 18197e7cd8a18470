"""Machine-to-machine endpoints of the transfer stage: orders from the website, notifications from payment
providers. Both are signed (``emarketing.signing``: a timestamp, the endpoint's scope, the idempotency key and the
raw body); nothing is read past the size limit, parsed before the signature holds, or stored without it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from emarketing.webhooks import JSONBodyError, json_body_read, webhook_refusal
from orders import services
from orders.forms import PaymentNotificationForm, order_payload_clean

# What the signature's scope line says for each endpoint; a provider's name comes from the URL, so it is signed.
ORDER_SCOPE = "orders"


def payment_scope(provider: str) -> str:
    return f"payments/{provider}"


def _json_refusal(error: JSONBodyError) -> JsonResponse:
    return JsonResponse({"error": error.error, "fields": {"__all__": [str(error)]}}, status=400)


@csrf_exempt
@require_POST
def order_webhook(request):
    """201 created; 200 for a key already seen (nothing new stored); 400 naming the fields at fault; 401 unsigned,
    stale or signed with another idempotency key; 413 too large."""
    refusal = webhook_refusal(request, secret=settings.ORDER_WEBHOOK_SECRET, scope=ORDER_SCOPE)
    if refusal is not None:
        return refusal
    try:
        payload = json_body_read(request.body)
    except JSONBodyError as error:
        return _json_refusal(error)
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
    """A provider's notification about one payment; the same event id twice has one effect, and a notification
    signed for one provider is refused under another's URL."""
    refusal = webhook_refusal(request, secret=settings.PAYMENT_WEBHOOK_SECRET, scope=payment_scope(provider))
    if refusal is not None:
        return refusal
    try:
        payload = json_body_read(request.body)
    except JSONBodyError as error:
        return _json_refusal(error)
    form = PaymentNotificationForm(payload if isinstance(payload, dict) else None)
    if not form.is_valid():
        fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
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
