"""Reads of the preparation stage that are more than a ``.get()``."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from customers.models import Customer, ImportPreset, Need, ProductRecommendation, Segment
from emarketing.tables import Preset


def recommended_products(*, customer: Customer | int, limit: int = 3) -> list[Any]:
    """The products recommended to ``customer``, best first, as product rows (``name``, ``price``, …).

    The products are read through the recommendation's own foreign key (one joined query), so callers in any
    stage (e-mail templates in campaigns) get them without importing the transfer stage. Products no longer on
    sale are left out.
    """
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    best = (
        ProductRecommendation.objects.filter(customer_id=customer_id, product__is_active=True)
        .select_related("product")
        .order_by("-score", "id")[:limit]
    )
    return [recommendation.product for recommendation in best]


def segment_members(*, segment: Segment) -> "QuerySet[Customer]":
    """The customers of a segment, in id order (page them by ``pk__gt``)."""
    return Customer.objects.filter(memberships__segment=segment).order_by("pk")


def needs_board(*, status: str | None = None, since: dt.datetime | None = None) -> "QuerySet[Need]":
    """Needs with how often they were heard recently, for the board and the plan."""
    qs = Need.objects.select_related("product", "segment")
    if status:
        qs = qs.filter(status=status)
    if since:
        qs = qs.annotate(recent=Count("mentions", filter=Q(mentions__heard_at__gte=since)))
    return qs


def import_presets_saved(*, kind: str) -> list[Preset]:
    """The mappings marketers saved for an import, as presets (detected when a file has all their headers)."""
    return [
        Preset(
            key=f"saved-{p.pk}",
            name=p.name,
            signature=tuple(p.columns),
            columns={key: target for key, target in p.columns.items() if target},
            formats=p.date_formats or {},
        )
        for p in ImportPreset.objects.filter(kind=kind).order_by("name")
    ]
