"""What customers and anonymous visitors do on the shop's website: page views, product views, searches, carts and
checkouts, recorded by the snippet (``static/js/emk.js``) or the shop's backend.

A visitor is the random id of the snippet's first-party cookie; once they identify themselves (a signed link from
one of our e-mails, or the shop's backend naming the customer) the visitor and its past events get the customer.
On PostgreSQL the events table is partitioned by month on ``occurred_at`` (``emarketing.partitions``), as touches
are: its unique key includes the time.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.delivery import TouchKind
from customers.models import Customer


class WebEventKind(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page viewed")
    PRODUCT_VIEW = "product_view", _("Product viewed")
    SEARCH = "search", _("Searched")
    ADD_TO_CART = "add_to_cart", _("Added to cart")
    CHECKOUT_STARTED = "checkout_started", _("Checkout started")


# The AIDA touch a known customer's website event is counted as (its step follows from ``TOUCH_KIND_STEP``).
WEB_EVENT_TOUCH = {
    WebEventKind.PAGE_VIEW: TouchKind.WEBSITE_PAGE_VIEW,
    WebEventKind.PRODUCT_VIEW: TouchKind.PRODUCT_VIEW,
    WebEventKind.SEARCH: TouchKind.SEARCH,
    WebEventKind.ADD_TO_CART: TouchKind.ADD_TO_CART,
    WebEventKind.CHECKOUT_STARTED: TouchKind.CHECKOUT_STARTED,
}

# The source of a visit that came neither from a tagged link nor from another site.
DIRECT = "direct"


class VisitorConsent(models.TextChoices):
    GRANTED = "granted", _("Granted")
    NOT_REQUIRED = "not_required", _("Not required")


class Visitor(models.Model):
    """One browser on the shop's website, known by the random id of the snippet's first-party cookie."""

    visitor_id = models.CharField(_("visitor"), max_length=64, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors"
    )
    consent = models.CharField(_("consent"), max_length=16, choices=VisitorConsent.choices)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    identified_at = models.DateTimeField(_("identified"), null=True, blank=True)

    class Meta:
        verbose_name = _("website visitor")
        verbose_name_plural = _("website visitors")
        ordering = ["-last_seen_at"]

    def __str__(self):
        return self.visitor_id


class WebEvent(models.Model):
    """One thing a visitor did on the website; ``customer`` once they are known."""

    id = models.BigAutoField(primary_key=True)
    # Made at the edge (``emarketing.streams.event_id``): however often the event is delivered, it is stored once.
    hit_id = models.UUIDField(_("hit"), editable=False)
    visitor_id = models.CharField(_("visitor"), max_length=64, blank=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=24, choices=WebEventKind.choices)
    path = models.CharField(_("page"), max_length=500, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=100, default=DIRECT)
    medium = models.CharField(_("medium"), max_length=100, blank=True)
    campaign_name = models.CharField(_("campaign (utm_campaign)"), max_length=100, blank=True)
    product_ref = models.CharField(_("product reference"), max_length=100, blank=True)
    product_id = models.BigIntegerField(_("product id"), null=True, blank=True)
    product_name = models.CharField(_("product name"), max_length=200, blank=True)
    query = models.CharField(_("search"), max_length=200, blank=True)
    results = models.PositiveIntegerField(_("results found"), null=True, blank=True)
    value = models.DecimalField(_("cart value"), max_digits=14, decimal_places=2, null=True, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("website event")
        verbose_name_plural = _("website events")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["customer", "kind", "occurred_at"]),
            models.Index(fields=["visitor_id", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
        ]
        constraints = [
            # With the time: a table partitioned by month can only hold a unique key that includes the month.
            models.UniqueConstraint(fields=["hit_id", "occurred_at"], name="web_event_hit_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.path}"
