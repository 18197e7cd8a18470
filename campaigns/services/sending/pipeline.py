"""The one sending loop for every message to a customer: claim, render, build, mark, hand over, record, retry.

Design: each kind of message keeps its own table (campaign messages, occasion offers, …), because each has its
own idempotency rule enforced by the database (one message per campaign and customer, one offer per occasion
and year, …). What those tables share is the delivery state, the abstract model
:class:`campaigns.models.DeliveryState` (status, attempts, next attempt, claim token and time, last answer,
sent time). This loop works over any such table; a kind supplies only what differs, as a :class:`MessageKind`:
which rows are its own (``scope``), what a claimed batch needs loaded and who may no longer be written to
(``load``), and how to render one (``render``).

The life of a row: claimed in id-ordered batches (``queued`` → ``sending``, with a claim token, under
``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it), rendered, built, and marked ``delivering``
just before it is handed to the mail server, in the same commit as the server's answer for the row before it
(one commit a message). A worker killed then leaves one row that may or may not have arrived: once its claim
is older than ``CAMPAIGNS_SEND_CLAIM_TIMEOUT`` it is marked ``failed`` with that reason instead of being sent a
second time, and the rows it had claimed but not started go back to the queue. A refused address goes back to
``queued`` with a later ``next_attempt_at`` (exponential backoff) and is ``failed`` after
``CAMPAIGNS_SEND_MAX_ATTEMPTS``; the others are not held up. An address with a non-ASCII local part travels
with SMTPUTF8; a server that does not offer it fails that message at once (a domain alone that is non-ASCII
goes IDNA-encoded and needs nothing).
"""

import abc
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns import verp
from campaigns.models import DeliveryEvent, DeliveryState, MessageStatus, ReportSource
from campaigns.services.bounces import delivery_report_record, reply_event
from customers.selectors import suppressed_among

from .dkim import signer_for
from .mime import (
    bare_address,
    build_email,
    envelope_address,
    from_address,
    header_address,
    make_message_id,
    message_bytes,
    message_id_domain,
    needs_smtputf8,
)
from .queue import Claim, Statements, retry_delay, rows_claim_due, rows_reclaim_stale
from .render import Rendered
from .transport import SMTPUTF8, Handover, Outcome, RawEmail, SendingInterrupted, Throttle, _deliver

SUPPRESSED = gettext_lazy("The address is on the suppression list.")


class Due(Protocol):
    """A claimed row as a kind loads it: at least its id and how often it was tried."""

    @property
    def pk(self) -> int: ...

    @property
    def attempts(self) -> int: ...


D = TypeVar("D", bound=Due)


@dataclass
class Loaded(Generic[D]):
    """A claimed batch as a kind loaded it: the rows to send, those to fail now with the reason, and those to put
    back in the queue until a later moment (a customer's quiet hours)."""

    pending: Sequence[D]
    refused: dict[int, str]
    deferred: dict[int, dt.datetime] = field(default_factory=dict)


class MessageKind(abc.ABC, Generic[D]):
    """What one kind of customer message supplies to the pipeline."""

    model: type[DeliveryState]
    # A short code naming this kind on the return path of its messages (VERP), so that a bounce names its row.
    code: str

    def scope(self) -> Q:
        """The rows of the delivery table that are this kind's (all of them, unless narrowed)."""
        return Q()

    @abc.abstractmethod
    def load(self, claim: Claim) -> Loaded[D]:
        """The claimed rows in id order, with what rendering them needs; rows no longer allowed are refused."""

    @abc.abstractmethod
    def render(self, row: D) -> tuple[str, Rendered]:
        """The address and the rendered message of one row (an exception fails that row only)."""

    def from_email(self) -> str:
        """The sender of this kind's messages."""
        return from_address()

    def settle(self) -> None:
        """Record outside the delivery table what follows from messages sent (a stamp, a note on a thread).

        Called before the first batch and after each one; it must find its own work (sent rows not yet settled)
        and do it once, so that a worker killed between a message sent and its settling leaves it for the next
        run, never done twice.
        """

    def still_sending(self) -> bool:
        """False stops the run between batches (a campaign paused, say)."""
        return True


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    more: bool = False  # stopped for the time budget with work left: run again now
    retry_in: float | None = None  # only retries (or other workers' claims) left: run again after this
    finished: bool = False
    stopped: bool = False  # the kind stopped sending (a campaign paused, cancelled)


@dataclass
class _Handed:
    """The row last handed to the server, with its answer, until that answer is recorded."""

    row: Due
    to: str
    outcome: Outcome
    error: str
    at: dt.datetime = field(default_factory=timezone.now)


