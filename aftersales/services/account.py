"""The customer's own page: signing in without a password, and what the page reads and writes for the customer.

Customers are not Django users, so the sign-in tokens are Django's own signed, timestamped values (``signing``)
with a nonce kept in the cache to make each usable once; see docs/account.md for why not django-sesame.
"""

import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from aftersales.models import Review, Ticket, TicketMessage
from campaigns.services.sms import e164_mobile, sms_message_enqueue
from customers.models import Customer, Occasion
from emarketing.brand.selectors import sender_address
from emarketing.mail import transactional_mail
from orders.models import Order, OrderLine, Shipment

LINK_SALT = "aftersales.account.link"
SESSION_SALT = "aftersales.account.session"
CODE_DIGITS = 6


def _digest(value: str) -> str:
    return salted_hmac("aftersales.account", value).hexdigest()


def address_key(address: str) -> str:
    """A key for the per-address rate limit that does not keep the address itself in the cache."""
    return _digest(address.strip().lower())[:32]


def _customer_by_email(email: str) -> Customer | None:
    return Customer.objects.filter(email__iexact=email.strip()).order_by("pk").first() if email.strip() else None


def _customer_by_phone(phone: str) -> Customer | None:
    return Customer.objects.filter(phone=phone).order_by("pk").first() if phone else None


def account_link_send(*, email: str) -> bool:
    """E-mail a single-use sign-in link to the customer with this address; False (and nothing sent) when none has
    it. The caller answers the same either way."""
    customer = _customer_by_email(email)
    if customer is None:
        return False
    nonce = secrets.token_urlsafe(16)
    cache.set(f"account:link:{nonce}", customer.pk, timeout=settings.ACCOUNT_LINK_MAX_AGE)
    token = signing.dumps({"c": customer.pk, "n": nonce}, salt=LINK_SALT, compress=False)
    url = settings.SITE_URL.rstrip("/") + reverse("aftersales:account_link", args=[token])
    language = customer.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = gettext("Your sign-in link")
        minutes = settings.ACCOUNT_LINK_MAX_AGE // 60
        html, text = transactional_mail(
            language=language,
            subject=subject,
            message=gettext(
                "Use the button below to see your orders, tickets and choices. The link works once and for "
                "%(minutes)s minutes.\n\nIf you did not ask for it, ignore this e-mail."
            ),
            values={"minutes": minutes},
            action=(gettext("Sign in"), url),
        )
    sender = sender_address(str(settings.DEFAULT_FROM_EMAIL), language)
    mail = EmailMultiAlternatives(subject, text, sender, [customer.email])
    mail.attach_alternative(html, "text/html")
    transaction.on_commit(lambda: mail.send(fail_silently=True))
    return True


def account_link_redeem(*, token: str) -> int | None:
    """The customer id of a good, unexpired, not yet used link (using it), else None."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.ACCOUNT_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str):
        return None
    key = f"account:link:{data['n']}"
    if cache.get(key) != data.get("c") or not cache.delete(key):
        return None
    return int(data["c"])


def account_code_send(*, phone: str) -> bool:
    """Text a 6-digit code to the customer with this mobile number; False when the number is no customer's."""
    number = e164_mobile(phone)
    customer = _customer_by_phone(number)
    if customer is None:
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    cache.set(
        f"account:code:{_digest(number)}",
        {"c": customer.pk, "h": _digest(f"{number}:{code}"), "tries": 0},
        timeout=settings.ACCOUNT_CODE_MAX_AGE,
    )
    language = customer.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = gettext("Your sign-in code: %(code)s. It works for %(minutes)s minutes.") % {
            "code": code,
            "minutes": settings.ACCOUNT_CODE_MAX_AGE // 60,
        }
    sms_message_enqueue(
        customer=customer, text=text, key=f"account-code:{secrets.token_hex(12)}", language=language, requested=True
    )
    return True


def account_code_check(*, phone: str, code: str) -> int | None:
    """The customer id when ``code`` is the one last sent to ``phone`` (using it up), else None; after
    ``ACCOUNT_CODE_ATTEMPTS`` wrong tries the code is void."""
    number = e164_mobile(phone)
    key = f"account:code:{_digest(number)}"
    entry = cache.get(key) if number else None
    if not isinstance(entry, dict):
        return None
    if not hmac.compare_digest(entry["h"], _digest(f"{number}:{code.strip()}")):
        entry["tries"] += 1
        if entry["tries"] >= settings.ACCOUNT_CODE_ATTEMPTS:
            cache.delete(key)
        else:
            cache.set(key, entry, timeout=settings.ACCOUNT_CODE_MAX_AGE)
        return None
    cache.delete(key)
    return int(entry["c"])


def session_value(*, customer_id: int) -> str:
    return signing.dumps(customer_id, salt=SESSION_SALT)


def session_customer(value: str | None) -> Customer | None:
    """The signed-in customer of an account session cookie, else None (forged, expired or erased)."""
    if not value:
        return None
    try:
        customer_id = signing.loads(value, salt=SESSION_SALT, max_age=settings.ACCOUNT_SESSION_AGE)
    except signing.BadSignature:
        return None
    return Customer.objects.filter(pk=customer_id).first() if isinstance(customer_id, int) else None


def customer_orders(*, customer: Customer) -> QuerySet[Order]:
    return (
        Order.objects.filter(customer=customer)
        .order_by("-placed_at", "-pk")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("shipments", queryset=Shipment.objects.order_by("promised_on", "pk")),
        )
    )


def customer_tickets(*, customer: Customer) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(customer=customer)
        .order_by("-pk")
        .prefetch_related(Prefetch("messages", queryset=TicketMessage.objects.order_by("created_at", "pk")))
    )


def customer_reviews(*, customer: Customer) -> QuerySet[Review]:
    return Review.objects.filter(customer=customer).select_related("product").order_by("-created_at")


def customer_occasions(*, customer: Customer) -> QuerySet[Occasion]:
    return Occasion.objects.filter(customer=customer).order_by("month", "day", "pk")


@transaction.atomic
def occasion_save(*, customer: Customer, occasion: Occasion) -> Occasion:
    """Add or change one of the customer's own occasions (never another's)."""
    occasion.customer = customer
    occasion.full_clean()
    occasion.save()
    return occasion


@transaction.atomic
def occasion_delete(*, customer: Customer, occasion_id: int) -> bool:
    return Occasion.objects.filter(customer=customer, pk=occasion_id).delete()[0] > 0
