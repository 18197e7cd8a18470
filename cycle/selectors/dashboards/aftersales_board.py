"""After-sales: open tickets, SLA breaches, CSAT and NPS over time."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from aftersales.models import Ticket, TicketPriority, TicketStatus
from aftersales.selectors import tickets_with_targets
from cycle.selectors.dashboards.base import Dashboard, Filters, Table, average, chart, nps_score, percent
from cycle.selectors.dashboards.sources import figure_source, service_totals

OPEN_TICKETS = [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING]


def aftersales_dashboard(filters: Filters, *, live: bool = False) -> Dashboard:
    board = Dashboard()
    open_now = dict.fromkeys(("open", "first_breached", "resolution_breached", "urgent"), 0)
    groups = (
        tickets_with_targets(Ticket.objects.filter(status__in=OPEN_TICKETS))
        .order_by()
        # The breach flags are annotations of tickets_with_targets, which the type plugin cannot see.
        .values_list("priority", "first_response_breached", "resolution_breached")  # type: ignore[misc]
        .annotate(n=Count("id"))
    )
    for priority, first_breached, resolution_breached, n in groups:
        open_now["open"] += n
        open_now["urgent"] += n if priority == TicketPriority.URGENT else 0
        open_now["first_breached"] += n if first_breached else 0
        open_now["resolution_breached"] += n if resolution_breached else 0
    service = figure_source(live=live).service_per_day(filters)
    totals = service_totals(service)
    board.figures = [
        (_("Open tickets now"), open_now["open"], ""),
        (_("Open tickets past their first-response target"), open_now["first_breached"], ""),
        (_("Open tickets past their resolution target"), open_now["resolution_breached"], ""),
        (_("Tickets opened in the period"), totals["tickets_opened"], ""),
        (
            _("Answered within the target (%)"),
            percent(totals["tickets_answered_in_time"], totals["tickets_opened"]),
            "",
        ),
        (_("Average satisfaction (CSAT)"), average(totals["csat_total"], totals["surveys"]), ""),
        (_("Net promoter score"), nps_score(totals["promoters"], totals["detractors"], totals["nps_answers"]), ""),
    ]
    days = filters.buckets()
    service = filters.per_bucket(service)
    daily = []
    for day in days:
        s = service.get(day, {})
        daily.append(
            [
                day,
                s.get("tickets_opened", 0),
                percent(s.get("tickets_answered_in_time", 0), s.get("tickets_opened", 0)),
                s.get("surveys", 0),
                average(s.get("csat_total", 0), s.get("surveys", 0)),
                nps_score(s.get("promoters", 0), s.get("detractors", 0), s.get("nps_answers", 0)),
            ]
        )
    board.tables.append(
        Table(
            "daily",
            _("After-sales per week") if filters.weekly else _("After-sales per day"),
            [
                _("Week from") if filters.weekly else _("Day"),
                _("Tickets opened"),
                _("Answered within the target (%)"),
                _("Survey answers"),
                _("CSAT"),
                _("NPS"),
            ],
            daily,
        )
    )
    board.tables.append(
        Table(
            "sla",
            _("Open tickets and their service-level targets"),
            [_("Open tickets"), _("Urgent"), _("Past the first-response target"), _("Past the resolution target")],
            [[open_now["open"], open_now["urgent"], open_now["first_breached"], open_now["resolution_breached"]]],
        )
    )
    board.charts["satisfaction"] = chart("line", days, [(_("CSAT"), [r[4] for r in daily])], dates=True)
    board.charts["nps"] = chart("line", days, [(_("NPS"), [r[5] for r in daily])], dates=True)
    board.charts["tickets"] = chart("bar", days, [(_("Tickets opened"), [r[1] for r in daily])], dates=True)
    return board
