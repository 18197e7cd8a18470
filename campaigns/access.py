"""What communication holds about a customer, for the right of access (``customers.access``): the campaign
messages and occasion offers sent to them, their touches (with what their browser told us), the topics they chose
and what mail servers reported about their address.

Left out: the pipeline's workings (claims, attempts, retry times, the mail server's error text) and the
campaigns themselves beyond their names.
"""

from collections.abc import Iterator

from django.db.models import F

from campaigns.agents import AgentKind
from campaigns.models import (
    AidaStep,
    DeliveryEvent,
    DeliveryReport,
    Message,
    MessageStatus,
    OccasionOffer,
    TopicInterest,
    Touch,
    TouchKind,
    TouchSource,
)
from customers.access import Row, Section, field, fields, in_pages, labelled
from customers.models import Customer, OccasionKind, address_hash


def _messages(customer: Customer) -> Iterator[Row]:
    rows = Message.objects.filter(customer_id=customer.pk).values(
        "id", "created_at", "status", "sent_at", campaign_name=F("campaign__name")
    )
    return labelled(in_pages(rows), {"status": MessageStatus})


def _offers(customer: Customer) -> Iterator[Row]:
    rows = OccasionOffer.objects.filter(customer_id=customer.pk).values(
        "id", "year", "status", "sent_at", campaign_name=F("campaign__name"), occasion_kind=F("occasion__kind")
    )
    return labelled(in_pages(rows), {"status": MessageStatus, "occasion_kind": OccasionKind})


def _touches(customer: Customer) -> Iterator[Row]:
    rows = Touch.objects.filter(customer_id=customer.pk).values(
        "id",
        "occurred_at",
        "step",
        "kind",
        "source",
        "agent",
        "detail",
        "user_agent",
        "referrer",
        campaign_name=F("campaign__name"),
    )
    return labelled(in_pages(rows), {"step": AidaStep, "kind": TouchKind, "source": TouchSource, "agent": AgentKind})


def _topics(customer: Customer) -> Iterator[Row]:
    return in_pages(
        TopicInterest.objects.filter(customer_id=customer.pk).values("id", "created_at", topic_name=F("topic__name"))
    )


def _reports(customer: Customer) -> Iterator[Row]:
    if not customer.email:
        return iter(())
    rows = DeliveryReport.objects.filter(address_hash=address_hash(customer.email)).values(
        "id", "reported_at", "event", "status", campaign_name=F("campaign__name")
    )
    return labelled(in_pages(rows), {"event": DeliveryEvent})


def communication_sections(customer: Customer) -> list[Section]:
    """Communication's exporter (registered in ``campaigns.apps``)."""
    return [
        Section(
            "messages",
            Message._meta.verbose_name_plural,
            (
                field(Message, "campaign", key="campaign_name"),
                *fields(Message, "created_at", "status", "sent_at"),
            ),
            lambda: _messages(customer),
        ),
        Section(
            "occasion_offers",
            OccasionOffer._meta.verbose_name_plural,
            (
                field(OccasionOffer, "occasion", key="occasion_kind"),
                field(OccasionOffer, "campaign", key="campaign_name"),
                *fields(OccasionOffer, "year", "status", "sent_at"),
            ),
            lambda: _offers(customer),
        ),
        Section(
            "touches",
            Touch._meta.verbose_name_plural,
            (
                *fields(Touch, "occurred_at", "step", "kind", "source"),
                field(Touch, "campaign", key="campaign_name"),
                *fields(Touch, "agent", "detail", "user_agent", "referrer"),
            ),
            lambda: _touches(customer),
        ),
        Section(
            "topics",
            TopicInterest._meta.verbose_name_plural,
            (field(TopicInterest, "topic", key="topic_name"), field(TopicInterest, "created_at")),
            lambda: _topics(customer),
        ),
        Section(
            "delivery_reports",
            DeliveryReport._meta.verbose_name_plural,
            (
                *fields(DeliveryReport, "reported_at", "event", "status"),
                field(DeliveryReport, "campaign", key="campaign_name"),
            ),
            lambda: _reports(customer),
        ),
    ]
