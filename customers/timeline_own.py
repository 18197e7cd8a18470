"""Preparation's own part of the 360° profile: the needs the customer was heard expressing."""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Need, NeedMention, NeedStatus
from customers.timeline import (
    Card,
    Cursor,
    TimelineEntry,
    TimelineSource,
    admin_links,
    choice_labels,
    profile_timeline,
    recent_first,
    shown_number,
)

NEEDS = "needs"


def needs_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    rows = recent_first(
        NeedMention.objects.filter(customer_id=customer_id).select_related("need"), NEEDS, "heard_at", before, limit
    )
    link, statuses = admin_links("admin:customers_need_change"), choice_labels(NeedStatus)
    return [
        TimelineEntry(
            source=NEEDS,
            id=row.pk,
            when=row.heard_at,
            kind=gettext("Need heard"),
            title=row.need.title,
            detail=row.excerpt,
            state=statuses(row.need.status),
            warn=row.need.status == NeedStatus.OPEN,
            url=link(row.need_id),
        )
        for row in rows
    ]


def need_cards(customer_id: int, viewer: Any) -> list[Card]:
    open_needs = Need.objects.filter(mentions__customer_id=customer_id, status=NeedStatus.OPEN).distinct().count()
    return [Card(label=_("Open needs"), value=shown_number(open_needs))]


def register() -> None:
    profile_timeline.register(TimelineSource(NEEDS, _("Needs"), "customers.view_need", needs_of))
    profile_timeline.register_cards(NEEDS, "customers.view_need", need_cards, position=40)
