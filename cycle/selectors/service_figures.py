"""What one day of service counts: payments, deliveries, tickets and survey answers.

The dashboards' rollup job (``cycle.services.rollups``) and the live figure source
(``cycle.selectors.dashboards.sources``) group rows per day with these same aggregates, so the rolled-up and
the live figures can never count a day differently.
"""

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from aftersales.models import detractor_q, promoter_q
from orders.models import PAYMENT_SUCCEEDED_STATUSES, PaymentStatus, Shipment


def payment_figures() -> dict[str, Any]:
    return {
        "payments": Count("id"),
        "payments_succeeded": Count("id", filter=Q(status__in=sorted(PAYMENT_SUCCEEDED_STATUSES))),
        "payments_failed": Count("id", filter=Q(status=PaymentStatus.FAILED)),
    }


def with_delivery_day(shipments: QuerySet[Shipment]) -> QuerySet[Shipment]:
    """Delivered shipments, with the local day of delivery that :func:`delivery_figures` compares."""
    return shipments.filter(delivered_at__isnull=False).annotate(delivered_on=TruncDate("delivered_at"))


def delivery_figures() -> dict[str, Any]:
    """Over :func:`with_delivery_day` rows: on time means delivered on or before the promised day."""
    return {
        "delivered": Count("id"),
        "delivered_on_time": Count("id", filter=Q(delivered_on__lte=F("promised_on"))),
    }


def ticket_figures() -> dict[str, Any]:
    """Over ``aftersales.selectors.tickets_with_targets`` rows (they carry ``first_response_due``)."""
    return {
        "tickets_opened": Count("id"),
        "tickets_answered_in_time": Count(
            "id", filter=Q(first_response_at__isnull=False, first_response_at__lte=F("first_response_due"))
        ),
    }


def survey_figures() -> dict[str, Any]:
    return {
        "surveys": Count("id"),
        "csat_total": Sum("csat"),
        "nps_answers": Count("id", filter=Q(nps__isnull=False)),
        "promoters": Count("id", filter=promoter_q()),
        "detractors": Count("id", filter=detractor_q()),
    }
