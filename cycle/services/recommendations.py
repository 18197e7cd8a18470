"""Cross-sell and up-sell: "customers who bought this also bought", for customers in the extension stage.

One grouped query counts, for every pair of products, how many customers bought both (a self-join through
the customer, done by the database). The customers are then walked in id-ordered batches: a batch reads what
its customers bought in one query and receives its recommendations in one write, through preparation's own
service — so campaigns' e-mail templates read them from ``customers`` without importing orders.

A candidate is a product the customer has not bought, scored by how many co-buyers it shares with what they
did buy. It is an up-sell when it belongs to a category the customer already buys in and costs more than
anything they paid there; otherwise it is a cross-sell (a complementary product).
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max

from customers.models import Customer, LifecycleStage, RecommendationKind
from customers.services import customers_set_recommendations
from customers.services.recommendations import Recommendation
from orders.models import OrderLine, Product

PARTNERS_PER_PRODUCT = 50


def co_purchase_counts(*, min_co_buyers: int = 1) -> dict[int, list[tuple[int, int]]]:
    """For each product, the products bought by the same customers and by how many of them, most first."""
    pairs = (
        OrderLine.objects.sold()
        # One self-join through the customer: every product next to every other product they bought.
        .annotate(other=F("order__customer__orders__lines__product_id"))
        .exclude(other=F("product_id"))
        .values("product_id", "other")
        .annotate(buyers=Count("order__customer_id", distinct=True))
        .filter(buyers__gte=min_co_buyers)
        .order_by()
    )
    partners = defaultdict(list)
    for row in pairs.iterator(chunk_size=5000):
        partners[row["product_id"]].append((row["other"], row["buyers"]))
    return {a: sorted(b, key=lambda x: (-x[1], x[0]))[:PARTNERS_PER_PRODUCT] for a, b in partners.items()}


def _recommend(
    bought: dict[int, Decimal],
    partners: dict[int, list[tuple[int, int]]],
    products: dict[int, Any],
    per_customer: int,
) -> list[Recommendation]:
    """``bought``: {product_id: highest unit price paid}. Returns the best Recommendations for one customer."""
    scores: defaultdict[int, int] = defaultdict(int)
    because: dict[int, tuple[int, int]] = {}
    for a in bought:
        for b, buyers in partners.get(a, ()):
            if b in bought or b not in products:
                continue
            scores[b] += buyers
            if buyers > because.get(b, (0, 0))[1]:
                because[b] = (a, buyers)
    top_paid: defaultdict[str, Decimal] = defaultdict(Decimal)
    for product_id, paid in bought.items():
        category = products.get(product_id, {}).get("category")
        if category:
            top_paid[category] = max(top_paid[category], paid)
    best = sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:per_customer]
    recs = []
    for product_id, score in best:
        info = products[product_id]
        up = bool(info["category"]) and info["category"] in top_paid and info["price"] > top_paid[info["category"]]
        recs.append(
            Recommendation(
                product_id=product_id,
                kind=RecommendationKind.UP_SELL if up else RecommendationKind.CROSS_SELL,
                score=float(score),
                because_of_id=because[product_id][0],
            )
        )
    return recs


def recommendations_refresh(
    *,
    customer_ids: Iterable[int] | None = None,
    per_customer: int | None = None,
    min_co_buyers: int | None = None,
    batch_size: int = 2000,
) -> int:
    """Recompute the recommendations of customers in the extension stage (or of ``customer_ids``).

    Returns how many recommendations were written. Running it twice gives the same rows.
    """
    per_customer = per_customer or settings.RECOMMENDATIONS_PER_CUSTOMER
    min_co_buyers = min_co_buyers or settings.RECOMMENDATIONS_MIN_CO_BUYERS
    partners = co_purchase_counts(min_co_buyers=min_co_buyers)
    products = {
        row["pk"]: row for row in Product.objects.filter(is_active=True).values("pk", "category", "price").iterator()
    }
    customers = Customer.objects.filter(erased_at__isnull=True).order_by("pk")  # an erased customer is offered nothing
    if customer_ids is None:
        customers = customers.filter(lifecycle_stage=LifecycleStage.EXTENSION)
    else:
        customers = customers.filter(pk__in=list(customer_ids))
    written, last = 0, 0
    while True:
        ids = list(customers.filter(pk__gt=last).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return written
        bought: defaultdict[int, dict[int, Decimal]] = defaultdict(dict)
        lines = (
            OrderLine.objects.sold()
            .filter(order__customer_id__in=ids)
            .values("order__customer_id", "product_id")
            .annotate(paid=Max("unit_price"))
            .order_by()
        )
        for row in lines:
            bought[row["order__customer_id"]][row["product_id"]] = row["paid"]
        batch = {pk: _recommend(bought.get(pk, {}), partners, products, per_customer) for pk in ids}
        written += customers_set_recommendations(recommendations=batch)
        last = ids[-1]
