"""Reports received by mail: delivery status notifications, complaint reports and old-style bounces.

Three shapes are read (:func:`report_read`):

- an RFC 3464 **DSN** (``multipart/report; report-type=delivery-status``): one block per recipient with
  ``Final-Recipient`` / ``Original-Recipient``, ``Action`` (failed, delayed, delivered, relayed, expanded),
  ``Status`` (5.x.x, 4.x.x) and ``Diagnostic-Code``, and the returned message or its headers;
- an RFC 5965 **ARF** complaint (``report-type=feedback-report``): ``Feedback-Type: abuse``, ``Original-Rcpt-To``,
  ``Original-Mail-From`` and the original message (or its headers) in the third part;
- a **plain-text bounce** from an older server (Exim, qmail…) that came back to one of our return paths.

Which message a report is about is read only from what we signed: the return path it came back to (``To``,
``Delivered-To``, ``X-Original-To``, ``Envelope-To``), the return path or Message-ID in the returned headers,
or the ``Original-Mail-From`` of a complaint (``campaigns.verp``). A report that names none of our messages is
not acted upon: anybody can write to the contact line, and an address named in a hand-made report must not be
suppressed on its word. Such a report is kept for a person to judge.

What a report means: ``Action: failed`` with a 5.x.x status is a hard bounce (unless the status says the mailbox
is full or a policy refused the sender, see ``bounces.status_event``), with 4.x.x a soft one (the server gave
up after days of trying); ``delayed`` is not a bounce at all, nor are ``relayed`` and ``expanded``; ``delivered``
ends a run of soft bounces. A plain-text bounce is read by the first status or reply code in its text; one
with neither is a hard bounce only when the text says the error is permanent, else a soft one. An old server's
delay warning (“has not yet been delivered”) is not a bounce.
"""

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses, parseaddr

from django.utils.translation import gettext as _

from campaigns.deliverability import delivered_row
from campaigns.models import DeliveryEvent, DeliveryReport, ReportSource
from campaigns.verp import message_id_read, return_path_read

from .bounces import delivery_report_record, reply_event, status_event

logger = logging.getLogger(__name__)

# Headers of a received message that carry the address it was delivered to (our return path, for a bounce).
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "Original-To", "To")
BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailer)\b", re.IGNORECASE)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|failed|has failed)|mail delivery (failed|failure|system)|"
    r"returned mail|failure notice|could not be delivered|non[- ]?delivery",
    re.IGNORECASE,
)
DELAY_TEXT = re.compile(
    r"has not yet been delivered|not been delivered yet|delivery (is )?delayed|will (continue|keep) trying|"
    r"^warning: message .* delayed",
    re.IGNORECASE | re.MULTILINE,
)
PERMANENT_TEXT = re.compile(r"permanent(ly)? (error|failure|fatal)|permanently|fatal error", re.IGNORECASE)
# Where an old-style bounce starts quoting the returned message: what follows is not the server's words.
RETURNED_COPY = re.compile(
    r"^-{2,}\s*(this is a copy of|original message|below this line|returned message|the original message)",
    re.IGNORECASE | re.MULTILINE,
)
COMPLAINT_TYPES = {"abuse"}


@dataclass
class ReportItem:
    """One recipient's line of a report, as read."""

    event: str | None  # None: read, but nothing to record (delayed, relayed, not a complaint…)
    address: str
    kind: str = ""
    row_id: int | None = None
    status: str = ""
    detail: str = ""
    reference: str = ""

    @property
    def ours(self) -> bool:
        return bool(self.kind) and self.row_id is not None


@dataclass
class Reading:
    source: str  # dsn, arf, bounce
    items: list[ReportItem] = field(default_factory=list)


def _bare(value: object) -> str:
    """The address of ``rfc822; a@b``, ``<a@b>`` or ``Name <a@b>``."""
    text = str(value or "").strip()
    if ";" in text:
        text = text.split(";", 1)[1].strip()
    return parseaddr(text)[1] or text.strip("<> ")