def outgoing(
    rendered: Rendered, *, to: str, connection: Any, from_email: str, kind: str = "", row_id: int | None = None
) -> EmailMessage | RawEmail:
    """A rendered message as it is handed to ``connection``: for an SMTP connection the envelope and the bytes
    (built by the standard library, DKIM-signed when the sender's domain has an active key), for any other
    backend Django's message.

    A message of a delivery table (``kind`` and ``row_id`` given) goes out with its own signed return path
    (VERP) and a Message-ID that names it too, so that a bounce or a complaint finds its row.
    """
    domain = message_id_domain(from_email)
    named = row_id if kind else None
    message_id = (
        make_message_id(from_email) if named is None else verp.message_id(kind=kind, row_id=named, domain=domain)
    )
    if not isinstance(connection, SMTPBackend):
        rendered.headers.setdefault("Message-ID", message_id)
        return build_email(rendered, to=to, connection=connection, from_email=from_email)
    sender = envelope_address(
        from_email if named is None else verp.return_path(kind=kind, row_id=named, sender=from_email)
    )
    address = envelope_address(to)
    # RFC 6531 and 6532: a non-ASCII local part travels in UTF-8, on the envelope and in the headers.
    utf8 = needs_smtputf8(sender, address)
    data = message_bytes(
        rendered,
        from_email=header_address(from_email),
        to=bare_address(to) if utf8 else address,
        message_id=message_id,
        utf8=utf8,
    )
    # Signed last, when every header is final; a domain without an active key sends unsigned.
    signer = signer_for(from_email)
    if signer is not None:
        data = signer.sign(data) + data
    return (sender, [address], data, [SMTPUTF8] if utf8 else [])


