"""The 24-hour contact line: acknowledgements, e-mail that arrives by webhook or from a mailbox."""

import datetime as dt
import email
import imaplib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from aftersales.models import (
    InboundMail,
    InboundMailSource,
    MessageAuthor,
    Ticket,
    TicketAcknowledgement,
    TicketChannel,
    TicketMessage,
)
from campaigns import tokens
from campaigns.models import MessageStatus
from campaigns.services.preferences import unsubscribe
from campaigns.services.reports import ReportOutcome, report_process
from campaigns.services.sending import (
    Claim,
    Loaded,
    MessageKind,
    Pipeline,
    Rendered,
    SendingInterrupted,
    SendResult,
    mail_connection,
)
from customers.models import Customer
from emarketing import mail
from emarketing.brand.selectors import sender_address
from emarketing.contacts import validate_email_address

from .feedback import ticket_create, ticket_message_add

logger = logging.getLogger(__name__)

HEADERS_KEPT = 64 * 1024  # of a message too large to read
TICKET_TAG = re.compile(r"\[#(\d+)\]")
# Senders no person reads (RFC 3834 §2: never answer them).
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?$", re.IGNORECASE)


def _language_of(ticket: Ticket) -> str:
    """A known customer's own language; else the language the writer wrote in; else the site's."""
    if ticket.customer is not None:
        return ticket.customer.preferred_language
    return ticket.language or str(settings.LANGUAGE_CODE)


def ticket_subject_tag(ticket: Ticket) -> str:
    """The tag replies carry in their subject, so an answer by e-mail lands in the same thread."""
    return f"[#{ticket.pk}]"


@dataclass(frozen=True)
class AcknowledgementRow:
    pk: int
    attempts: int
    acknowledgement: TicketAcknowledgement


class TicketAcknowledgements(MessageKind[AcknowledgementRow]):
    """Acknowledgements of new tickets, in the language stored with each, replies going to the contact line."""

    model = TicketAcknowledgement
    code = "a"

    def from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def load(self, claim: Claim) -> Loaded[AcknowledgementRow]:
        rows = (
            TicketAcknowledgement.objects.filter(pk__in=claim.ids, claim=claim.token, status=MessageStatus.SENDING)
            .select_related("ticket")
            .order_by("pk")
        )
        return Loaded(pending=[AcknowledgementRow(a.pk, a.attempts, a) for a in rows], refused={})

    def render(self, row: AcknowledgementRow) -> tuple[str, Rendered]:
        ack = row.acknowledgement
        ticket = ack.ticket
        language = ack.language
        with translation.override(language):
            hours = settings.TICKET_FIRST_RESPONSE_HOURS.get(ticket.priority)
            subject = _("%(tag)s We have received your message: %(subject)s") % {
                "tag": ticket_subject_tag(ticket),
                "subject": ticket.subject,
            }
            message = _(
                "Thank you for writing to us. Your request has the number %(number)s.\n"
                "Our team answers within %(hours)s hours, at any time of day. To add anything, reply to this "
                "e-mail and keep the number in the subject."
            )
            html, text = mail.transactional_mail(
                language=language,
                subject=subject,
                message=message,
                values={"number": mail.identifier(ticket.pk, language), "hours": mail.number(hours, language)},
                # The day the message reached us, in the writer's calendar (Solar Hijri in Persian).
                dated=timezone.localdate(ticket.created_at),
            )
        headers = {
            "Reply-To": str(settings.SUPPORT_EMAIL),
            "Auto-Submitted": "auto-replied",
            "Content-Language": language,
        }
        return ack.to, Rendered(
            subject=subject,
            html=html,
            text=text,
            headers=headers,
            from_email=sender_address(self.from_email(), language),
        )

    def settle(self) -> None:
        """Stamp each ticket whose acknowledgement went out, and note it on the thread, once."""
        sent = TicketAcknowledgement.objects.filter(status=MessageStatus.SENT, ticket__acknowledged_at__isnull=True)
        for ack in sent.order_by("pk")[:1000]:
            with transaction.atomic():
                stamped = Ticket.objects.filter(pk=ack.ticket_id, acknowledged_at__isnull=True).update(
                    acknowledged_at=ack.sent_at or timezone.now()
                )
                if stamped:
                    with translation.override(settings.LANGUAGE_CODE):
                        note = _("Automatic acknowledgement sent to %(email)s.") % {"email": ack.to}
                    TicketMessage.objects.create(ticket_id=ack.ticket_id, author_kind=MessageAuthor.SYSTEM, body=note)


