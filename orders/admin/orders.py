"""The transfer stage in the admin: orders with their lines, payments and shipments; moves through services."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from emarketing.admin_moves import StatusMovesMixin
from emarketing.admin_tools import (
    CUSTOMER_SEARCH,
    BigTableAdmin,
    RecentValuesListFilter,
    StatusChangeInline,
    run_for_each,
)
from orders import services
from orders.models import (
    Agent,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    PaymentNotification,
    PaymentStatus,
    PaymentStatusChange,
    Product,
    SalesChannel,
    Shipment,
    ShipmentStatus,
    ShipmentStatusChange,
)
from orders.selectors import agent_for_user, orders_visible_to, orders_with_lateness, orders_with_paid_amount

from .history import OrderHistoryImportMixin
from .moves import ORDER_MOVES, PAYMENT_MOVES, SHIPMENT_MOVES

if TYPE_CHECKING:
    # The mixin always stands in front of a ModelAdmin: let the type checker see the methods it extends.
    _OwnOrdersBase = admin.ModelAdmin[Any]
else:
    _OwnOrdersBase = object


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "currency", "launched_on", "is_active")
    list_filter = ("is_active", "category", "currency")
    search_fields = ("sku", "name", "name_fa", "name_ar", "category")
    list_editable = ("is_active",)
    fieldsets = (
        (None, {"fields": ("sku", "name", "category", "price", "currency", "launched_on", "is_active")}),
        (
            _("Name in other languages"),
            {"fields": ("name_fa", "name_ar"), "description": _("What customers reading Persian or Arabic see.")},
        ),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in ("name_fa", "name_ar"):
            if name in form.base_fields:
                form.base_fields[name].widget.attrs["dir"] = "rtl"
        return form


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "email", "phone", "commission_rate", "user", "is_active")
    list_filter = ("kind", "is_active", "region")
    search_fields = ("name", "email", "phone", "region")
    raw_id_fields = ("user",)


class AgentListFilter(admin.RelatedFieldListFilter):
    """The "by agent" filter: everyone to marketers, only their own name to a sales agent (the others' names are
    not theirs to see, and they see only their own orders anyway)."""

    def field_choices(self, field, request, model_admin):
        agent = agent_for_user(request.user)
        if agent is None:
            return super().field_choices(field, request, model_admin)
        return [(agent.pk, str(agent))]


class OwnOrdersMixin(_OwnOrdersBase):
    """Agents see and enter payments and shipments of their own orders only."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        agent = agent_for_user(request.user)
        return qs if agent is None else qs.filter(order__agent=agent)

    def formfield_for_foreignkey(
        self, db_field: "ForeignKey[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> "forms.ModelChoiceField[Any] | None":
        if db_field.name == "order":
            kwargs["queryset"] = orders_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrderAdminForm(forms.ModelForm):
    """The order's total is the sum of its lines. A total quoted to the customer may be typed in ``total``: it is
    never stored, but the lines are checked against it when the order is saved."""

    total = forms.DecimalField(
        label=capfirst(_("quoted total")),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Optional: the total the customer was quoted; the lines are checked against it."),
    )

    class Meta:
        model = Order
        fields = ("number", "customer", "channel", "agent", "campaign", "currency", "placed_at", "total")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["total"] = None
        self.quoted_total = None

    def clean_total(self):
        self.quoted_total = self.cleaned_data.get("total")
        return self.instance.total if self.instance.pk else Decimal("0")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 1
    autocomplete_fields = ("product",)
    fields = ("product", "quantity", "unit_price")


class PaymentInlineForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("amount", "currency", "method", "provider", "provider_reference")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        order, currency = self.instance.order, cleaned.get("currency")
        if currency and order is not None and currency != order.currency:
            self.add_error("currency", _("The order is in %(currency)s.") % {"currency": order.currency})
        return cleaned


class PaymentInline(admin.TabularInline):
    model = Payment
    form = PaymentInlineForm
    extra = 0
    fields = ("amount", "currency", "method", "status", "provider", "provider_reference", "captured_at")
    readonly_fields = ("status", "captured_at")
    can_delete = False
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return False  # a payment once recorded moves only through its actions


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0
    fields = ("promised_on", "carrier", "tracking_number", "status", "shipped_at", "delivered_at")
    readonly_fields = ("status", "shipped_at", "delivered_at")
    can_delete = False
    show_change_link = True


class OrderStatusChangeInline(StatusChangeInline):
    model = OrderStatusChange


@admin.register(Order)
class OrderAdmin(StatusMovesMixin, OrderHistoryImportMixin, BigTableAdmin):
    # Fits a 1366-pixel screen beside the filters: the state of the order first, the amount with its currency.
    list_display = (
        "number",
        "customer",
        "status",
        "late",
        "paid",
        "total_with_currency",
        "placed_at",
        "channel",
        "agent",
        "campaign",
    )
    list_filter = (
        "status",
        "channel",
        ("agent", AgentListFilter),
        ("currency", RecentValuesListFilter),
        "placed_at",
        ("imported_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("number", "idempotency_key", *CUSTOMER_SEARCH)
    date_hierarchy = "placed_at"
    autocomplete_fields = ("customer", "agent")
    raw_id_fields = ("campaign",)
    form = OrderAdminForm
    readonly_fields = ("status", "lines_total", "idempotency_key", "created_by", "imported_at")
    fields = (
        "number",
        "customer",
        "channel",
        "agent",
        "campaign",
        "currency",
        "placed_at",
        "status",
        "lines_total",
        "total",
        "idempotency_key",
        "created_by",
        "imported_at",
    )
    inlines = (OrderLineInline, PaymentInline, ShipmentInline, OrderStatusChangeInline)
    list_select_related = ("customer", "agent", "campaign")
    actions = ("confirm_orders", "ship_orders", "deliver_orders", "cancel_orders")
    status_moves = ORDER_MOVES

    def get_queryset(self, request):
        return orders_with_lateness(
            orders_with_paid_amount(orders_visible_to(request.user, super().get_queryset(request)))
        )

    @admin.display(description=_("paid"), boolean=True, ordering="is_paid")
    def paid(self, obj):
        return obj.is_paid

    @admin.display(description=_("late"), boolean=True, ordering="is_late")
    def late(self, obj):
        return obj.is_late

    @admin.display(description=_("total"), ordering="total")
    def total_with_currency(self, obj):
        return format_html('{} <abbr dir="ltr">{}</abbr>', number_format(obj.total, 2), obj.currency)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("number", services.orders.order_number_new())
        return initial

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if agent_for_user(request.user) is not None:
            fields = [f for f in fields if f not in ("channel", "agent", "created_by")]
        return fields

    def get_form(
        self, request: HttpRequest, obj: Order | None = None, change: bool = False, **kwargs: Any
    ) -> "type[forms.ModelForm[Any]]":
        form = super().get_form(request, obj, change=change, **kwargs)
        agent = agent_for_user(request.user)
        if agent is None:
            return form

        class AgentOrderForm(form):  # type: ignore[valid-type,misc]  # the admin builds the base form at run time
            """An agent enters orders in their own name, through their own channel."""

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.instance.agent = agent
                self.instance.channel = SalesChannel.AGENT

        return AgentOrderForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Payment:
            for instance in formset.save(commit=False):
                if instance.pk:
                    instance.save()
                else:
                    services.payment_create(
                        order=form.instance,
                        amount=instance.amount,
                        currency=instance.currency,
                        method=instance.method,
                        provider=instance.provider,
                        provider_reference=instance.provider_reference,
                    )
            return
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("total (sum of the lines)"))
    def lines_total(self, obj):
        return f"{obj.total} {obj.currency}" if obj and obj.pk else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        total = services.order_total_refresh(order=form.instance)
        if not change:
            services.orders.order_placed(order=form.instance)
        quoted = form.quoted_total
        if quoted is not None and quoted != total:
            self.message_user(
                request,
                _("The lines add up to %(total)s, not the %(quoted)s quoted: check the lines.")
                % {"total": total, "quoted": quoted},
                messages.WARNING,
            )

    @admin.action(description=_("Confirm the selected orders"), permissions=["change"])
    def confirm_orders(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda o: services.order_confirm(order=o, by=request.user),
            lambda n: ngettext("%d order confirmed.", "%d orders confirmed.", n) % n,
        )

    @admin.action(description=_("Ship the selected orders"), permissions=["change"])
    def ship_orders(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda o: services.order_ship(order=o, by=request.user),
            lambda n: ngettext("%d order shipped.", "%d orders shipped.", n) % n,
        )

    @admin.action(description=_("Mark the selected orders delivered"), permissions=["change"])
    def deliver_orders(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda o: services.order_deliver(order=o, by=request.user),
            lambda n: ngettext("%d order delivered.", "%d orders delivered.", n) % n,
        )

    @admin.action(description=_("Cancel the selected orders"), permissions=["change"])
    def cancel_orders(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda o: services.order_cancel(order=o, by=request.user),
            lambda n: ngettext("%d order cancelled.", "%d orders cancelled.", n) % n,
        )


@admin.register(OrderLine)
class OrderLineAdmin(OwnOrdersMixin, BigTableAdmin):
    """Lines across orders: what sells, in what quantities. Entered under their order; the total follows."""

    list_display = ("order", "product", "quantity", "unit_price", "amount")
    list_filter = (("product__category", RecentValuesListFilter),)
    search_fields = ("order__number", "product__name", "product__sku", *(f"order__{f}" for f in CUSTOMER_SEARCH))
    autocomplete_fields = ("order", "product")
    list_select_related = ("order", "product")

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return obj.amount

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.order_total_refresh(order=obj.order)

    def delete_model(self, request, obj):
        order = obj.order
        super().delete_model(request, obj)
        services.order_total_refresh(order=order)

    def delete_queryset(self, request, queryset):
        orders = {line.order for line in queryset.select_related("order")}
        super().delete_queryset(request, queryset)
        for order in orders:
            services.order_total_refresh(order=order)


class PaymentAdminForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("order", "amount", "currency", "method", "provider", "provider_reference")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        order, currency = cleaned.get("order"), cleaned.get("currency")
        if order and currency and currency != order.currency:
            self.add_error("currency", _("The order is in %(currency)s.") % {"currency": order.currency})
        return cleaned


class PaymentStatusChangeInline(StatusChangeInline):
    model = PaymentStatusChange


@admin.register(Payment)
class PaymentAdmin(StatusMovesMixin, OwnOrdersMixin, BigTableAdmin):
    form = PaymentAdminForm
    list_display = (
        "__str__",
        "order",
        "amount",
        "currency",
        "method",
        "status",
        "provider",
        "created_at",
        "captured_at",
    )
    list_filter = (
        "status",
        "method",
        ("currency", RecentValuesListFilter),
        ("provider", RecentValuesListFilter),
        "created_at",
    )
    search_fields = ("order__number", "provider_reference", *(f"order__{f}" for f in CUSTOMER_SEARCH))
    date_hierarchy = "created_at"
    autocomplete_fields = ("order",)
    readonly_fields = ("status", "created_at", "captured_at")
    inlines = (PaymentStatusChangeInline,)
    list_select_related = ("order",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, "order", "amount", "currency", "method", "provider_reference")

    actions = ("authorize_payments", "capture_payments", "refund_payments", "fail_payments")
    status_moves = PAYMENT_MOVES

    @admin.action(description=_("Authorize the selected payments"), permissions=["change"])
    def authorize_payments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda p: services.payment_authorize(payment=p, by=request.user),
            lambda n: ngettext("%d payment authorized.", "%d payments authorized.", n) % n,
        )

    @admin.action(description=_("Capture the selected payments"), permissions=["change"])
    def capture_payments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda p: services.payment_capture(payment=p, by=request.user),
            lambda n: ngettext("%d payment captured.", "%d payments captured.", n) % n,
        )

    @admin.action(description=_("Refund the selected payments"), permissions=["change"])
    def refund_payments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda p: services.payment_refund(payment=p, by=request.user),
            lambda n: ngettext("%d payment refunded.", "%d payments refunded.", n) % n,
        )

    @admin.action(description=_("Mark the selected payments failed"), permissions=["change"])
    def fail_payments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda p: services.payment_fail(payment=p, by=request.user),
            lambda n: ngettext("%d payment marked failed.", "%d payments marked failed.", n) % n,
        )


