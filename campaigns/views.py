"""Public endpoints of the communication stage: tracking, information pages, responses, preferences.

Hostile ground: every link carries a signed token (a tampered one answers 400, one naming nothing known 404; the
open pixel answers the same image whatever its token),
a click goes only to an address stored for the campaign, what visitors type is stored as text and shown
escaped, and every endpoint is rate-limited per client address.
"""

import base64
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigns import tokens
from campaigns.agents import AgentKind
from campaigns.forms import RESPONSE_KINDS, PreferencesForm, ResponseForm
from campaigns.info_pages import info_page_in, info_pages_for
from campaigns.models import Creative, CreativeKind, Link, Topic, TopicInterest, TouchKind, TouchSource
from campaigns.services.preferences import preferences_update
from campaigns.services.preferences import unsubscribe as unsubscribe_service
from campaigns.services.tracking import request_agent, touch_build, touch_enqueue, touches_record_bulk
from campaigns.templating import CompiledCreative
from customers.access import FORMATS, personal_data_file, personal_data_response
from customers.models import Consent, Customer
from emarketing.csp import policy_replace
from emarketing.ratelimit import allow

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
SAFE_TARGET = ("http://", "https://")


def _limit(name, default):
    return getattr(settings, name, default)


def _too_many():
    return HttpResponse(_("Too many requests; try again in a minute."), status=429, content_type="text/plain")


def _not_found():
    return HttpResponse(_("Not found."), status=404, content_type="text/plain")


def _bad_token():
    return HttpResponseBadRequest(_("This link is not valid."), content_type="text/plain")


def _meta(request):
    return request.META.get("HTTP_USER_AGENT", ""), request.META.get("HTTP_REFERER", "")


def _record(request, *, kind, source, campaign_id, customer_id, creative_id, detail="", by=None, now=False):
    """Store one touch (through the buffer, unless ``now``); False when a row it names no longer exists.

    ``by`` is the kind of agent (``AgentKind``); by default what the request's headers say."""
    agent, referrer = _meta(request)
    if by is None:
        by = request_agent(user_agent=agent, meta=request.META)
    if not now:
        touch_enqueue(
            kind=kind,
            source=source,
            campaign_id=campaign_id,
            customer_id=customer_id,
            creative_id=creative_id,
            user_agent=agent,
            referrer=referrer,
            detail=detail,
            agent=by,
        )
        return True
    touch = touch_build(
        kind=kind,
        source=source,
        campaign_id=campaign_id,
        customer_id=customer_id,
        creative_id=creative_id,
        user_agent=agent,
        referrer=referrer,
        detail=detail,
        agent=by,
    )
    try:
        touches_record_bulk(touches=[touch])
    except IntegrityError:
        return False
    return True


@lru_cache(maxsize=4096)
def _link(link_id):
    # Links never change once sent (the admin shows their address read-only), so the process may keep them.
    return Link.objects.filter(pk=link_id).values_list("campaign_id", "url").first()


@lru_cache(maxsize=4096)
def _location(url):
    return iri_to_uri(url)


def _redirect(url):
    """A 302 to a stored http(s) link (checked by the caller), without re-parsing the same link each time."""
    response = HttpResponse(status=302)
    response["Location"] = _location(url)
    return response


def _customer_from(request):
    """The visitor, when the page was reached from one of our e-mails (``?r=`` signed token), else None."""
    token = request.GET.get("r", "")
    if not token:
        return None
    try:
        return tokens.read_preferences_token(token)
    except tokens.BadToken:
        return None


def _no_store(response):
    # What never_cache does, in one header: tracking answers must reach us every time.
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    return response


def _pixel():
    return _no_store(HttpResponse(PIXEL, content_type="image/gif"))


@require_safe
def open_pixel(request, token):
    """The open pixel: the same image whatever the token, so a probe learns nothing from it; only a genuine token
    naming a known message records an open."""
    if not allow(request, scope="track", limit=_limit("CAMPAIGNS_TRACKING_RATE_LIMIT", 600)):
        return _too_many()
    try:
        who = tokens.read_open_token(token)
    except tokens.BadToken:
        return _pixel()
    _record(
        request,
        kind=TouchKind.EMAIL_OPEN,
        source=TouchSource.EMAIL,
        campaign_id=who.campaign_id,
        customer_id=who.customer_id,
        creative_id=who.creative_id,
    )
    return _pixel()