def acknowledgements_send() -> SendResult:
    """Send every acknowledgement due (new ones, and refused ones whose retry time has come)."""
    result = SendResult()
    try:
        Pipeline(TicketAcknowledgements(), mail_connection()).run(result=result)
    except SendingInterrupted as error:  # the unsent ones are back in the queue for the next run
        logger.warning("Acknowledgements interrupted: %s", error)
    return result


def ticket_acknowledge(*, ticket_id: int) -> bool:
    """Queue the automatic acknowledgement of a ticket and send it; False when it was queued before.

    The acknowledgement is a row of its own (one per ticket, kept by the database) sent through the sending
    pipeline, so however often this runs, and wherever a worker is killed, the customer gets it at most once;
    the ticket is stamped, and the thread noted, when it has gone out.
    """
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).exclude(contact_email="").first()
    if ticket is None or is_robot_sender(ticket.contact_email):
        return False
    # At most one automatic answer per address a day (RFC 3834 §2), however many tickets it opens.
    day_ago = timezone.now() - dt.timedelta(days=1)
    if TicketAcknowledgement.objects.filter(to__iexact=ticket.contact_email, created_at__gte=day_ago).exists():
        return False
    _ack, created = TicketAcknowledgement.objects.get_or_create(
        ticket=ticket, defaults={"to": ticket.contact_email, "language": _language_of(ticket)}
    )
    if created:
        acknowledgements_send()
    return created


class UnreadableMail(Exception):
    """An inbound e-mail the contact line cannot turn into a ticket on its own."""


UNSUBSCRIBE_SUBJECT = re.compile(r"\bunsubscribe\s+(\d+:[A-Za-z0-9_-]+)")


def _unsubscribe_request(subject: str) -> bool:
    """A ``List-Unsubscribe`` mailto request (its subject carries the signed token of the unsubscribe link):
    withdraw the customer's e-mail consent. A subject without a valid token is ordinary mail."""
    match = UNSUBSCRIBE_SUBJECT.search(subject)
    if not match:
        return False
    try:
        customer_id = tokens.read_preferences_token(match.group(1))
    except tokens.BadToken:
        return False
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return False
    unsubscribe(customer=customer)
    return True


def is_robot_sender(address: str) -> bool:
    """A null sender, or a mailbox no person reads (``MAILER-DAEMON``, ``postmaster``, ``noreply``…)."""
    local = address.strip().rpartition("@")[0] if "@" in address else address.strip()
    return not local or bool(ROBOT_SENDERS.match(local))


def automatic_reason(message: EmailMessage, sender: str) -> str | None:
    """Why a received message is automatic — a delivery report, a complaint report, an auto-reply, bulk mail —
    or None for a message a person wrote. Automatic messages never become tickets, so they are never answered
    (RFC 3834): with the contact line and the sender on one mailbox, an answer to a bounce is a mail loop."""
    if message.get_content_type() == "multipart/report":
        kind = str(message.get_param("report-type", "", header="content-type") or "").lower()
        if kind == "feedback-report":
            return _("A complaint report (ARF) from a mailbox provider: no ticket, no reply.")
        return _("A delivery report (%(kind)s): no ticket, no reply.") % {"kind": kind or "multipart/report"}
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return _("An automatic message (Auto-Submitted: %(value)s): no ticket, no reply.") % {"value": auto}
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in {"bulk", "list", "junk"}:
        return _("Bulk or list mail (Precedence: %(value)s): no ticket, no reply.") % {"value": precedence}
    if is_robot_sender(sender):
        return _("A message from %(sender)s, which no person reads: no ticket, no reply.") % {"sender": sender or "<>"}
    return None


