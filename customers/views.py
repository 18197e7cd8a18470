"""The public pages of capture forms: the hosted form (``/f/<slug>/``, also framed by the shop) and the page of the
confirmation link (``/f/confirm/<token>/``). Thin: the checks of :mod:`customers.capture`, then one service."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.capture import (
    HONEYPOT,
    BadToken,
    CaptureFormForm,
    ExpiredToken,
    Page,
    proof_of_work_valid,
    read_render_token,
    render_token,
    render_token_use,
)
from customers.models import CaptureForm, address_hash
from customers.services.forms import AlreadyConfirmed, confirmation_submission, form_confirm, form_count, form_submit
from emarketing.csp import policy_replace
from emarketing.ratelimit import allow, allow_key, client_ip

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _too_many() -> HttpResponse:
    return HttpResponse(_("Too many requests; try again in a minute."), status=429, content_type="text/plain")


def _too_large() -> HttpResponse:
    return HttpResponse(_("The form sent is too large."), status=413, content_type="text/plain")


def _not_found() -> HttpResponse:
    return HttpResponse(_("Not found."), status=404, content_type="text/plain")


def _language(request: HttpRequest) -> str:
    """The language asked in the address (``?lang=fa``, what the embed passes on), else the visitor's own."""
    asked = request.GET.get("lang", "")
    return asked if asked in LANGUAGES else (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _framable(response: HttpResponse) -> HttpResponse:
    """The form may be framed by this site and the shop's origins (WEBSITE_ALLOWED_ORIGINS), by no other."""
    return policy_replace(response, {"frame-ancestors": ["'self'", *settings.WEBSITE_ALLOWED_ORIGINS]})


def _show(request: HttpRequest, page: Page, form: CaptureFormForm | None = None, *, status: int = 200, error: str = ""):
    token, challenge = render_token(page.form)
    if form is None:
        form = CaptureFormForm(page=page, initial={"token": token})
    else:  # shown again after a refusal: a new token, the visitor's answers kept
        data = request.POST.copy()
        data["token"], data["pow"] = token, ""
        form.data = data
    context = {
        "page": page,
        "form": form,
        "error": error,
        "challenge": challenge if page.form.proof_of_work else "",
        "pow_bits": settings.FORMS_POW_BITS,
        "embedded": request.GET.get("embed") == "1",
        "origins": " ".join(settings.WEBSITE_ALLOWED_ORIGINS),
        "query": request.GET.urlencode()[:200],
    }
    return render(request, "customers/form.html", context, status=status)


def _thanks(request: HttpRequest, page: Page) -> HttpResponse:
    context = {"page": page, "embedded": request.GET.get("embed") == "1", "origins": ""}
    context["origins"] = " ".join(settings.WEBSITE_ALLOWED_ORIGINS)
    return render(request, "customers/form_thanks.html", context)


def _submit(request: HttpRequest, page: Page) -> HttpResponse:
    form = CaptureFormForm(request.POST, page=page)
    if request.POST.get(HONEYPOT):  # a robot: thanked, and nothing recorded
        return _thanks(request, page)
    if not form.is_valid():
        return _show(request, page, form, status=400)
    token = form.cleaned_data["token"]
    try:
        shown = read_render_token(token)
    except BadToken:
        return _show(request, page, form, status=400, error=_("This form was open too long; please send it again."))
    if shown.form_id != page.form.pk:
        return _show(request, page, form, status=400, error=_("Please send the form again."))
    if shown.age < settings.FORMS_MIN_SECONDS:
        return _show(request, page, form, status=400, error=_("That was very quick; please check and send again."))
    if page.form.proof_of_work and not proof_of_work_valid(shown.challenge, form.cleaned_data["pow"]):
        return _show(request, page, form, status=400, error=_("Your browser could not finish its check; send again."))
    if not render_token_use(token):
        return _show(request, page, form, status=400, error=_("This form was sent already; send it again if needed."))
    email = form.cleaned_data["email"]
    if not allow_key(f"capture-form:{address_hash(email)}", limit=settings.FORMS_RATE_PER_ADDRESS, window=3600):
        return _too_many()
    form_submit(
        form=page.form,
        email=email,
        answers=form.answers(),
        channels=form.channels_given(),
        wordings=form.wordings_shown(),
        language=page.language,
        ip=client_ip(request) if client_ip(request) != "unknown" else None,
    )
    return _thanks(request, page)


@csrf_exempt  # framed by the shop, where the CSRF cookie is not sent: the signed, single-use render token guards it
@never_cache
@xframe_options_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The hosted form: GET shows it (and counts a view), POST sends it."""
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.FORMS_MAX_BODY_BYTES:
            return _too_large()
        if not allow(request, scope="capture-form", limit=settings.FORMS_RATE_PER_IP):
            return _too_many()
    form = CaptureForm.objects.filter(slug=slug[:50], active=True).prefetch_related("texts", "wordings").first()
    if form is None:
        return _not_found()
    language = _language(request)
    with translation.override(language):
        page = Page.of(form, language)
        if request.method == "POST":
            response = _submit(request, page)
        else:
            if request.method == "GET":
                form_count(form_id=form.pk, counter="views")
            response = _show(request, page)
    return _framable(response)


@csrf_exempt  # the token in the address is the credential; the page is opened from an e-mail, on no other site
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def form_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation link: GET shows a button (mail scanners follow links, they do not press buttons), POST
    confirms."""
    if not allow(request, scope="capture-form-confirm", limit=settings.FORMS_RATE_PER_IP):
        return _too_many()
    state, status, language = "ask", 200, _language(request)
    try:
        submission = confirmation_submission(token=token)
        language = submission.language
        if request.method == "POST":
            form_confirm(token=token, ip=client_ip(request) if client_ip(request) != "unknown" else None)
            state = "done"
    except AlreadyConfirmed:
        state = "already"
    except ExpiredToken:
        state, status = "expired", 400
    except BadToken:
        state, status = "invalid", 400
    with translation.override(language):
        return render(request, "customers/form_confirm.html", {"state": state}, status=status)
