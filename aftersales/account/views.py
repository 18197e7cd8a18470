"""The customer's own page. Signed in through a signed cookie of its own (not the staff session); every query is
filtered by the signed-in customer, so another customer's ids find nothing."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aftersales.account.forms import CodeForm, OccasionForm, SignInForm
from aftersales.services import account
from campaigns.tokens import preferences_token
from customers.models import Occasion
from emarketing.ratelimit import allow, allow_key

COOKIE = "emk_account"


def _too_many(request):
    return render(request, "aftersales/account/too_many.html", status=429)


def _signed_in(response: HttpResponse, customer_id: int) -> HttpResponse:
    response.set_cookie(
        COOKIE,
        account.session_value(customer_id=customer_id),
        max_age=settings.ACCOUNT_SESSION_AGE,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Lax",
        path="/me/",
    )
    return response


def customer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = account.session_customer(request.COOKIES.get(COOKIE))
        if customer is None:
            return HttpResponseRedirect(reverse("aftersales:account_sign_in"))
        with translation.override(customer.preferred_language or settings.LANGUAGE_CODE):
            return view(request, customer, *args, **kwargs)

    return never_cache(wrapper)


@never_cache
def sign_in(request):
    """Asks for an e-mail address or a mobile number; answers the same whether or not it is a customer's."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["address"]
        if not allow(request, scope="account", limit=settings.ACCOUNT_IP_LIMIT) or not allow_key(
            f"account:{account.address_key(address)}",
            limit=settings.ACCOUNT_ADDRESS_LIMIT,
            window=settings.ACCOUNT_ADDRESS_WINDOW,
        ):
            return _too_many(request)
        if form.is_email():
            account.account_link_send(email=address)
            return render(request, "aftersales/account/link_sent.html")
        account.account_code_send(phone=address)
        return render(request, "aftersales/account/code.html", {"form": CodeForm(initial={"phone": address})})
    return render(request, "aftersales/account/sign_in.html", {"form": form})


@never_cache
def link(request, token):
    """GET shows a button, POST signs in: a mail scanner opening the link does not use it up."""
    if request.method != "POST":
        return render(request, "aftersales/account/link.html")
    if not allow(request, scope="account", limit=settings.ACCOUNT_IP_LIMIT):
        return _too_many(request)
    customer_id = account.account_link_redeem(token=token)
    if customer_id is None:
        return render(request, "aftersales/account/link_bad.html", status=400)
    return _signed_in(HttpResponseRedirect(reverse("aftersales:account_home")), customer_id)


@never_cache
@require_POST
def code(request):
    form = CodeForm(request.POST)
    if not allow(request, scope="account", limit=settings.ACCOUNT_IP_LIMIT):
        return _too_many(request)
    if form.is_valid():
        customer_id = account.account_code_check(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        if customer_id is not None:
            return _signed_in(HttpResponseRedirect(reverse("aftersales:account_home")), customer_id)
        form.add_error(
            "code", ValidationError(gettext("That code is wrong or has expired. Ask for a new one if needed."))
        )
    return render(request, "aftersales/account/code.html", {"form": form}, status=400)


@require_POST
def sign_out(request):
    response = HttpResponseRedirect(reverse("aftersales:account_sign_in"))
    response.delete_cookie(COOKIE, path="/me/", samesite="Lax")
    return response


@customer_required
def home(request, customer):
    context = {
        "customer": customer,
        "orders": account.customer_orders(customer=customer),
        "tickets": account.customer_tickets(customer=customer),
        "reviews": account.customer_reviews(customer=customer),
        "occasions": account.customer_occasions(customer=customer),
        "occasion_form": OccasionForm(),
        "preferences_token": preferences_token(customer_id=customer.pk),
    }
    return render(request, "aftersales/account/home.html", context)


@customer_required
def occasion_edit(request, customer, pk=None):
    instance = None
    if pk is not None:
        instance = account.customer_occasions(customer=customer).filter(pk=pk).first()
        if instance is None:
            return render(request, "aftersales/account/not_found.html", status=404)
    form = OccasionForm(request.POST or None, instance=instance or Occasion(customer=customer))
    if request.method == "POST":
        if not allow(request, scope="account-forms", limit=settings.CAMPAIGNS_FORM_RATE_LIMIT):
            return _too_many(request)
        if form.is_valid():
            try:
                account.occasion_save(customer=customer, occasion=form.instance)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(reverse("aftersales:account_home") + "#occasions")
    return render(request, "aftersales/account/occasion.html", {"form": form, "occasion": instance})


@customer_required
@require_POST
def occasion_delete(request, customer, pk):
    if not account.occasion_delete(customer=customer, occasion_id=pk):
        return render(request, "aftersales/account/not_found.html", status=404)
    return HttpResponseRedirect(reverse("aftersales:account_home") + "#occasions")