def _named(values: Iterable[object]) -> tuple[str, int] | None:
    """The first of our messages that a return path or a Message-ID among ``values`` names."""
    for value in values:
        text = str(value or "").strip()
        if not text:
            continue
        found = message_id_read(text) if text.startswith("<") and "+" not in text else None
        found = found or return_path_read(_bare(text))
        if found:
            return found
    return None


def _envelope_addresses(message: Message) -> list[str]:
    found: list[str] = []
    for name in ENVELOPE_HEADERS:
        for value in message.get_all(name) or []:
            found += [address for _name, address in getaddresses([str(value)]) if address]
    return found


def _returned_headers(message: Message) -> Message | None:
    """The headers of the message a report returns (``message/rfc822`` or ``text/rfc822-headers``)."""
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            if isinstance(inner, Message):
                return inner
        elif ctype in ("text/rfc822-headers", "message/global-headers"):
            text = part.get_payload(decode=True)
            raw = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else ""
            return HeaderParser(policy=default_policy).parsestr(raw)
    return None


def _original(message: Message) -> tuple[str, int] | None:
    """Our message that the report is about, by its return path (the report's envelope, or the returned
    message's ``Return-Path``) or its Message-ID."""
    named = _named(_envelope_addresses(message))
    if named:
        return named
    returned = _returned_headers(message)
    if returned is None:
        return None
    return _named([*(returned.get_all("Return-Path") or []), *(returned.get_all("Message-ID") or [])])


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    return [HeaderParser(policy=default_policy).parsestr(block) for block in re.split(r"\r?\n\s*\r?\n", text) if block]


def _reference(message: Message, prefix: str, *extra: str) -> str:
    """What makes this report the same report twice: its Message-ID, else a digest of its text."""
    mid = str(message.get("Message-ID", "")).strip()
    base = mid or hashlib.sha256(message.as_bytes(policy=default_policy)).hexdigest()[:32]
    return ":".join([prefix, base, *extra])[:255]


def _dsn(message: Message) -> Reading:
    reading = Reading(source=ReportSource.DSN)
    part = next(
        (
            p
            for p in message.walk()
            if p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        ),
        None,
    )
    if part is None:
        return reading
    named = _original(message)
    for block in _blocks(part)[1:] or _blocks(part):
        recipient = _bare(block.get("Original-Recipient") or block.get("Final-Recipient"))
        if not recipient and not block.get("Action"):
            continue  # the per-message block
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        event: str | None = None
        if action == "failed":
            event = status_event(status) or reply_event(diagnostic) or DeliveryEvent.HARD_BOUNCE
        elif action == "delivered":
            event = DeliveryEvent.DELIVERED
        item = ReportItem(
            event=event,
            address=recipient,
            status=status,
            detail=diagnostic or status,
            reference=_reference(message, "dsn", recipient.lower()),
        )
        if named:
            item.kind, item.row_id = named
        reading.items.append(item)
    return reading


def _arf(message: Message) -> Reading:
    reading = Reading(source=ReportSource.ARF)
    part = next((p for p in message.walk() if p.get_content_type() == "message/feedback-report"), None)
    if part is None:
        return reading
    fields = _blocks(part)[0] if _blocks(part) else Message()
    kind = str(fields.get("Feedback-Type", "")).strip().lower()
    named = _original(message) or _named(fields.get_all("Original-Mail-From") or [])
    recipients = [_bare(v) for v in fields.get_all("Original-Rcpt-To") or []] or [""]
    for recipient in recipients[:1] if named else recipients:
        item = ReportItem(
            event=DeliveryEvent.COMPLAINT if kind in COMPLAINT_TYPES else None,
            address=recipient,
            detail=" ".join(filter(None, [f"Feedback-Type: {kind}", str(fields.get("User-Agent", "")).strip()])),
            reference=_reference(message, "arf"),
        )
        if named:
            item.kind, item.row_id = named
        reading.items.append(item)
    return reading


def _text_of(message: Message) -> str:
    body = message.get_body(preferencelist=("plain",)) if isinstance(message, EmailMessage) else None
    try:
        text = str(body.get_content()) if body is not None else str(message.get_payload(decode=False))
    except (LookupError, UnicodeError, ValueError):
        text = ""
    cut = RETURNED_COPY.search(text)
    return text[: cut.start()] if cut else text


