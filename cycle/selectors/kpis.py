"""The KPI catalogue, computed from the product's own data for a period.

Each KPI is one aggregate query over the whole period, whatever the number of customers, orders or objectives:
:func:`kpi_values` runs at most one query per distinct KPI asked for.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from aftersales.models import SurveyResponse, detractor_q, promoter_q
from campaigns.models import AidaStep, Touch
from customers.models import Customer
from cycle.models import Kpi
from orders.models import Order, OrderLine, Shipment

# KPIs that add up over the period (a pro-rated target tells whether they are on track); the others are rates.
CUMULATIVE_KPIS = {Kpi.NEW_CUSTOMERS, Kpi.REVENUE, Kpi.NEW_MARKET_CUSTOMERS, Kpi.NEW_PRODUCT_SALES}

TWO_PLACES = Decimal("0.01")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes [start 00:00, day after end 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lower, upper


def _percent(part: int | Decimal, whole: int | Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TWO_PLACES, ROUND_HALF_UP)


def _money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(TWO_PLACES, ROUND_HALF_UP)


def new_customers(start: dt.date, end: dt.date) -> Decimal:
    lower, upper = _bounds(start, end)
    return Decimal(Customer.objects.filter(created_at__gte=lower, created_at__lt=upper).count())


def aida_conversion(start: dt.date, end: dt.date) -> Decimal | None:
    """Of the customers who paid attention in the period, the share who reached action (purchase)."""
    lower, upper = _bounds(start, end)
    touches = Touch.objects.filter(
        occurred_at__gte=lower, occurred_at__lt=upper, is_automated=False, customer__isnull=False
    )
    attention = touches.filter(step=AidaStep.ATTENTION).values("customer_id")
    figures = touches.filter(customer_id__in=attention).aggregate(
        attention=Count("customer_id", distinct=True),
        action=Count("customer_id", filter=Q(step=AidaStep.ACTION), distinct=True),
    )
    return _percent(figures["action"], figures["attention"])


def repeat_purchase_rate(start: dt.date, end: dt.date) -> Decimal | None:
    """Of the customers who bought in the period, the share who bought more than once."""
    lower, upper = _bounds(start, end)
    per_customer = (
        Order.objects.sales()
        .filter(placed_at__gte=lower, placed_at__lt=upper)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    figures = Customer.objects.filter(pk__in=per_customer.values("customer_id")).aggregate(
        buyers=Count("id"),
        repeaters=Count("id", filter=Q(pk__in=per_customer.filter(n__gte=2).values("customer_id"))),
    )
    return _percent(figures["repeaters"], figures["buyers"])


def on_time_delivery(start: dt.date, end: dt.date) -> Decimal | None:
    lower, upper = _bounds(start, end)
    figures = (
        Shipment.objects.filter(delivered_at__gte=lower, delivered_at__lt=upper)
        .annotate(delivered_on=TruncDate("delivered_at"))
        .aggregate(delivered=Count("id"), on_time=Count("id", filter=Q(delivered_on__lte=F("promised_on"))))
    )
    return _percent(figures["on_time"], figures["delivered"])


def csat(start: dt.date, end: dt.date) -> Decimal | None:
    lower, upper = _bounds(start, end)
    value = SurveyResponse.objects.filter(created_at__gte=lower, created_at__lt=upper).aggregate(v=Avg("csat"))["v"]
    return None if value is None else Decimal(value).quantize(TWO_PLACES, ROUND_HALF_UP)


def nps(start: dt.date, end: dt.date) -> Decimal | None:
    """Promoters minus detractors (the bands of ``aftersales.models``), as a share of everyone who answered."""
    lower, upper = _bounds(start, end)
    figures = SurveyResponse.objects.filter(created_at__gte=lower, created_at__lt=upper, nps__isnull=False).aggregate(
        answered=Count("id"),
        promoters=Count("id", filter=promoter_q()),
        detractors=Count("id", filter=detractor_q()),
    )
    if not figures["answered"]:
        return None
    return _percent(figures["promoters"] - figures["detractors"], figures["answered"])


def revenue(start: dt.date, end: dt.date) -> Decimal:
    lower, upper = _bounds(start, end)
    return _money(
        Order.objects.sales().filter(placed_at__gte=lower, placed_at__lt=upper).aggregate(v=Sum("total"))["v"]
    )


def retention(start: dt.date, end: dt.date) -> Decimal | None:
    """Of the customers who had bought before the period, the share who bought again within it."""
    lower, upper = _bounds(start, end)
    sold = Order.objects.sales()
    before = sold.filter(placed_at__lt=lower).values("customer_id")
    during = sold.filter(placed_at__gte=lower, placed_at__lt=upper).values("customer_id")
    figures = Customer.objects.filter(pk__in=before).aggregate(
        earlier=Count("id"), retained=Count("id", filter=Q(pk__in=during))
    )
    return _percent(figures["retained"], figures["earlier"])


def new_market_customers(start: dt.date, end: dt.date) -> Decimal:
    """Customers who joined in the period from a country where the product had no customer before it."""
    lower, upper = _bounds(start, end)
    known = Customer.objects.filter(created_at__lt=lower).exclude(country="").values("country")
    return Decimal(
        Customer.objects.filter(created_at__gte=lower, created_at__lt=upper)
        .exclude(country="")
        .exclude(country__in=known)
        .count()
    )


def new_product_sales(start: dt.date, end: dt.date) -> Decimal:
    """Sales in the period of the products launched within it."""
    lower, upper = _bounds(start, end)
    amount = ExpressionWrapper(
        F("unit_price") * F("quantity"), output_field=DecimalField(max_digits=16, decimal_places=2)
    )
    value = (
        OrderLine.objects.sold()
        .filter(
            order__placed_at__gte=lower,
            order__placed_at__lt=upper,
            product__launched_on__gte=start,
            product__launched_on__lte=end,
        )
        .aggregate(v=Coalesce(Sum(amount), Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2)))[
            "v"
        ]
    )
    return _money(value)


Calculator = Callable[[dt.date, dt.date], Decimal | None]

CALCULATORS: dict[str, Calculator] = {
    Kpi.NEW_CUSTOMERS: new_customers,
    Kpi.AIDA_CONVERSION: aida_conversion,
    Kpi.REPEAT_PURCHASE_RATE: repeat_purchase_rate,
    Kpi.ON_TIME_DELIVERY: on_time_delivery,
    Kpi.CSAT: csat,
    Kpi.NPS: nps,
    Kpi.REVENUE: revenue,
    Kpi.RETENTION: retention,
    Kpi.NEW_MARKET_CUSTOMERS: new_market_customers,
    Kpi.NEW_PRODUCT_SALES: new_product_sales,
}


def kpi_value(kpi: str, *, start: dt.date, end: dt.date) -> Decimal | None:
    """The actual value of one KPI over [start, end] (dates, both included); None when there is no data yet."""
    return CALCULATORS[kpi](start, end)


def kpi_values(kpis: Iterable[str], *, start: dt.date, end: dt.date) -> dict[str, Decimal | None]:
    """Each distinct KPI once: one query per KPI, none per objective."""
    return {kpi: kpi_value(kpi, start=start, end=end) for kpi in dict.fromkeys(kpis)}
