"""Sales as communication's experiments count them: registered into ``campaigns.experiments.outcomes`` by
``OrdersConfig.ready()``; what counts as a sale is ``orders.models.sale_q``."""

from typing import Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from campaigns.experiments.outcomes import SalesExpressions, outcomes
from orders.models import Order


def sales_of(*, since: Any, until: Any, campaign_id: Any) -> SalesExpressions:
    sales = Order.objects.sales().filter(
        customer_id=OuterRef("customer_id"), placed_at__gte=since, placed_at__lte=until
    )
    if campaign_id is not None:
        sales = sales.filter(campaign_id=campaign_id)
    grouped = sales.order_by().values("customer_id")
    money = DecimalField(max_digits=14, decimal_places=2)
    return SalesExpressions(
        orders=Coalesce(
            Subquery(grouped.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0)
        ),
        revenue=Coalesce(
            Subquery(grouped.annotate(total=Sum("total")).values("total")[:1], output_field=money),
            Value(0, output_field=money),
            output_field=money,
        ),
    )


def register() -> None:
    outcomes.register_sales(sales_of)
