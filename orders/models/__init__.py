"""Transfer: what was sold, by whom, how it was paid and when it arrived."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from emarketing.contacts import InvalidPhone, normalise_phone
from emarketing.localized import in_language
from emarketing.workflow import StatusChangeBase


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_fa = models.CharField(
        _("name (Persian)"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("Shown to Persian readers; blank: the name."),
    )
    name_ar = models.CharField(
        _("name (Arabic)"),
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("Shown to Arabic readers; blank: the name."),
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    launched_on = models.DateField(
        _("launched on"), null=True, blank=True, help_text=_("New products count from here.")
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative")]

    def __str__(self):
        return self.name

    def name_in(self, language: str) -> str:
        """The name customers read in ``language``: its own when written, else the default ``name``."""
        return in_language(self, "name", language)

    @property
    def local_name(self) -> str:
        """The name in the active language (the page's, or the customer's under ``translation.override``)."""
        return in_language(self, "name")


class AgentKind(models.TextChoices):
    REPRESENTATIVE = "representative", _("Representative")
    AGENCY = "agency", _("Agency")


class Agent(models.Model):
    """A representative or agency that sells for the company: their sales are part of one process."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=AgentKind.choices, default=AgentKind.REPRESENTATIVE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agent",
        help_text=_("The account the agent signs in with; they see only their own orders."),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("Stored in E.164, e.g. +989123456789."))
    region = models.CharField(_("region"), max_length=100, blank=True)
    commission_rate = models.DecimalField(
        _("commission %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=100), name="agent_commission_0_100"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """The phone in E.164 (a national form is read in ``PHONE_DEFAULT_REGION``)."""
        try:
            self.phone = normalise_phone(self.phone)
        except InvalidPhone as error:
            raise ValidationError({"phone": str(error)}) from error


class SalesChannel(models.TextChoices):
    WEB = "web", _("Website")
    PHONE = "phone", _("Phone")
    STORE = "store", _("Store")
    AGENT = "agent", _("Agent")


class OrderStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


# What counts as a sale: an order in any status but cancelled or returned. Value tiers, lifecycle stages, KPIs,
# dashboards and recommendations all count sales through these three names, and nowhere else.
NOT_SALE_STATUSES = frozenset({OrderStatus.CANCELLED, OrderStatus.RETURNED})
SALE_STATUSES = frozenset(set(OrderStatus) - NOT_SALE_STATUSES)


def sale_q(prefix: str = "") -> Q:
    """The condition "is a sale" on orders, or on rows reaching an order through ``prefix`` (``"order__"``)."""
    return Q(**{f"{prefix}status__in": sorted(SALE_STATUSES)})


class OrderQuerySet(models.QuerySet):
    def sales(self) -> "OrderQuerySet":
        """Orders that count as sales."""
        return self.filter(sale_q())


class OrderLineQuerySet(models.QuerySet):
    def sold(self) -> "OrderLineQuerySet":
        """Lines of orders that count as sales."""
        return self.filter(sale_q("order__"))


class Order(models.Model):
    TRANSITIONS = {
        OrderStatus.NEW: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
        OrderStatus.CONFIRMED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
        OrderStatus.SHIPPED: {OrderStatus.DELIVERED, OrderStatus.RETURNED},
        OrderStatus.DELIVERED: {OrderStatus.RETURNED},
        OrderStatus.CANCELLED: set(),
        OrderStatus.RETURNED: set(),
    }

    number = models.CharField(_("number"), max_length=32)  # unique: see Meta
    # Found through the (customer, placed_at) index below: no index of its own.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    channel = models.CharField(_("sales channel"), max_length=8, choices=SalesChannel.choices, default=SalesChannel.WEB)
    agent = models.ForeignKey(
        Agent,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # see Meta
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("attributed campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,  # see Meta
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.NEW, editable=False
    )
    total = models.DecimalField(
        _("total"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True)  # see Meta
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # see Meta
    )
    imported_at = models.DateTimeField(
        _("imported at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Set when the order came from an order history import: past history is never attributed to a "
            "campaign, surveyed or chased as a late delivery."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(channel="agent") | Q(agent__isnull=False), name="order_agent_channel_has_agent"
            ),
            # Declared here rather than with unique=True: PostgreSQL then builds no second, "LIKE" index for it.
            models.UniqueConstraint(fields=["number"], name="order_number_unique"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_unique",
            ),
        ]
        # Every index costs each order written (a webhook's, a million of an import's): only the ones looked up by,
        # and for the optional links only the orders that have one.
        indexes = [
            models.Index(fields=["customer", "placed_at"]),
            models.Index(fields=["status"]),
            models.Index(fields=["agent"], condition=Q(agent__isnull=False), name="order_agent"),
            models.Index(fields=["campaign"], condition=Q(campaign__isnull=False), name="order_campaign"),
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="order_created_by"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("admin:orders_order_change", args=[self.pk])

    def clean(self):
        if self.channel == SalesChannel.AGENT and not self.agent_id:
            raise ValidationError({"agent": _("An order through an agent names the agent.")})


class OrderStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    objects = OrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def amount(self):
        return (self.unit_price or 0) * (self.quantity or 0)


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    WALLET = "wallet", _("Wallet")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    CAPTURED = "captured", _("Captured")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


# A payment that went through (and stays counted as a successful payment even when refunded later).
PAYMENT_SUCCEEDED_STATUSES = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.REFUNDED})


class Payment(models.Model):
    TRANSITIONS = {
        PaymentStatus.PENDING: {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.FAILED},
        PaymentStatus.AUTHORIZED: {PaymentStatus.CAPTURED, PaymentStatus.FAILED},
        PaymentStatus.CAPTURED: {PaymentStatus.REFUNDED},
        PaymentStatus.FAILED: set(),
        PaymentStatus.REFUNDED: set(),
    }

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.CARD)
    status = models.CharField(
        _("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, editable=False
    )
    provider = models.CharField(_("provider"), max_length=64, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=128, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The admin's list, newest first, and its date drill-down.
            models.Index(fields=["created_at", "id"], name="payment_created"),
        ]

    def __str__(self):
        return f"{self.amount} {self.currency} ({self.get_status_display()})"


class PaymentStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("payment status change")
        verbose_name_plural = _("payment status changes")


class ShipmentStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")


class Shipment(models.Model):
    TRANSITIONS = {
        ShipmentStatus.PREPARING: {ShipmentStatus.SHIPPED},
        ShipmentStatus.SHIPPED: {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED},
        ShipmentStatus.DELIVERED: {ShipmentStatus.RETURNED},
        ShipmentStatus.RETURNED: set(),
    }

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PREPARING, editable=False
    )
    promised_on = models.DateField(_("promised for"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    late_notified_at = models.DateTimeField(_("lateness notified at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["promised_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(shipped_at__isnull=False),
                name="shipment_delivered_after_shipped_set",
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=F("shipped_at")),
                name="shipment_delivered_not_before_shipped",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "promised_on"]),
            # The admin's list, soonest promise first, and its date drill-down.
            models.Index(fields=["promised_on", "-id"], name="shipment_promised"),
        ]

    def __str__(self):
        return f"{self.order} — {self.get_status_display()}"

    def clean(self):
        if self.delivered_at and not self.shipped_at:
            raise ValidationError({"shipped_at": _("A delivered shipment must have been shipped.")})
        if self.delivered_at and self.shipped_at and self.delivered_at < self.shipped_at:
            raise ValidationError({"delivered_at": _("Delivery cannot come before the shipment left.")})

    @property
    def is_late(self):
        if self.delivered_at:
            return timezone.localdate(self.delivered_at) > self.promised_on
        return timezone.localdate() > self.promised_on


def shipment_late_q(prefix: str = "", today: dt.date | None = None) -> Q:
    """:attr:`Shipment.is_late` as a condition, on shipments or on rows reaching one through ``prefix``: delivered
    after the promised day, or not delivered and the promised day is past."""
    today = today or timezone.localdate()
    delivered_late = Q(
        **{f"{prefix}delivered_at__isnull": False, f"{prefix}delivered_at__date__gt": F(f"{prefix}promised_on")}
    )
    overdue = Q(**{f"{prefix}delivered_at__isnull": True, f"{prefix}promised_on__lt": today})
    return delivered_late | overdue


class ShipmentStatusChange(StatusChangeBase):
    subject = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChangeBase.Meta):
        verbose_name = _("shipment status change")
        verbose_name_plural = _("shipment status changes")


class PaymentNotification(models.Model):
    """What a payment provider told us, kept once per event: the same notification twice has one effect."""

    provider = models.CharField(_("provider"), max_length=64)
    event_id = models.CharField(_("event id"), max_length=100)
    reference = models.CharField(_("payment reference"), max_length=128)
    status = models.CharField(_("reported status"), max_length=16)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    accepted = models.BooleanField(_("applied"), default=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payment_notification_once"),
        ]

    def __str__(self):
        return f"{self.provider} {self.event_id}: {self.status}"


class Shop(models.TextChoices):
    WOOCOMMERCE = "woocommerce", _("WooCommerce")
    SHOPIFY = "shopify", _("Shopify")


class ShopWebhookDelivery(models.Model):
    """One webhook a shop delivered (WooCommerce, Shopify), kept once per delivery id: a delivery sent again is
    answered as before and changes nothing; ``outcome`` says what it did, or why it was ignored."""

    shop = models.CharField(_("shop"), max_length=16, choices=Shop.choices)
    delivery_id = models.CharField(_("delivery id"), max_length=100)
    topic = models.CharField(_("topic"), max_length=100)
    shop_domain = models.CharField(_("shop address"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("shop webhook")
        verbose_name_plural = _("shop webhooks")
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["shop", "delivery_id"], name="shop_webhook_once")]

    def __str__(self):
        return f"{self.get_shop_display()} {self.topic} {self.delivery_id}"


# Capacity: stock and production per product, shipments per day per delivery region (mediation).
from .capacity import DeliveryRegion as DeliveryRegion  # noqa: E402
from .capacity import ProductCapacity as ProductCapacity  # noqa: E402