class LateFilter(admin.SimpleListFilter):
    title = _("on time")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return (("late", _("Late")), ("on_time", _("On time")))

    def queryset(self, request, queryset):
        from django.db.models import F, Q
        from django.utils import timezone

        late = Q(delivered_at__isnull=False, delivered_at__date__gt=F("promised_on")) | Q(
            delivered_at__isnull=True, promised_on__lt=timezone.localdate()
        ) & ~Q(status=ShipmentStatus.RETURNED)
        if self.value() == "late":
            return queryset.filter(late)
        if self.value() == "on_time":
            return queryset.exclude(late)
        return queryset


class ShipmentStatusChangeInline(StatusChangeInline):
    model = ShipmentStatusChange


@admin.register(Shipment)
class ShipmentAdmin(StatusMovesMixin, OwnOrdersMixin, BigTableAdmin):
    list_display = (
        "order",
        "status",
        "promised_on",
        "shipped_at",
        "delivered_at",
        "late",
        "carrier",
        "tracking_number",
    )
    list_filter = ("status", LateFilter, ("carrier", RecentValuesListFilter), "promised_on")
    search_fields = ("order__number", "tracking_number", *(f"order__{f}" for f in CUSTOMER_SEARCH))
    date_hierarchy = "promised_on"
    autocomplete_fields = ("order",)
    readonly_fields = ("status", "shipped_at", "delivered_at", "late_notified_at")
    inlines = (ShipmentStatusChangeInline,)
    list_select_related = ("order",)
    actions = ("ship_shipments", "deliver_shipments")
    status_moves = SHIPMENT_MOVES

    @admin.display(description=_("late"), boolean=True)
    def late(self, obj):
        return obj.is_late

    @admin.action(description=_("Mark the selected shipments shipped"), permissions=["change"])
    def ship_shipments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda s: services.shipment_ship(shipment=s, by=request.user),
            lambda n: ngettext("%d shipment shipped.", "%d shipments shipped.", n) % n,
        )

    @admin.action(description=_("Mark the selected shipments delivered"), permissions=["change"])
    def deliver_shipments(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda s: services.shipment_deliver(shipment=s, by=request.user),
            lambda n: ngettext("%d shipment delivered.", "%d shipments delivered.", n) % n,
        )


