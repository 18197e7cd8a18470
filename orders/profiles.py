"""The facts behind value tiers and lifecycle stages, from the orders (and campaign touches), for preparation.

Registered in ``OrdersConfig.ready()`` as preparation's profile sources (``customers.registry``): preparation
walks its customers in batches and writes the changes; the facts come from here. Only sales count
(``Order.objects.sales()``): a cancelled or returned order neither rates a customer nor moves them along.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.expressions import Col

from campaigns.models import Touch
from customers.models import LifecycleStage
from customers.registry import Purchases, QuintileCuts, Scope, in_scope
from orders.models import Order


def _sales(scope: Scope) -> "QuerySet[Order]":
    return in_scope(Order.objects.sales(), scope).order_by()


def purchases_of(scope: Scope) -> "Iterator[Purchases]":
    """Each buyer's first and last sale, number of sales and spend, for the customers of ``scope``: one grouped
    query."""
    rows = (
        _sales(scope)
        .values("customer_id")
        .annotate(first_at=Min("placed_at"), last_at=Max("placed_at"), orders=Count("pk"), spend=Sum("total"))
        .values_list("customer_id", "first_at", "last_at", "orders", "spend")
    )
    for customer_id, first_at, last_at, orders, spend in rows:
        yield Purchases(customer_id, first_at, last_at, orders, spend if spend is not None else Decimal("0"))


def purchase_quintiles() -> QuintileCuts:
    """The 20th, 40th, 60th and 80th percentiles of the buyers' last purchase, number of sales and spend.

    The database ranks the grouped sales (``ROW_NUMBER``) and keeps the value at rank ⌈k·n/5⌉ for k = 1…4 (the
    discrete percentile, as ``percentile_disc`` computes it, written so SQLite runs it too): one query, and no list
    of buyers is held here.
    """
    grouped = (
        Order.objects.sales()
        .order_by()
        .values("customer_id")
        .annotate(last_at=Max("placed_at"), orders=Count("pk"), spend=Sum("total"))
        .values("last_at", "orders", "spend")
    )
    inner, params = grouped.query.sql_with_params()
    sql = (
        f"WITH buyers AS ({inner}), ranked AS ("  # noqa: S608 - the ORM's own SQL and fixed names
        " SELECT last_at, orders, spend, COUNT(*) OVER () AS n,"
        " ROW_NUMBER() OVER (ORDER BY last_at) AS r, ROW_NUMBER() OVER (ORDER BY orders) AS f,"
        " ROW_NUMBER() OVER (ORDER BY spend) AS m FROM buyers),"
        " ks AS (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)"
        # One row per k, each column of its own type (PostgreSQL will not mix them in a UNION).
        " SELECT ks.k, MAX(CASE WHEN r = (ks.k * n + 4) / 5 THEN last_at END),"
        " MAX(CASE WHEN f = (ks.k * n + 4) / 5 THEN orders END),"
        " MAX(CASE WHEN m = (ks.k * n + 4) / 5 THEN spend END), MAX(n)"
        " FROM ranked CROSS JOIN ks GROUP BY ks.k ORDER BY ks.k"
    )
    recency, frequency, monetary = [], [], []
    buyers = 0
    column = Col("o", Order._meta.get_field("placed_at"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _k, last_at, orders, spend, count in cursor.fetchall():
            buyers = count
            # SQLite hands the moment back as stored (text, UTC): read it as the ORM would.
            for converter in connection.ops.get_db_converters(column):
                last_at = converter(last_at, column, connection)
            recency.append(last_at)
            frequency.append(int(orders))
            monetary.append(Decimal(str(spend)).quantize(Decimal("0.01")))
    return QuintileCuts(recency=tuple(recency), frequency=tuple(frequency), monetary=tuple(monetary), buyers=buyers)


def lifecycle_stages_of(scope: Scope, *, now: dt.datetime) -> Iterable[tuple[int, str]]:
    """(customer id, stage) for the customers of ``scope`` who bought or engaged; the others are in selection.

    Selection: nothing yet; acquisition: engaged with a campaign (a touch not from a bot or a mail proxy);
    retention: one purchase; extension: two or more. Two grouped queries per batch.
    """
    purchases = _sales(scope).values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n")
    stages = {pk: LifecycleStage.EXTENSION.value if n >= 2 else LifecycleStage.RETENTION.value for pk, n in purchases}
    engaged = in_scope(Touch.objects.filter(is_automated=False), scope).order_by().values_list("customer_id")
    for (pk,) in engaged.distinct():
        stages.setdefault(pk, LifecycleStage.ACQUISITION.value)
    return stages.items()
