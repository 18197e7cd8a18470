"""The endpoints that receive website events: ``POST /t/w/`` from the snippet in visitors' browsers and
``POST /t/w/server/`` from the shop's backend.

Hostile ground. The snippet's endpoint judges the declared size before reading the body, limits each address per
minute on the shared cache, answers only the shop's origins (``WEBSITE_ALLOWED_ORIGINS``: no CORS grant for any
other, and a post from another origin is refused), reads no cookie (the snippet keeps its own first-party cookie on
the shop's domain and sends its random id in the body) and, where consent is required
(``WEBSITE_CONSENT_REQUIRED``), stores nothing the page did not flag as consented. The backend's endpoint is signed
like the other webhooks (``emarketing.webhooks``) and names the customer by e-mail or external id.

Body of both: ``{"visitor": "<cookie id>", "consent": true, "token": "<signed link token>", "landing": {"url",
"referrer"}, "events": [{"kind", "url", "referrer", "ref", "id", "name", "q", "results", "value", "age"}]}``;
the backend's adds ``"customer": {"email": ...}`` or ``{"external_id": ...}``.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from campaigns import tokens
from campaigns.models import VisitorConsent
from campaigns.services.website import VISITOR_ID, identify_event, web_event, web_events_publish
from customers.models import Customer
from emarketing.contacts import InvalidEmail, normalise_email
from emarketing.ratelimit import allow
from emarketing.webhooks import JSONBodyError, declared_length, json_body_read, webhook_refusal

WEBSITE_SCOPE = "website-events"


def _refusal(status: int, error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "fields": {"__all__": [message]}}, status=status)


def _origin_allowed(request: HttpRequest) -> str:
    origin = request.headers.get("Origin", "")
    return origin if origin and origin in settings.WEBSITE_ALLOWED_ORIGINS else ""


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


def _consent(payload: dict[str, Any]) -> str | None:
    """The consent the events are stored under, or None when they must be dropped."""
    if payload.get("consent") is True:
        return VisitorConsent.GRANTED
    return None if settings.WEBSITE_CONSENT_REQUIRED else VisitorConsent.NOT_REQUIRED


def _entries(
    payload: dict[str, Any], *, visitor_id: str, customer_id: int | None, consent: str
) -> list[dict[str, Any]]:
    raw_events = payload.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise ValidationError(_("Send a list of events."))
    if len(raw_events) > settings.WEBSITE_MAX_EVENTS:
        raise ValidationError(_("At most %(limit)d events at a time.") % {"limit": settings.WEBSITE_MAX_EVENTS})
    landing = payload.get("landing") if isinstance(payload.get("landing"), dict) else None
    return [
        web_event(
            raw=raw if isinstance(raw, dict) else {},
            visitor_id=visitor_id,
            customer_id=customer_id,
            landing=landing,
            consent=consent,
        )
        for raw in raw_events
    ]


def _payload(request: HttpRequest, limit: int) -> dict[str, Any] | JsonResponse:
    if declared_length(request) > limit or len(request.body) > limit:
        return _refusal(413, "body too large", _("The body is larger than %(limit)d bytes.") % {"limit": limit})
    try:
        payload = json_body_read(request.body, max_depth=4)
    except JSONBodyError as error:
        return _refusal(400, error.error, str(error))
    if not isinstance(payload, dict):
        return _refusal(400, "invalid events", _("The body must be a JSON object."))
    return payload


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def website_events(request: HttpRequest) -> HttpResponse:
    """202 with how many events were accepted (0 when consent is missing where it is required); 400 for a body
    that is not events, 403 from an origin that is not the shop's, 413 too large, 429 too many."""
    origin = _origin_allowed(request)
    if not origin:
        return _refusal(403, "origin not allowed", _("This website may not send events here."))
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    if not allow(request, scope="website", limit=settings.WEBSITE_RATE_LIMIT):
        return _cors(_refusal(429, "too many requests", _("Too many requests; try again in a minute.")), origin)
    payload = _payload(request, settings.WEBSITE_MAX_BODY_BYTES)
    if isinstance(payload, JsonResponse):
        return _cors(payload, origin)
    visitor_id = payload.get("visitor")
    if not isinstance(visitor_id, str) or not VISITOR_ID.match(visitor_id):
        return _cors(_refusal(400, "invalid visitor", _("The visitor id is missing or malformed.")), origin)
    consent = _consent(payload)
    if consent is None:
        return _cors(JsonResponse({"accepted": 0, "dropped": "no consent"}, status=202), origin)
    customer_id = None
    token = payload.get("token")
    if isinstance(token, str) and token:
        try:
            customer_id = tokens.read_preferences_token(token[:200])
        except tokens.BadToken:
            return _cors(_refusal(400, "invalid token", _("This link is not valid.")), origin)
    try:
        entries = _entries(payload, visitor_id=visitor_id, customer_id=None, consent=consent)
    except ValidationError as error:
        return _cors(_refusal(400, "invalid events", " ".join(error.messages)), origin)
    if customer_id:
        entries.insert(0, identify_event(visitor_id=visitor_id, customer_id=customer_id))
    web_events_publish(entries)
    return _cors(JsonResponse({"accepted": len(entries) - bool(customer_id)}, status=202), origin)


def _customer_named(named: Any) -> Customer | None:
    if not isinstance(named, dict):
        return None
    customers = Customer.objects.filter(erased_at__isnull=True)
    if isinstance(named.get("external_id"), str) and named["external_id"].strip():
        return customers.filter(external_id=named["external_id"].strip()[:64]).first()
    if isinstance(named.get("email"), str):
        try:
            email = normalise_email(named["email"][:254])
        except InvalidEmail:
            return None
        return customers.filter(email__iexact=email).first() if email else None
    return None


@csrf_exempt
@require_POST
def website_events_server(request: HttpRequest) -> HttpResponse:
    """The shop's backend: the same events, naming the customer. 202 with how many were accepted; 400, 401
    unsigned or stale, 404 for a customer we do not know, 413 too large."""
    refusal = webhook_refusal(
        request, secret=settings.WEBSITE_WEBHOOK_SECRET, scope=WEBSITE_SCOPE, max_bytes=settings.WEBSITE_MAX_BODY_BYTES
    )
    if refusal is not None:
        return refusal
    payload = _payload(request, settings.WEBSITE_MAX_BODY_BYTES)
    if isinstance(payload, JsonResponse):
        return payload
    customer = _customer_named(payload.get("customer"))
    if customer is None:
        return _refusal(404, "unknown customer", _("No customer has this e-mail or external id."))
    consent = _consent(payload)
    if consent is None:
        return JsonResponse({"accepted": 0, "dropped": "no consent"}, status=202)
    visitor_id = payload.get("visitor")
    visitor_id = visitor_id if isinstance(visitor_id, str) and VISITOR_ID.match(visitor_id) else ""
    try:
        entries = _entries(payload, visitor_id=visitor_id, customer_id=customer.pk, consent=consent)
    except ValidationError as error:
        return _refusal(400, "invalid events", " ".join(error.messages))
    if visitor_id:
        entries.insert(0, identify_event(visitor_id=visitor_id, customer_id=customer.pk))
    web_events_publish(entries)
    return JsonResponse({"accepted": len(entries) - bool(visitor_id)}, status=202)
