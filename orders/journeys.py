"""What transfer gives journeys: orders placed, paid and delivered as triggers, "N days without an order" as a
scheduled trigger, and "ordered since entry" as a condition and an exit goal (registered in ``OrdersConfig``)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.journeys.registry import ConditionSpec, Params, TriggerSpec, register_condition, register_trigger
from customers.models import Customer
from orders.events import ORDER_CREATED, ORDER_DELIVERED, ORDER_PAID
from orders.models import Order


def _no_order_for(params: Params, since: dt.datetime | None, now: dt.datetime) -> "QuerySet[Any]":
    """Buyers whose last sale is more than ``days`` days old (re-entry rules keep them from entering every
    minute); set-based over the (customer, placed_at) index."""
    recent = Order.objects.sales().filter(customer=OuterRef("pk"), placed_at__gt=now - dt.timedelta(days=_days(params)))
    ever = Order.objects.sales().filter(customer=OuterRef("pk"))
    return Customer.objects.filter(Exists(ever.order_by()), ~Exists(recent.order_by())).values("pk")


def _days(params: Params) -> int:
    return int(params.get("days") or 90)


def _check_days(params: Params) -> None:
    if _days(params) < 1:
        raise ValidationError(gettext("The number of days must be at least 1."))


def _ordered_since_entry(params: Params, version: Any) -> Q:
    placed = Order.objects.sales().filter(customer_id=OuterRef("customer_id"), placed_at__gte=OuterRef("entered_at"))
    return Q(Exists(placed.order_by()))


def _min_total(params: Params, payload: Mapping[str, Any]) -> bool:
    least = params.get("min_total")
    return least in (None, "") or float(payload.get("total") or 0) >= float(least)


def register() -> None:
    register_trigger(ORDER_CREATED, TriggerSpec(_("Order placed"), event=ORDER_CREATED, matches=_min_total))
    register_trigger(ORDER_PAID, TriggerSpec(_("Order paid"), event=ORDER_PAID, matches=_min_total))
    register_trigger(ORDER_DELIVERED, TriggerSpec(_("Order delivered"), event=ORDER_DELIVERED, matches=_min_total))
    register_trigger(
        "no_order_days", TriggerSpec(_("N days without an order"), scheduled=_no_order_for, check=_check_days)
    )
    register_condition("ordered", ConditionSpec(_("Ordered since entering the journey"), _ordered_since_entry))