def _plain_bounce(message: Message, named: tuple[str, int]) -> Reading | None:
    sender = parseaddr(str(message.get("From", "")))[1]
    subject = str(message.get("Subject", ""))
    # (A null Return-Path proves nothing: RFC 3834 asks auto-replies to use it too.)
    looks_like_one = bool(
        BOUNCE_SENDER.match(sender.partition("@")[0])
        or message.get("X-Failed-Recipients")
        or BOUNCE_SUBJECT.search(subject)
    )
    if not looks_like_one:
        return None  # an out-of-office reply to the return path, say: not a report
    text = _text_of(message)
    reading = Reading(source=ReportSource.BOUNCE)
    if DELAY_TEXT.search(subject) or DELAY_TEXT.search(text):
        reading.items.append(ReportItem(event=None, address="", kind=named[0], row_id=named[1]))
        return reading
    event = reply_event(text)
    if event is None:
        event = DeliveryEvent.HARD_BOUNCE if PERMANENT_TEXT.search(text) else DeliveryEvent.SOFT_BOUNCE
    failed = [a.strip() for a in str(message.get("X-Failed-Recipients", "")).split(",") if a.strip()]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = next((line for line in lines if reply_event(line)), lines[0] if lines else "")
    reading.items.append(
        ReportItem(
            event=event,
            address=failed[0] if failed else "",
            kind=named[0],
            row_id=named[1],
            detail=detail,
            reference=_reference(message, "bounce"),
        )
    )
    return reading


def report_read(message: Message) -> Reading | None:
    """What a received message reports, or None when it is not a report (a person's mail, an auto-reply)."""
    if message.get_content_type() == "multipart/report":
        kind = str(message.get_param("report-type", "", header="content-type") or "").lower()
        if kind == "delivery-status":
            return _dsn(message)
        if kind == "feedback-report":
            return _arf(message)
        return None  # read receipts (disposition-notification), TLS reports: nothing about deliverability
    named = _named(_envelope_addresses(message))
    return _plain_bounce(message, named) if named else None


@dataclass
class ReportOutcome:
    """What became of a received report: the reports recorded, and whether it named one of our messages."""

    source: str
    recorded: list[DeliveryReport] = field(default_factory=list)
    ours: bool = False

    def note(self) -> str:
        if self.recorded:
            return _("Recorded: %(reports)s.") % {
                "reports": "; ".join(
                    (_("%(event)s for %(address)s, suppressed") if r.suppressed else _("%(event)s for %(address)s"))
                    % {"event": r.get_event_display().lower(), "address": r.address}
                    for r in self.recorded
                )
            }
        if self.ours:
            return _("About one of our messages; nothing to record (a delay, or recorded before).")
        return _("It names none of our messages (no return path or Message-ID of ours): not acted upon.")


def report_process(*, message: EmailMessage, source: str = "") -> ReportOutcome | None:
    """Record what a received report says about our messages (see :func:`report_receive`), with the outcome."""
    reading = report_read(message)
    if reading is None:
        return None
    outcome = ReportOutcome(source=reading.source, ours=any(item.ours for item in reading.items))
    for item in reading.items:
        if item.event is None:
            continue
        if not item.ours:
            logger.info("A %s report (%s) names none of our messages: not acted upon.", reading.source, source)
            continue
        assert item.row_id is not None  # ours
        row = delivered_row(kind=item.kind, row_id=item.row_id)
        report = delivery_report_record(
            address=row.address if row is not None and row.address else item.address,
            event=item.event,
            source=reading.source,
            detail=item.detail,
            kind_code=item.kind,
            row_id=item.row_id,
            reference=item.reference,
            status=item.status,
        )
        if report is not None:
            outcome.recorded.append(report)
    return outcome


def report_receive(*, message: EmailMessage, source: str = "") -> list[DeliveryReport] | None:
    """Record what a received report says about our messages; None when the message is not a report.

    The reports recorded are returned: empty when the report names none of our messages (it is not acted
    upon), says nothing to record (a delay, a delivery that ended no run) or was recorded before. ``source`` is
    how it came (the contact line's webhook or mailbox), for the log.
    """
    outcome = report_process(message=message, source=source)
    return None if outcome is None else outcome.recorded
