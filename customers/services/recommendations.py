"""Recommended products per customer, written here so that e-mail templates read them without later stages."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from customers.models import ProductRecommendation


@dataclass(frozen=True)
class Recommendation:
    product_id: int
    kind: str
    score: float
    because_of_id: int | None = None


@transaction.atomic
def customers_set_recommendations(
    *, recommendations: dict[int, list[Recommendation]], now: dt.datetime | None = None
) -> int:
    """Replace the recommendations of the given customers (an empty list clears them); return rows written."""
    if not recommendations:
        return 0
    now = now or timezone.now()
    ProductRecommendation.objects.filter(customer_id__in=list(recommendations)).delete()
    rows = [
        ProductRecommendation(
            customer_id=customer_id,
            product_id=rec.product_id,
            kind=rec.kind,
            score=rec.score,
            because_of_id=rec.because_of_id,
            computed_at=now,
        )
        for customer_id, recs in recommendations.items()
        for rec in {r.product_id: r for r in recs}.values()
    ]
    ProductRecommendation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
