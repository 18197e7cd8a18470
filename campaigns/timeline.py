"""Communication in the customer's 360° profile: the campaigns they were sent and their AIDA touches.

Registered in ``CampaignsConfig.ready()`` into preparation's :mod:`customers.timeline`. Each source reads one page
of one customer's rows in one query, newest first, along an index on (customer, time).
"""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import AidaStep, Message, MessageStatus, Touch, TouchKind, TouchSource
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

MESSAGES = "messages"
TOUCHES = "touches"


def messages_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    rows = recent_first(
        Message.objects.filter(customer_id=customer_id).select_related("campaign"),
        MESSAGES,
        "created_at",
        before,
        limit,
    )
    link, status, kind = (
        admin_links("admin:campaigns_message_change"),
        choice_labels(MessageStatus),
        gettext("Campaign message"),
    )
    return [
        TimelineEntry(
            source=MESSAGES,
            id=row.pk,
            when=row.created_at,
            kind=kind,
            title=row.campaign.name,
            state=status(row.status),
            warn=row.status == MessageStatus.FAILED,
            url=link(row.pk),
        )
        for row in rows
    ]


def touches_of(customer_id: int, before: Cursor | None, limit: int, viewer: Any) -> list[TimelineEntry]:
    rows = recent_first(
        Touch.objects.filter(customer_id=customer_id).select_related("campaign"), TOUCHES, "occurred_at", before, limit
    )
    link, steps, kinds, sources = (
        admin_links("admin:campaigns_touch_change"),
        choice_labels(AidaStep),
        choice_labels(TouchKind),
        choice_labels(TouchSource),
    )
    entries = []
    for row in rows:
        state = steps(row.step)
        if row.is_automated:
            state = gettext("%(step)s, automated (not counted)") % {"step": state}
        entries.append(
            TimelineEntry(
                source=TOUCHES,
                id=row.pk,
                when=row.occurred_at,
                kind=kinds(row.kind),
                title=row.campaign.name if row.campaign is not None else "",
                detail=sources(row.source),
                state=state,
                url=link(row.pk),
            )
        )
    return entries


def message_cards(customer_id: int, viewer: Any) -> list[Card]:
    sent = Message.objects.filter(customer_id=customer_id, status=MessageStatus.SENT).count()
    return [Card(label=_("Campaigns received"), value=shown_number(sent))]


def touch_cards(customer_id: int, viewer: Any) -> list[Card]:
    last = (
        Touch.objects.filter(customer_id=customer_id)
        .select_related("campaign")
        .order_by("-occurred_at", "-pk")
        .only("occurred_at", "kind", "step", "campaign__name")
        .first()
    )
    if last is None:
        return [Card(label=_("Last touch"), value="—")]
    return [Card(label=_("Last touch"), value=shown_when(last.occurred_at), note=last.get_kind_display())]


def register() -> None:
    from customers.timeline import profile_timeline

    profile_timeline.register(TimelineSource(MESSAGES, _("Campaigns received"), "campaigns.view_message", messages_of))
    profile_timeline.register(TimelineSource(TOUCHES, _("AIDA touches"), "campaigns.view_touch", touches_of))
    profile_timeline.register_cards(MESSAGES, "campaigns.view_message", message_cards, position=50)
    profile_timeline.register_cards(TOUCHES, "campaigns.view_touch", touch_cards, position=60)
