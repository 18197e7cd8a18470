"""Feedback: survey responses, tickets and their messages, reviews — and the stamp the loop leaves on them."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from aftersales.events import survey_answered, ticket_closed, ticket_opened
from aftersales.models import MessageAuthor, Review, ReviewStatus, SurveyResponse, Ticket, TicketMessage, TicketStatus
from aftersales.signals import feedback_received
from customers.models import Customer
from emarketing.workflow import change_status
from orders.models import Order, Product


def _announce(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: feedback_received.send(sender=kind, kind=kind, pk=pk))


@transaction.atomic
def survey_response_create(
    *,
    customer: Customer,
    csat: int,
    nps: int | None = None,
    comment: str = "",
    product_opinion: str = "",
    order: Order | None = None,
    product: Product | None = None,
) -> SurveyResponse:
    response = SurveyResponse(
        customer=customer,
        csat=csat,
        nps=nps,
        comment=comment,
        product_opinion=product_opinion,
        order=order,
        product=product,
    )
    return survey_response_record(response=response)


@transaction.atomic
def survey_response_record(*, response: SurveyResponse) -> SurveyResponse:
    """Save a response built elsewhere (a survey taken by phone and entered in the admin) and announce it."""
    response.full_clean()
    response.save()
    _announce("survey", response.pk)
    survey_answered(response)
    return response


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    body: str,
    channel: str,
    customer: Customer | None = None,
    contact_email: str = "",
    priority: str | None = None,
    order: Order | None = None,
    product: Product | None = None,
    author_kind: str = MessageAuthor.CUSTOMER,
    acknowledge: bool = True,
    language: str = "",
) -> Ticket:
    ticket = Ticket(
        customer=customer,
        contact_email=contact_email,
        channel=channel,
        subject=subject,
        language=language,
        order=order,
        product=product or None,
    )
    if priority:
        ticket.priority = priority
    return ticket_open(ticket=ticket, body=body, author_kind=author_kind, acknowledge=acknowledge)


@transaction.atomic
def ticket_open(
    *, ticket: Ticket, body: str, author_kind: str = MessageAuthor.CUSTOMER, acknowledge: bool = True
) -> Ticket:
    """Open a ticket built elsewhere (the admin's phone and chat form) with its first message.

    With ``acknowledge`` the customer gets an automatic acknowledgement as soon as the ticket is committed.
    """
    if not ticket.contact_email and ticket.customer is not None:
        ticket.contact_email = ticket.customer.email
    ticket.full_clean()
    message = TicketMessage(ticket=ticket, author_kind=author_kind, body=body)
    message.full_clean(exclude=["ticket"])
    ticket.save()
    message.ticket = ticket
    message.save()
    _announce("ticket", ticket.pk)
    ticket_opened(ticket)
    if acknowledge and ticket.contact_email:
        from aftersales.tasks import send_ticket_acknowledgement

        pk = ticket.pk
        transaction.on_commit(lambda: send_ticket_acknowledgement.delay(pk))
    return ticket


@transaction.atomic
def ticket_message_add(
    *, ticket: Ticket, body: str, author_kind: str = MessageAuthor.CUSTOMER, by: User | None = None
) -> TicketMessage:
    """A further message in a ticket's thread; a customer writing again reopens a ticket waiting or resolved."""
    if author_kind == MessageAuthor.STAFF:
        return ticket_reply(ticket=ticket, body=body, by=by)
    message = TicketMessage(ticket=ticket, author_kind=author_kind, body=body)
    message.full_clean()
    message.save()
    if author_kind == MessageAuthor.CUSTOMER and ticket.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
        ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, note="customer wrote again")
    return message


@transaction.atomic
def ticket_reply(*, ticket: Ticket, body: str, by: User | None = None) -> TicketMessage:
    """A staff answer: the first one stamps the first-response time and opens a new ticket."""
    message = TicketMessage(ticket=ticket, author_kind=MessageAuthor.STAFF, author=by, body=body)
    message.full_clean()
    message.save()
    if ticket.first_response_at is None:
        Ticket.objects.filter(pk=ticket.pk, first_response_at__isnull=True).update(
            first_response_at=message.created_at, updated_at=timezone.now()
        )
        ticket.first_response_at = message.created_at
    if ticket.status == TicketStatus.NEW:
        change_status(ticket, TicketStatus.OPEN, by=by)
    return message


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: User | None = None, note: str = "") -> bool:
    extra: dict[str, dt.datetime | None] = {}
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
        extra["resolved_at"] = timezone.now()
    elif status == TicketStatus.OPEN:
        extra["resolved_at"] = None
    moved = change_status(ticket, status, by=by, note=note, extra_updates=extra)
    if moved and status == TicketStatus.CLOSED:
        ticket_closed(ticket)
    return moved


@transaction.atomic
def review_create(
    *,
    customer: Customer,
    product: Product,
    rating: int,
    title: str = "",
    body: str = "",
    consent_to_publish: bool = False,
) -> Review:
    review = Review(
        customer=customer,
        product=product,
        rating=rating,
        title=title,
        body=body,
        consent_to_publish=consent_to_publish,
    )
    return review_record(review=review)


@transaction.atomic
def review_record(*, review: Review) -> Review:
    """Save a review built elsewhere (the admin); it waits for moderation whatever status it came with."""
    review.status = ReviewStatus.PENDING
    review.published_at = None
    review.full_clean()
    review.save()
    _announce("review", review.pk)
    return review


@transaction.atomic
def review_publish(*, review: Review) -> Review:
    """Publish a review; refused (ValidationError) when the customer did not agree to publication."""
    review.status = ReviewStatus.PUBLISHED
    review.published_at = timezone.now()
    review.full_clean()
    review.save(update_fields=["status", "published_at"])
    return review


@transaction.atomic
def review_reject(*, review: Review) -> Review:
    review.status = ReviewStatus.REJECTED
    review.published_at = None
    review.full_clean()
    review.save(update_fields=["status", "published_at"])
    return review


def feedback_mark_looped(
    *,
    surveys: Iterable[int] = (),
    tickets: Iterable[int] = (),
    reviews: Iterable[int] = (),
    at: dt.datetime | None = None,
) -> None:
    """Stamp feedback the loop has turned into preparation data, so the next run reads only what is new."""
    at = at or timezone.now()
    SurveyResponse.objects.filter(pk__in=surveys).update(looped_at=at)
    Ticket.objects.filter(pk__in=tickets).update(looped_at=at)
    Review.objects.filter(pk__in=reviews).update(looped_at=at)