@require_safe
def click(request, token):
    if not allow(request, scope="track", limit=_limit("CAMPAIGNS_TRACKING_RATE_LIMIT", 600)):
        return _too_many()
    try:
        who, link_id = tokens.read_click_token(token)
    except tokens.BadToken:
        return _bad_token()
    link = _link(link_id)
    # The target comes from the database and must belong to the campaign the token was made for.
    if link is None or link[0] != who.campaign_id or not link[1].lower().startswith(SAFE_TARGET):
        return _not_found()
    if not _record(
        request,
        kind=TouchKind.CLICK,
        source=TouchSource.EMAIL,
        campaign_id=who.campaign_id,
        customer_id=who.customer_id,
        creative_id=who.creative_id,
        detail=link[1],
    ):
        return _not_found()
    return _no_store(_redirect(link[1]))


def _banner_creative(request, token):
    """The banner a token names, or the response to give instead (rate limited, tampered, unknown)."""
    if not allow(request, scope="track", limit=_limit("CAMPAIGNS_TRACKING_RATE_LIMIT", 600)):
        return None, _too_many()
    try:
        creative_id = tokens.read_banner_token(token)
    except tokens.BadToken:
        return None, _bad_token()
    creative = Creative.objects.filter(pk=creative_id, kind=CreativeKind.BANNER).select_related("campaign").first()
    return creative, (None if creative else _not_found())


@never_cache
@xframe_options_exempt
@require_safe
def banner(request, token):
    """The embeddable banner: ``<iframe src="…/t/b/<token>/">`` on the company's site records an impression."""
    creative, refusal = _banner_creative(request, token)
    if refusal:
        return refusal
    customer_id = _customer_from(request)
    _record(
        request,
        kind=TouchKind.BANNER_IMPRESSION,
        source=TouchSource.BANNER,
        campaign_id=creative.campaign_id,
        customer_id=customer_id,
        creative_id=creative.pk,
    )
    response = render(
        request,
        "campaigns/banner.html",
        {"creative": creative, "token": token, "r": request.GET.get("r", "") if customer_id else ""},
    )
    # Made to be framed by the company's website: the one page other sites may frame (BANNER_FRAME_ANCESTORS).
    return policy_replace(response, {"frame-ancestors": list(settings.BANNER_FRAME_ANCESTORS)})


@never_cache
@require_safe
def banner_click(request, token):
    creative, refusal = _banner_creative(request, token)
    if refusal:
        return refusal
    if not creative.target_url.lower().startswith(SAFE_TARGET):
        return _not_found()
    _record(
        request,
        kind=TouchKind.CLICK,
        source=TouchSource.BANNER,
        campaign_id=creative.campaign_id,
        customer_id=_customer_from(request),
        creative_id=creative.pk,
        detail=creative.target_url,
    )
    return HttpResponseRedirect(creative.target_url)


def _visitor_language(request, customer_id):
    """The language of a public page: the customer's own when the link names them, else the page's."""
    if customer_id:
        language = Customer.objects.filter(pk=customer_id).values_list("preferred_language", flat=True).first()
        if language:
            return language
    return translation.get_language() or settings.LANGUAGE_CODE


@require_safe
def topic_pages(request, slug):
    """The information pages of one topic, for the customer to choose from: of each campaign, those in the
    visitor's language when there are any."""
    topic = get_object_or_404(Topic, slug=slug)
    with translation.override(_visitor_language(request, _customer_from(request))):
        pages = info_pages_for(topic=topic, language=translation.get_language() or "")
        return render(
            request, "campaigns/topic.html", {"topic": topic, "pages": pages, "r": request.GET.get("r", "")[:200]}
        )


@require_safe
def info_page(request, slug, pk):
    if not allow(request, scope="pages", limit=_limit("CAMPAIGNS_TRACKING_RATE_LIMIT", 600)):
        return _too_many()
    page = get_object_or_404(
        Creative.objects.select_related("campaign", "topic"), pk=pk, topic__slug=slug, kind=CreativeKind.INFO_PAGE
    )
    assert page.topic is not None  # the query matched the topic's slug
    customer_id = _customer_from(request)
    language = _visitor_language(request, customer_id)
    # The same page written in the visitor's language, when the campaign has one.
    page = info_page_in(page=page, language=language)
    with translation.override(language):
        return _info_page(request, page, customer_id)


def _info_page(request, page, customer_id):
    assert page.topic is not None
    _record(
        request,
        kind=TouchKind.PAGE_VIEW,
        source=TouchSource.WEBSITE,
        campaign_id=page.campaign_id,
        customer_id=customer_id,
        creative_id=page.pk,
        detail=page.topic.slug,
    )
    first_name = ""
    if customer_id:
        first_name = Customer.objects.filter(pk=customer_id).values_list("first_name", flat=True).first() or ""
    compiled = CompiledCreative(subject=page.subject or page.name, html_body=page.html_body, text_body="")
    title, body, _text = compiled.render(
        {"customer": {"first_name": first_name, "last_name": ""}, "occasions": [], "recommended_products": []}
    )
    respond_token = tokens.desire_token(campaign_id=page.campaign_id, customer_id=customer_id, creative_id=page.pk)
    return render(
        request,
        "campaigns/info_page.html",
        {"page": page, "title": title, "body": body, "respond_token": respond_token, "kinds": RESPONSE_KINDS},
    )


