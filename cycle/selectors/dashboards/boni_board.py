"""BONI: Benefit, Online service, Navigation, Integration."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from campaigns.models import AidaStep
from cycle.selectors.dashboards.base import TWO, Dashboard, Filters, Table, average, chart, nps_score, percent
from cycle.selectors.dashboards.sources import figure_source, service_totals
from orders.models import SalesChannel


def _mean(*values: Decimal | None) -> Decimal | None:
    known = [Decimal(v) for v in values if v is not None]
    return (sum(known, Decimal(0)) / len(known)).quantize(TWO, ROUND_HALF_UP) if known else None


def _ratio(part: int | None, whole: int | None, *, scale: int = 100) -> Decimal | None:
    """``part / whole × scale`` unrounded: a score is rounded once, at the end, never from rounded figures."""
    return None if not whole else Decimal(part or 0) * scale / Decimal(whole)


def boni_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    """The four success factors, each a 0–100 score from figures the product keeps (see docs/dashboards.md)."""
    source = figure_source(live=live)
    board = Dashboard()
    steps = source.steps_reached(filters)
    channels = source.orders_by_channel(filters)
    service = service_totals(source.service_per_day(filters))
    orders = sum(channels.values())

    csat = average(service["csat_total"], service["surveys"])
    nps = nps_score(service["promoters"], service["detractors"], service["nps_answers"])
    answered = percent(service["tickets_answered_in_time"], service["tickets_opened"])
    paid = percent(service["payments_succeeded"], service["payments"])
    information = percent(steps.get(AidaStep.INFORMATION, 0), steps.get(AidaStep.ATTENTION, 0))
    desire = percent(steps.get(AidaStep.DESIRE, 0), steps.get(AidaStep.INFORMATION, 0))
    offline = percent(orders - channels.get(SalesChannel.WEB, 0), orders)
    on_time = percent(service["delivered_on_time"], service["delivered"])

    # The scores from the unrounded figures (a CSAT of 11/3 is 66.67 on 0–100, not (3.67 − 1) × 25 = 66.75).
    raw_csat = _ratio(service["csat_total"], service["surveys"], scale=1)
    raw_nps = _ratio(service["promoters"] - service["detractors"], service["nps_answers"])
    steps_before = steps.get(AidaStep.ATTENTION, 0), steps.get(AidaStep.INFORMATION, 0)
    scores = {
        "benefit": _mean(
            None if raw_csat is None else (raw_csat - 1) * 25, None if raw_nps is None else (raw_nps + 100) / 2
        ),
        "online": _mean(
            _ratio(service["tickets_answered_in_time"], service["tickets_opened"]),
            _ratio(service["payments_succeeded"], service["payments"]),
        ),
        "navigation": _mean(
            _ratio(steps.get(AidaStep.INFORMATION, 0), steps_before[0]),
            _ratio(steps.get(AidaStep.DESIRE, 0), steps_before[1]),
        ),
        "integration": _mean(
            _ratio(service["delivered_on_time"], service["delivered"]),
            _ratio(orders - channels.get(SalesChannel.WEB, 0), orders),
        ),
    }
    factors = [
        (
            _("Benefit to the customer"),
            scores["benefit"],
            [(_("Average satisfaction (CSAT)"), csat), (_("Net promoter score"), nps)],
        ),
        (
            _("Online service and information"),
            scores["online"],
            [(_("Tickets answered within the target (%)"), answered), (_("Payment success (%)"), paid)],
        ),
        (
            _("Navigation"),
            scores["navigation"],
            [
                (_("Attention → information: customers who chose to read on (%)"), information),
                (_("Information → desire (%)"), desire),
            ],
        ),
        (
            _("Integration"),
            scores["integration"],
            [(_("On-time delivery (%)"), on_time), (_("Orders through agents, phone and stores (%)"), offline)],
        ),
    ]
    board.figures = [(name, score, "") for name, score, _f in factors]
    board.tables.append(
        Table(
            "boni",
            _("BONI scorecard"),
            [_("Factor"), _("Score (0–100)"), _("Figure"), _("Value")],
            [[name, score, label, value] for name, score, figures in factors for label, value in figures],
        )
    )
    board.charts["boni"] = chart(
        "radar", [name for name, _s, _f in factors], [(_("Score (0–100)"), [s for _n, s, _f in factors])]
    )
    return board