class Pipeline(Generic[D]):
    """Sends the due rows of one kind over one open connection, batch after batch."""

    def __init__(self, kind: MessageKind[D], connection: Any) -> None:
        self.kind = kind
        self.model = kind.model
        self.connection = connection
        self.throttle = Throttle(settings.CAMPAIGNS_SEND_RATE)
        self.raw = isinstance(connection, SMTPBackend)
        self.handover = Handover(connection)
        self.sql = Statements(kind.model)
        self.from_email = kind.from_email()
        self.max_attempts = settings.CAMPAIGNS_SEND_MAX_ATTEMPTS

    def _rows(self, token: str) -> Any:
        return self.model._default_manager.filter(claim=token)

    def run(self, *, result: SendResult, deadline: float | None = None) -> bool:
        """Claim and send until nothing is due (True), the deadline passes or the kind stops (False)."""
        scope = self.kind.scope()
        size = settings.CAMPAIGNS_SEND_BATCH_SIZE
        try:
            self.kind.settle()
            self.connection.open()
            while True:
                if not self.kind.still_sending():
                    result.stopped = True
                    return False
                now = timezone.now()
                rows_reclaim_stale(model=self.model, scope=scope, now=now)
                claim = rows_claim_due(model=self.model, scope=scope, size=size, now=now)
                if not claim.ids:
                    return True
                self.send(claim, result)
                self.kind.settle()
                if deadline is not None and time.monotonic() > deadline:
                    result.more = True
                    return False
        finally:
            self.connection.close()

    def _build(self, row: Due, to: str, rendered: Rendered) -> EmailMessage | RawEmail:
        from_email = rendered.from_email or self.from_email
        return outgoing(
            rendered, to=to, connection=self.connection, from_email=from_email, kind=self.kind.code, row_id=row.pk
        )

    def _fail(self, token: str, pk: int, reason: str, *, attempted: bool = False) -> None:
        extra = {"attempts": F("attempts") + 1} if attempted else {}
        self._rows(token).filter(pk=pk).update(status=MessageStatus.FAILED, error=str(reason)[:500], claim="", **extra)

    def _rendered(self, token: str, pending: Sequence[D], result: SendResult) -> list[tuple[D, str, Rendered]]:
        """The batch rendered, less the rows that failed to render and those whose address is on the suppression
        list (looked up once for the batch): those are failed with the reason."""
        ready = []
        for row in pending:
            try:
                to, rendered = self.kind.render(row)
            except Exception as exc:  # a broken creative fails its message, never the whole batch
                self._fail(token, row.pk, str(exc), attempted=True)
                result.failed += 1
                continue
            ready.append((row, to, rendered))
        suppressed = suppressed_among([to for _row, to, _rendered in ready])
        listed = [row.pk for row, to, _rendered in ready if to in suppressed]
        if listed:
            self._rows(token).filter(pk__in=listed).update(
                status=MessageStatus.FAILED, error=str(SUPPRESSED)[:500], claim=""
            )
            result.failed += len(listed)
        return [item for item in ready if item[1] not in suppressed]

    def send(self, claim: Claim, result: SendResult) -> None:
        token = claim.token
        loaded = self.kind.load(claim)
        if loaded.refused:
            for pk, reason in loaded.refused.items():
                self._rows(token).filter(pk=pk).update(status=MessageStatus.FAILED, error=str(reason)[:500], claim="")
            result.failed += len(loaded.refused)
        later: dict[dt.datetime, list[int]] = {}
        for pk, when in loaded.deferred.items():
            later.setdefault(when, []).append(pk)
        for when, pks in later.items():
            self._rows(token).filter(pk__in=pks).update(
                status=MessageStatus.QUEUED, claim="", claimed_at=None, next_attempt_at=when
            )
        ready = self._rendered(token, loaded.pending, result)
        handed: _Handed | None = None  # answered by the server, to record
        waiting: tuple[int, Due, str] | None = None  # handed over on SMTP, the server's answer not read yet
        try:
            for i, (row, to, rendered) in enumerate(ready):
                try:
                    email = self._build(row, to, rendered)
                except Exception as exc:  # a message that cannot be built fails alone
                    self._fail(token, row.pk, str(exc), attempted=True)
                    result.failed += 1
                    continue
                self.throttle.wait()
                if waiting is not None:
                    handed = _Handed(waiting[1], waiting[2], *self.handover.finish())
                    waiting = None
                # One commit per message: the answer for the previous message and the mark of this one, before the
                # server can accept it.
                if handed is not None and handed.outcome == "sent":
                    self.sql.mark_sent_and_delivering(
                        sent_pk=handed.row.pk, sent_at=handed.at, delivering_pk=row.pk, token=token
                    )
                    result.sent += 1
                else:
                    with transaction.atomic():
                        if handed is not None:
                            self.record(token, handed, result)
                        self.sql.mark_delivering(pk=row.pk, token=token)
                handed = None
                if isinstance(email, tuple):
                    answer = self.handover.start(email)
                    if answer is None:
                        waiting = (i, row, to)
                        continue
                else:
                    answer = _deliver(email, self.connection)
                handed = _Handed(row, to, *answer)
            if waiting is not None:
                handed = _Handed(waiting[1], waiting[2], *self.handover.finish())
                waiting = None
        except SendingInterrupted:
            # The server did not answer for a message (the connection failed before it said so): it and the rest
            # of the batch go back to the queue; an answer already read is recorded.
            if handed is not None:
                self.record(token, handed, result)
            unanswered = ready[waiting[0] :] if waiting is not None else ready
            self._rows(token).filter(
                pk__in=[r.pk for r, _to, _rendered in unanswered],
                status__in=[MessageStatus.SENDING, MessageStatus.DELIVERING],
            ).update(status=MessageStatus.QUEUED, claim="", claimed_at=None)
            raise
        if handed is not None:
            self.record(token, handed, result)

    def record(self, token: str, handed: _Handed, result: SendResult) -> None:
        """What the server answered for a message handed over: sent, refused (retried later, or failed at the
        last attempt), bounced (the address does not exist: failed, never retried) or failed for good (the message
        itself refused, or a server without SMTPUTF8 and an internationalised address)."""
        row = handed.row
        if handed.outcome == "sent":
            self.sql.mark_sent(pk=row.pk, token=token, sent_at=handed.at)  # the hot path: one prepared statement
            result.sent += 1
        elif handed.outcome in ("failed", "bounced") or row.attempts + 1 >= self.max_attempts:
            self._fail(token, row.pk, handed.error, attempted=True)
            result.failed += 1
            if handed.outcome == "bounced":
                # The server refused the address for good: a bounce, which may suppress it (and pause a campaign
                # whose bounces pass the limit; the run stops at the next batch).
                delivery_report_record(
                    address=handed.to,
                    event=reply_event(handed.error) or DeliveryEvent.HARD_BOUNCE,
                    source=ReportSource.SMTP,
                    detail=handed.error,
                    kind_code=self.kind.code,
                    row_id=row.pk,
                )
        else:
            self._rows(token).filter(pk=row.pk).update(
                status=MessageStatus.QUEUED,
                error=handed.error,
                attempts=F("attempts") + 1,
                claim="",
                claimed_at=None,
                next_attempt_at=handed.at + dt.timedelta(seconds=retry_delay(row.attempts + 1)),
            )
            result.retried += 1