def _printable(text: str) -> str:
    """Text a database can store: NUL characters (refused by PostgreSQL) become the replacement character."""
    return text.replace("\x00", "\ufffd")


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise UnreadableMail(_("The message has no text to read."))
    try:
        content = str(part.get_content())
    except (LookupError, UnicodeError, ValueError) as error:
        raise UnreadableMail(_("The message text cannot be decoded: %(error)s") % {"error": error}) from error
    if part.get_content_type() == "text/html":
        content = strip_tags(content)
    content = _printable(content).strip()
    if not content:
        raise UnreadableMail(_("The message is empty."))
    return content


def _headers_of(raw: bytes) -> bytes:
    """The header block of a raw message, at most :data:`HEADERS_KEPT` bytes of it."""
    head = raw[:HEADERS_KEPT]
    end = min((at for at in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if at >= 0), default=len(head))
    return head[:end]


def _parse(raw: bytes) -> tuple[EmailMessage, str, str, str]:
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)  # what policy.default builds
        sender = parseaddr(str(message.get("From", "")))[1]
        subject = str(message.get("Subject", "")).strip()
        message_id = str(message.get("Message-ID", "")).strip()[:255]
    except (IndexError, TypeError, ValueError, LookupError) as error:
        raise UnreadableMail(_("The message headers cannot be read: %(error)s") % {"error": error}) from error
    return message, sender, subject, message_id


@transaction.atomic
def inbound_mail_receive(*, raw: bytes, source: str = InboundMailSource.WEBHOOK) -> InboundMail:
    """Turn one received e-mail into a ticket (or a new message in the ticket it answers).

    The raw message is always kept. One that cannot be read — no sender, no text, broken encoding — is stored
    with the reason and waits for a human in the admin. The same Message-ID twice makes one ticket. One larger than
    ``INBOUND_MAIL_MAX_BYTES`` is not parsed: its headers are kept, for a person to read it in the mailbox.
    """
    limit: int = settings.INBOUND_MAIL_MAX_BYTES
    too_large = len(raw) > limit
    if too_large:
        raw = _headers_of(raw)
    text = _printable(raw.decode("utf-8", errors="replace"))
    mail = InboundMail(source=source, raw=text)
    try:
        message, sender, subject, message_id = _parse(raw)
        sender, subject, message_id = _printable(sender), _printable(subject), _printable(message_id)
        mail.sender, mail.subject, mail.message_id = sender[:255], subject[:255], message_id
        if message_id:
            existing = InboundMail.objects.filter(message_id=message_id).first()
            if existing:
                return existing
        if too_large:
            message_text = _(
                "The message is larger than %(limit)s, the most the contact line reads: only its headers are kept "
                "here. Read it in the mailbox."
            )
            raise UnreadableMail(message_text % {"limit": filesizeformat(limit)})
        if _unsubscribe_request(subject):
            # Done: nothing for a human to do, no ticket, no reply.
            mail.error = _("An unsubscribe request by e-mail: e-mail consent withdrawn.")
            mail.handled_at = timezone.now()
        elif (outcome := _report(message, source)) is not None:
            # A bounce or a complaint report: learnt from, kept, never a ticket, never answered (RFC 3834).
            why = automatic_reason(message, sender) or _("A bounce to one of our return paths: no ticket, no reply.")
            mail.error = f"{why} {outcome.note()}"
            if outcome.ours:
                mail.handled_at = timezone.now()
        else:
            automatic = automatic_reason(message, sender)
            if automatic:
                raise UnreadableMail(automatic)
            try:
                validate_email_address(sender)
            except ValidationError as error:
                raise UnreadableMail(_("The sender's address is missing or invalid.")) from error
            body = _text_of(message)
            with transaction.atomic():
                mail.ticket = _ticket_for(sender=sender, subject=subject, body=body)
    except (UnreadableMail, ValidationError) as error:
        mail.error = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        mail.ticket = None
    try:
        with transaction.atomic():
            mail.save()
    except IntegrityError:
        # The same message arrived twice at once; the other copy is stored.
        return InboundMail.objects.get(message_id=mail.message_id)
    return mail


