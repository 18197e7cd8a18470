"""After-sales in the customer's 360° profile: their tickets and survey answers, and the cards of both.

Registered in ``AftersalesConfig.ready()`` into preparation's :mod:`customers.timeline`. Tickets need the view
permission on tickets, survey answers (and their comments) the view permission on survey responses.
"""

from typing import Any

from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.models import (
    CSAT_UNHAPPY_MAX,
    OPEN_TICKET_STATUSES,
    NpsGroup,
    SurveyResponse,
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from customers.timeline import (
    Card,
    Cursor,
    TimelineEntry,
    TimelineSource,
    admin_links,
    choice_labels,
    recent_first,
    shown_number,
    shown_when,
)

TICKETS = "tickets"
SURVEYS = "surveys"
# Characters of a survey comment shown on the timeline; the whole answer is one click away.
COMMENT_SHOWN = 160


def tickets_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    rows = recent_first(Ticket.objects.filter(customer_id=customer_id), TICKETS, "created_at", before, limit)
    link, statuses, channels, priorities = (
        admin_links("admin:aftersales_ticket_change"),
        choice_labels(TicketStatus),
        choice_labels(TicketChannel),
        choice_labels(TicketPriority),
    )
    return [
        TimelineEntry(
            source=TICKETS,
            id=row.pk,
            when=row.created_at,
            kind=gettext("Ticket opened"),
            title=row.subject,
            detail=f"{channels(row.channel)} · {priorities(row.priority)}",
            state=statuses(row.status),
            warn=row.status in OPEN_TICKET_STATUSES,
            url=link(row.pk),
        )
        for row in rows
    ]


def _scores(row: SurveyResponse) -> str:
    csat = gettext("Satisfaction %(csat)s/5") % {"csat": shown_number(row.csat)}
    if row.nps is None:
        return csat
    group = NpsGroup(row.nps_group).label
    return gettext("%(csat)s; recommend %(nps)s/10 (%(group)s)") % {
        "csat": csat,
        "nps": shown_number(row.nps),
        "group": group,
    }


def surveys_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    rows = recent_first(
        SurveyResponse.objects.filter(customer_id=customer_id).select_related("order"),
        SURVEYS,
        "created_at",
        before,
        limit,
    )
    link = admin_links("admin:aftersales_surveyresponse_change")
    return [
        TimelineEntry(
            source=SURVEYS,
            id=row.pk,
            when=row.created_at,
            kind=gettext("Survey answered"),
            title=row.order.number if row.order is not None else "",
            detail=Truncator(row.comment).chars(COMMENT_SHOWN),
            state=_scores(row),
            warn=row.csat <= CSAT_UNHAPPY_MAX,
            url=link(row.pk),
        )
        for row in rows
    ]


def ticket_cards(customer_id: int, viewer: Any) -> list[Card]:
    open_tickets = Ticket.objects.filter(customer_id=customer_id, status__in=sorted(OPEN_TICKET_STATUSES)).count()
    return [Card(label=_("Open tickets"), value=shown_number(open_tickets), warn=open_tickets > 0)]


def survey_cards(customer_id: int, viewer: Any) -> list[Card]:
    last = SurveyResponse.objects.filter(customer_id=customer_id).order_by("-created_at", "-pk").first()
    if last is None:
        return [Card(label=_("Last survey"), value="—")]
    return [
        Card(
            label=_("Last survey"),
            value=_scores(last),
            note=shown_when(last.created_at),
            warn=last.csat <= CSAT_UNHAPPY_MAX,
        )
    ]


def register() -> None:
    from customers.timeline import profile_timeline

    profile_timeline.register(TimelineSource(TICKETS, _("Tickets"), "aftersales.view_ticket", tickets_of))
    profile_timeline.register(
        TimelineSource(SURVEYS, _("Survey answers"), "aftersales.view_surveyresponse", surveys_of)
    )
    profile_timeline.register_cards(TICKETS, "aftersales.view_ticket", ticket_cards, position=20)
    profile_timeline.register_cards(SURVEYS, "aftersales.view_surveyresponse", survey_cards, position=30)