RESPONSE_TOUCH = {
    "offer_claim": TouchKind.OFFER_CLAIM,
    "notify_me": TouchKind.NOTIFY_ME,
    "inquiry": TouchKind.INQUIRY,
    "comment": TouchKind.COMMENT,
}


@require_http_methods(["GET", "HEAD", "POST"])
def respond(request, token, kind):
    """Desire (claim the offer, "notify me", an inquiry) and comments on a product, from an e-mail or a page."""
    if kind not in RESPONSE_TOUCH:
        return _not_found()
    try:
        who = tokens.read_desire_token(token)
    except tokens.BadToken:
        return _bad_token()
    form = ResponseForm(request.POST or None)
    done = False
    if request.method == "POST":
        if not allow(request, scope="forms", limit=_limit("CAMPAIGNS_FORM_RATE_LIMIT", 10)):
            return _too_many()
        if form.is_valid():
            if not _record(
                request,
                kind=RESPONSE_TOUCH[kind],
                source=TouchSource.WEBSITE,
                campaign_id=who.campaign_id,
                customer_id=who.customer_id,
                creative_id=who.creative_id,
                detail=form.cleaned_data["message"],
                by=AgentKind.PERSON,
                now=True,
            ):
                return _not_found()
            done = True
    titles = {
        "offer_claim": _("Claim the offer"),
        "notify_me": _("Notify me"),
        "inquiry": _("Ask a question"),
        "comment": _("Comment on the product"),
    }
    return render(request, "campaigns/respond.html", {"form": form, "title": titles[kind], "done": done})


def _customer_for(token):
    customer_id = tokens.read_preferences_token(token)
    return Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first()  # an erased one: not found


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    """The preference centre: GET shows the customer's choices, POST changes them."""
    try:
        customer = _customer_for(token)
    except tokens.BadToken:
        return _bad_token()
    if customer is None:
        return _not_found()
    if request.method == "POST" and not allow(request, scope="forms", limit=_limit("CAMPAIGNS_FORM_RATE_LIMIT", 10)):
        return _too_many()
    with translation.override(customer.preferred_language):
        initial = {
            "channels": list(Consent.objects.filter(customer=customer, granted=True).values_list("channel", flat=True)),
            "topics": list(TopicInterest.objects.filter(customer=customer).values_list("topic_id", flat=True)),
        }
        form = PreferencesForm(request.POST or None, initial=initial)
        saved = False
        if request.method == "POST" and form.is_valid():
            preferences_update(
                customer=customer,
                channels=set(form.cleaned_data["channels"]),
                topic_ids={t.pk for t in form.cleaned_data["topics"]},
                withdraw_all=form.cleaned_data["withdraw_all"],
            )
            saved = True
        context = {"form": form, "customer": customer, "saved": saved, "token": token}
        response = render(request, "campaigns/preferences.html", context)
    return response


@never_cache
@require_POST
def personal_data(request, token):
    """Right of access, from the preference centre: everything the product holds about the customer, as JSON or as
    a zip of CSV files. POST only (with the page's CSRF token): a link scanner following the page never downloads
    anyone's data. The signed token of the customer's e-mails is the credential, as for the preferences."""
    if not allow(request, scope="forms", limit=_limit("CAMPAIGNS_FORM_RATE_LIMIT", 10)):
        return _too_many()
    try:
        customer = _customer_for(token)
    except tokens.BadToken:
        return _bad_token()
    if customer is None:
        return _not_found()
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(_("Choose JSON or CSV."), content_type="text/plain")
    with translation.override(customer.preferred_language):
        exported = personal_data_file(customer=customer, fmt=fmt)
    return personal_data_response(exported)


@csrf_exempt  # RFC 8058 one-click: the mail provider POSTs without a form; the signed token is the proof.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        customer = _customer_for(token)
    except tokens.BadToken:
        return _bad_token()
    if customer is None:
        return _not_found()
    if request.method == "POST":
        if not allow(request, scope="forms", limit=_limit("CAMPAIGNS_FORM_RATE_LIMIT", 10)):
            return _too_many()
        unsubscribe_service(customer=customer)
    with translation.override(customer.preferred_language):
        return render(
            request,
            "campaigns/unsubscribe.html",
            {"customer": customer, "done": request.method == "POST", "token": token},
        )