def _report(message: EmailMessage, source: str) -> ReportOutcome | None:
    """What a delivery or complaint report tells the sending side (None: not a report). A report that cannot be
    read is kept like any automatic message, for a person to look at."""
    try:
        with transaction.atomic():
            return report_process(message=message, source=source)
    except Exception:
        logger.exception("A delivery report could not be read")
        return None


def _ticket_for(*, sender: str, subject: str, body: str) -> Ticket:
    match = TICKET_TAG.search(subject)
    if match:
        ticket = Ticket.objects.filter(pk=int(match.group(1))).select_related("customer").first()
        known = ticket is not None and sender.lower() in {
            ticket.contact_email.lower(),
            (ticket.customer.email.lower() if ticket.customer is not None else ""),
        }
        if ticket is not None and known:
            if ticket.customer is None:
                _link_proven_customer(ticket=ticket, sender=sender)
            ticket_message_add(ticket=ticket, body=body, author_kind=MessageAuthor.CUSTOMER)
            return ticket
    customer = Customer.objects.filter(email__iexact=sender).first()
    return ticket_create(
        subject=(subject or _("E-mail without a subject"))[:255],
        body=body,
        channel=TicketChannel.EMAIL,
        customer=customer,
        contact_email=sender,
    )


def _link_proven_customer(*, ticket: Ticket, sender: str) -> None:
    """A reply to the acknowledgement from the address a web form gave proves the writer reads that mailbox:
    only now is the ticket attached to the customer who owns it."""
    customer = Customer.objects.filter(email__iexact=sender).first()
    if customer is not None:
        Ticket.objects.filter(pk=ticket.pk, customer__isnull=True).update(customer=customer)
        ticket.customer = customer


def inbound_mail_mark_handled(*, mails: Iterable[InboundMail]) -> int:
    """A human has dealt with these e-mails (answered them by hand, or judged them spam)."""
    return InboundMail.objects.filter(pk__in=[m.pk for m in mails], handled_at__isnull=True).update(
        handled_at=timezone.now()
    )


def imap_connect(url: str) -> imaplib.IMAP4:
    """An IMAP client for ``imaps://user:password@host:port/folder`` (``imap://`` without TLS)."""
    parts = urlsplit(url)
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    client_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    client = client_class(parts.hostname or "localhost", port, timeout=60)
    client.login(unquote(parts.username or ""), unquote(parts.password or ""))
    client.select(unquote(parts.path.lstrip("/")) or "INBOX")
    return client


def mailbox_poll(*, client: imaplib.IMAP4 | None = None, limit: int = 200) -> int:
    """Read unseen messages from the contact mailbox (setting ``IMAP_URL``; off when empty); return how many.

    A message is flagged seen only after it is stored, so a crash in between reads it again next time, and
    its Message-ID keeps it from becoming a second ticket.
    """
    if client is None:
        if not settings.IMAP_URL:
            return 0
        client = imap_connect(settings.IMAP_URL)
    count = 0
    try:
        status, data = client.search(None, "UNSEEN")
        if status != "OK":
            return 0
        for found in (data[0] or b"").split()[:limit]:
            number = found.decode("ascii") if isinstance(found, bytes) else str(found)
            # At most one byte more than the contact line reads: a larger message is known as one, not held.
            status, fetched = client.fetch(number, f"(BODY.PEEK[]<0.{settings.INBOUND_MAIL_MAX_BYTES + 1}>)")
            raw = next((part[1] for part in fetched or () if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                continue
            inbound_mail_receive(raw=raw, source=InboundMailSource.IMAP)
            client.store(number, "+FLAGS", "\\Seen")
            count += 1
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.warning("IMAP logout failed", exc_info=True)
    return count