class PaymentNotificationForm(forms.ModelForm):
    """A provider's event entered by hand (read off the provider's dashboard): applied like one that arrived."""

    status = forms.ChoiceField(label=_("reported status"), choices=[(s.value, s.label) for s in PaymentStatus][1:])

    class Meta:
        model = PaymentNotification
        fields = ("provider", "event_id", "reference", "status")

    def clean_reference(self):
        reference = self.cleaned_data["reference"]
        if not Payment.objects.filter(provider_reference=reference).exists():
            raise ValidationError(_("No payment has this provider reference."))
        return reference


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(BigTableAdmin):
    """What providers sent: the record behind every automatic payment move. Kept as received, never edited."""

    form = PaymentNotificationForm
    list_display = ("received_at", "provider", "event_id", "reference", "status", "accepted", "outcome", "payment")
    list_filter = (("provider", RecentValuesListFilter), ("status", RecentValuesListFilter), "accepted")
    search_fields = ("event_id", "reference")
    date_hierarchy = "received_at"
    list_select_related = ("payment",)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        notification, _created = services.payment_notification_apply(
            provider=obj.provider, event_id=obj.event_id, reference=obj.reference, status=obj.status
        )
        obj.pk = notification.pk
        if not notification.accepted:
            self.message_user(request, notification.outcome, messages.WARNING)
