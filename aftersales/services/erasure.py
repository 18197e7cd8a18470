"""After-sales' part of a customer's erasure (registered in ``customers.erasure.erasers``).

Blanked: the customer's tickets (the address they wrote from, the subject, every message of the thread and the
notes on its status changes), the acknowledgements' addresses, their survey comments and opinions, their
reviews' titles and texts, and the e-mails the contact line received from them or about them (from one of
their addresses, on one of their tickets, or quoting an address of theirs, as a bounce does). The error texts
of the e-mails sent to them go, their unsent ones are cancelled. What the loop heard in those items goes too.

Kept, and why: each ticket's channel, priority, status, order, product and times (the contact line's service
figures and its targets are counted from them); each answer's CSAT and NPS, each review's rating, status and
dates (the satisfaction figures, the NPS and the average ratings); each e-mail's received and handled times.
A ticket opened from one of the customer's addresses without being tied to them is tied to the (anonymous)
customer, since a ticket must name someone to answer.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.models import (
    InboundMail,
    LateDeliveryApology,
    Review,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    TicketAcknowledgement,
    TicketMessage,
    TicketStatusChange,
)
from campaigns.models import MessageStatus
from campaigns.services.bounces import delivery_reports_forget_rows
from campaigns.services.occasions import ERASED
from customers.erasure import Counts, ErasureSubject, admin_history_forget
from customers.models import NeedSource
from customers.services.erasure_own import need_mentions_forget

from .contact import TicketAcknowledgements
from .lateness import LateDeliveryApologies
from .surveys import SurveyInvitations

LABELS = {
    "aftersales.tickets": _("tickets: the address they wrote from and the subject"),
    "aftersales.ticket_messages": _("messages of their tickets"),
    "aftersales.ticket_notes": _("notes on the status changes of their tickets"),
    "aftersales.survey_answers": _("survey comments and opinions (the scores are kept)"),
    "aftersales.reviews": _("review titles and texts (the ratings are kept)"),
    "aftersales.inbound_mail": _("e-mails received from or about them"),
    "aftersales.mail_sent": _("acknowledgements, survey invitations and late-delivery e-mails: address and errors"),
    "aftersales.cancelled": _("unsent after-sales e-mails cancelled"),
    "aftersales.need_mentions": _("what the loop heard in their feedback"),
}


def addresses_of(customer_id: int) -> list[str]:
    """The addresses a customer's tickets were written from (an address the customer no longer has, say)."""
    tickets = Ticket.objects.filter(customer_id=customer_id).exclude(contact_email="")
    return sorted(set(tickets.values_list("contact_email", flat=True)))


def _tickets(subject: ErasureSubject) -> tuple[list[int], Counts]:
    tickets = Ticket.objects.filter(Q(customer_id=subject.customer_id) | subject.email_q("contact_email"))
    ids = list(tickets.values_list("pk", flat=True))
    # A ticket must name someone to answer: one opened from their address alone is tied to the anonymous customer.
    Ticket.objects.filter(pk__in=ids, customer__isnull=True).update(customer_id=subject.customer_id)
    counts = {
        "aftersales.tickets": Ticket.objects.filter(pk__in=ids)
        .filter(~Q(contact_email="") | ~Q(subject=""))
        .update(contact_email="", subject=""),
        "aftersales.ticket_messages": TicketMessage.objects.filter(ticket_id__in=ids).exclude(body="").update(body=""),
        "aftersales.ticket_notes": TicketStatusChange.objects.filter(subject_id__in=ids)
        .exclude(note="")
        .update(note=""),
    }
    messages = list(TicketMessage.objects.filter(ticket_id__in=ids).values_list("pk", flat=True))
    admin_history_forget(Ticket, ids)
    admin_history_forget(TicketMessage, messages)
    return ids, counts


def _mail_sent(subject: ErasureSubject, ticket_ids: list[int]) -> Counts:
    """The after-sales e-mails to the customer: addresses and errors blanked, unsent ones cancelled, and the
    delivery reports on them forgotten."""
    blanked = cancelled = 0
    acknowledgements = TicketAcknowledgement.objects.filter(Q(ticket_id__in=ticket_ids) | subject.email_q("to"))
    kinds = (
        (TicketAcknowledgements.code, acknowledgements),
        (SurveyInvitations.code, SurveyInvitation.objects.filter(customer_id=subject.customer_id)),
        (LateDeliveryApologies.code, LateDeliveryApology.objects.filter(customer_id=subject.customer_id)),
    )
    for code, rows in kinds:
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        same = rows.model._default_manager.filter(pk__in=ids)
        blanked += delivery_reports_forget_rows(kind=code, row_ids=ids)
        blanked += same.exclude(error="").update(error="")
        cancelled += same.filter(status=MessageStatus.QUEUED).update(
            status=MessageStatus.FAILED, error=str(ERASED), claim=""
        )
        admin_history_forget(rows.model, ids)
    blanked += acknowledgements.exclude(to="").update(to="")
    return {"aftersales.mail_sent": blanked, "aftersales.cancelled": cancelled}


def _inbound_mail(subject: ErasureSubject, ticket_ids: list[int]) -> int:
    about = Q(ticket_id__in=ticket_ids) | subject.email_q("sender") | subject.text_q("raw", "subject")
    ids = list(InboundMail.objects.filter(about).values_list("pk", flat=True))
    for pk, message_id, error in InboundMail.objects.filter(pk__in=ids).values_list("pk", "message_id", "error"):
        updates = {}
        if subject.mentions(message_id):
            updates["message_id"] = ""
        if subject.mentions(error):  # kept otherwise: an unread e-mail still waits for a person
            updates["error"] = str(ERASED)
        if updates:
            InboundMail.objects.filter(pk=pk).update(**updates)
    admin_history_forget(InboundMail, ids)
    mails = InboundMail.objects.filter(pk__in=ids).filter(~Q(sender="") | ~Q(subject="") | ~Q(raw=""))
    return mails.update(sender="", subject="", raw="")


def erase_aftersales(subject: ErasureSubject) -> Counts:
    cid = subject.customer_id
    ticket_ids, counts = _tickets(subject)
    counts.update(_mail_sent(subject, ticket_ids))
    counts["aftersales.inbound_mail"] = _inbound_mail(subject, ticket_ids)
    answers = SurveyResponse.objects.filter(customer_id=cid)
    answer_ids = list(answers.values_list("pk", flat=True))
    counts["aftersales.survey_answers"] = answers.filter(~Q(comment="") | ~Q(product_opinion="")).update(
        comment="", product_opinion=""
    )
    reviews = Review.objects.filter(customer_id=cid)
    review_ids = list(reviews.values_list("pk", flat=True))
    counts["aftersales.reviews"] = reviews.filter(~Q(title="") | ~Q(body="")).update(title="", body="")
    admin_history_forget(SurveyResponse, answer_ids)
    admin_history_forget(Review, review_ids)
    counts["aftersales.need_mentions"] = (
        need_mentions_forget(source=NeedSource.TICKET, source_ids=ticket_ids)
        + need_mentions_forget(source=NeedSource.SURVEY, source_ids=answer_ids)
        + need_mentions_forget(source=NeedSource.REVIEW, source_ids=review_ids)
    )
    return counts
