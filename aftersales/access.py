"""What after-sales holds about a customer, for the right of access (``customers.access``): their tickets and every
message in them, their survey answers and reviews, and the e-mails the contact line sent them.

Tickets are the customer's by their customer link (a ticket from an address alone may be someone else's who
once had it). Staff replies are included (they were written to the customer); who wrote them, who a ticket is
assigned to, status audit rows and raw inbound mail are not.
"""

from collections.abc import Iterator

from django.db.models import F, Value
from django.utils.translation import gettext_lazy as _

from aftersales.models import (
    LateDeliveryApology,
    MessageAuthor,
    Review,
    ReviewStatus,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    TicketAcknowledgement,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from campaigns.models import MessageStatus
from customers.access import Column, Row, Section, field, fields, in_pages, labelled
from customers.models import Customer
from emarketing.localized import in_language_expression

_EMAILS_TITLE = _("E-mails from the contact line")
_KIND = _("kind")
_ABOUT = _("order or ticket")


def _tickets(customer: Customer) -> Iterator[Row]:
    rows = Ticket.objects.filter(customer_id=customer.pk).values(
        "id",
        "created_at",
        "subject",
        "channel",
        "status",
        "priority",
        "contact_email",
        "first_response_at",
        "resolved_at",
        order_number=F("order__number"),
        product_name=in_language_expression("product__name"),
    )
    return labelled(in_pages(rows), {"channel": TicketChannel, "status": TicketStatus, "priority": TicketPriority})


def _ticket_messages(customer: Customer) -> Iterator[Row]:
    rows = TicketMessage.objects.filter(ticket__customer_id=customer.pk).values(
        "id", "ticket_id", "created_at", "author_kind", "body"
    )
    return labelled(in_pages(rows), {"author_kind": MessageAuthor})


def _surveys(customer: Customer) -> Iterator[Row]:
    return in_pages(
        SurveyResponse.objects.filter(customer_id=customer.pk).values(
            "id",
            "created_at",
            "csat",
            "nps",
            "comment",
            "product_opinion",
            order_number=F("order__number"),
            product_name=in_language_expression("product__name"),
        )
    )


def _reviews(customer: Customer) -> Iterator[Row]:
    rows = Review.objects.filter(customer_id=customer.pk).values(
        "id",
        "created_at",
        "rating",
        "title",
        "body",
        "consent_to_publish",
        "status",
        "published_at",
        product_name=in_language_expression("product__name"),
    )
    return labelled(in_pages(rows), {"status": ReviewStatus})


def _emails(customer: Customer) -> Iterator[Row]:
    """The contact line's e-mails to the customer: survey links, ticket acknowledgements, late-delivery apologies."""
    sources = (
        (SurveyInvitation.objects.filter(customer_id=customer.pk), F("order__number"), SurveyInvitation),
        (TicketAcknowledgement.objects.filter(ticket__customer_id=customer.pk), F("ticket_id"), TicketAcknowledgement),
        (LateDeliveryApology.objects.filter(customer_id=customer.pk), F("ticket_id"), LateDeliveryApology),
    )
    for queryset, about, model in sources:
        kind = str(model._meta.verbose_name)
        rows = queryset.values("id", "created_at", "status", "sent_at", about=about, kind=Value(kind))
        yield from labelled(in_pages(rows), {"status": MessageStatus})


def aftersales_sections(customer: Customer) -> list[Section]:
    """After-sales' exporter (registered in ``aftersales.apps``)."""
    ticket = field(TicketMessage, "ticket", key="ticket_id")
    return [
        Section(
            "tickets",
            Ticket._meta.verbose_name_plural,
            (
                field(TicketMessage, "ticket", key="id"),
                *fields(Ticket, "created_at", "subject", "channel", "status", "priority", "contact_email"),
                field(Ticket, "order", key="order_number"),
                field(Ticket, "product", key="product_name"),
                *fields(Ticket, "first_response_at", "resolved_at"),
            ),
            lambda: _tickets(customer),
        ),
        Section(
            "ticket_messages",
            TicketMessage._meta.verbose_name_plural,
            (ticket, *fields(TicketMessage, "created_at", "author_kind", "body")),
            lambda: _ticket_messages(customer),
        ),
        Section(
            "survey_answers",
            SurveyResponse._meta.verbose_name_plural,
            (
                field(SurveyResponse, "created_at"),
                field(SurveyResponse, "order", key="order_number"),
                field(SurveyResponse, "product", key="product_name"),
                *fields(SurveyResponse, "csat", "nps", "comment", "product_opinion"),
            ),
            lambda: _surveys(customer),
        ),
        Section(
            "reviews",
            Review._meta.verbose_name_plural,
            (
                field(Review, "created_at"),
                field(Review, "product", key="product_name"),
                *fields(Review, "rating", "title", "body", "consent_to_publish", "status", "published_at"),
            ),
            lambda: _reviews(customer),
        ),
        Section(
            "aftersales_emails",
            _EMAILS_TITLE,
            (
                Column("kind", _KIND),
                Column("about", _ABOUT),
                *fields(SurveyInvitation, "created_at", "status", "sent_at"),
            ),
            lambda: _emails(customer),
        ),
    ]
