"""Public after-sales pages: the contact form, the inbound-mail webhook and the survey link. Hostile ground:
CSRF on what browsers post, signatures on what machines post, rate limits, escaped output."""

import sys

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales import services
from aftersales.forms import ContactForm, SurveyForm
from aftersales.models import InboundMailSource, TicketChannel
from aftersales.selectors import survey_products, survey_questions
from aftersales.services.surveys import survey_invitation_from_token
from emarketing.csp import policy_replace
from emarketing.ratelimit import allow
from emarketing.webhooks import webhook_refusal

INBOUND_MAIL_SCOPE = "inbound-mail"


def _too_many(request, template, context=None):
    return render(request, template, {**(context or {}), "rate_limited": True}, status=429)


def contact(request):
    """The contact line's web form: a ticket and an automatic acknowledgement, at any hour."""
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if not allow(request, scope="contact", limit=settings.PUBLIC_FORM_RATE_LIMIT, window=3600):
            return _too_many(request, "aftersales/contact.html", {"form": form})
        if form.is_valid():
            data = form.cleaned_data
            # The typed address proves nothing: the ticket keeps it as the contact, and the acknowledgement goes
            # there, but no customer record or order is attached until the writer answers from that address (or
            # staff link it), so a stranger cannot add to, or learn of, someone else's record.
            body = f"{data['message']}\n\n— {data['name']}"
            if data["order_number"]:
                body += "\n" + _("Order number given: %(number)s") % {"number": data["order_number"]}
            services.ticket_create(
                subject=data["subject"],
                body=body,
                channel=TicketChannel.WEB,
                contact_email=data["email"],
                # The page's language: a writer not yet known as a customer is answered in it.
                language=translation.get_language() or "",
            )
            # The thank-you page says it all; a flash message above it would say the same thing twice.
            return redirect("aftersales:contact_thanks")
    return render(request, "aftersales/contact.html", {"form": form})


def contact_thanks(request):
    return render(request, "aftersales/contact_thanks.html")


@csrf_exempt
@require_POST
def inbound_mail_webhook(request):
    """Raw e-mail (RFC 822) posted by the mail provider, signed as every webhook is (``emarketing.signing``).

    A message with its attachments may be larger than a JSON webhook, so its size is bounded by
    ``INBOUND_MAIL_MAX_BYTES`` and Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (the smaller), still judged before the
    body is read."""
    refusal = webhook_refusal(
        request,
        secret=settings.INBOUND_MAIL_SECRET,
        scope=INBOUND_MAIL_SCOPE,
        max_bytes=min(settings.INBOUND_MAIL_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or sys.maxsize),
    )
    if refusal is not None:
        return refusal
    if not request.body:
        return JsonResponse({"error": "empty body"}, status=400)
    mail = services.inbound_mail_receive(raw=request.body, source=InboundMailSource.WEBHOOK)
    return JsonResponse({"stored": mail.pk, "ticket": mail.ticket_id, "error": mail.error or None}, status=202)


def survey(request, token):
    """The satisfaction survey of one order, in the customer's own language whatever their browser says."""
    invitation = survey_invitation_from_token(token)
    if invitation is None:
        return render(request, "aftersales/survey_invalid.html", status=404)
    with translation.override(invitation.customer.preferred_language):
        return _survey(request, invitation)


def _survey(request, invitation):
    if invitation.response_id or invitation.order.survey_responses.exists():
        return render(request, "aftersales/survey_answered.html", {"invitation": invitation})
    form = SurveyForm(request.POST or None, questions=survey_questions())
    context = {"form": form, "invitation": invitation, "products": survey_products(order=invitation.order)}
    if request.method == "POST":
        if not allow(request, scope="survey", limit=settings.PUBLIC_FORM_RATE_LIMIT, window=3600):
            return _too_many(request, "aftersales/survey.html", context)
        if form.is_valid():
            _response, created = services.survey_answer(invitation=invitation, **form.cleaned_data)
            template = "aftersales/survey_thanks.html" if created else "aftersales/survey_answered.html"
            return render(request, template, {"invitation": invitation})
        return render(request, "aftersales/survey.html", context, status=400)
    return render(request, "aftersales/survey.html", context)


def chat_page(request):
    """The live chat on a page of our own (the widget the shop embeds, open): a signed link's ``?t=`` names the
    customer; the widget checks it on the chat's socket, so nothing here reads it."""
    from aftersales.chat.addresses import socket_origin, socket_url

    url = socket_url(request)
    identity = request.GET.get("t", "")[:200]
    context = {"socket": url, "language": translation.get_language() or "", "identity": identity}
    response = render(request, "aftersales/chat.html", context)
    return policy_replace(response, {"connect-src": ["'self'", socket_origin(url)]})
