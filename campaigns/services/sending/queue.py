"""Queue layer: claiming due rows of a delivery table, giving stale claims back, the retry delay, and the
raw-SQL statements of the hot path, each row shape named.

Every function here works over any model built on :class:`campaigns.models.DeliveryState`, restricted by a
``scope`` (``Q``) to the rows of one kind of message (one campaign's messages, say).
"""

import datetime as dt
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy

from campaigns.models import DeliveryState, MessageStatus

UNCERTAIN_DELIVERY = gettext_lazy(
    "The sending worker stopped while handing this message to the mail server: it may have arrived, so it was "
    "not sent again."
)


class Claim(NamedTuple):
    """A batch one worker holds: its token (written on every claimed row) and the row ids in id order."""

    token: str
    ids: list[int]


class DueRow(NamedTuple):
    """What the pipeline needs of a claimed row to send it and record the answer."""

    pk: int
    attempts: int


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: doubling, capped well below the broker's visibility timeout."""
    base = settings.CAMPAIGNS_SEND_RETRY_BACKOFF
    return int(min(base * 2 ** max(attempts - 1, 0), settings.CAMPAIGNS_SEND_RETRY_MAX_DELAY))


def rows_claim_due(*, model: type[DeliveryState], scope: Q, size: int, now: dt.datetime) -> Claim:
    """Claim up to ``size`` queued rows of ``scope`` whose next attempt is due (``queued`` → ``sending``)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = (
            model._default_manager.filter(scope, status=MessageStatus.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        if ids:
            # The status condition makes the claim safe even where rows cannot be locked (SQLite serialises
            # writers instead): a row already claimed by someone else is not claimed again.
            model._default_manager.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING, claim=token, claimed_at=now
            )
    return Claim(token=token, ids=ids)


def rows_reclaim_stale(*, model: type[DeliveryState], scope: Q, now: dt.datetime) -> int:
    """Give back to the queue the rows a worker claimed and never started to hand over (it was killed); the
    row it was handing over when it stopped is marked failed, never sent twice. Returns how many were given
    back."""
    cutoff = now - dt.timedelta(seconds=settings.CAMPAIGNS_SEND_CLAIM_TIMEOUT)
    stale = model._default_manager.filter(scope, claimed_at__lt=cutoff)
    stale.filter(status=MessageStatus.DELIVERING).update(
        status=MessageStatus.FAILED, error=UNCERTAIN_DELIVERY, attempts=F("attempts") + 1, claim=""
    )
    return stale.filter(status=MessageStatus.SENDING).update(status=MessageStatus.QUEUED, claim="", claimed_at=None)


class Statements:
    """The prepared UPDATEs of the hot path for one delivery table (the name from the model, values as
    parameters)."""

    def __init__(self, model: type[DeliveryState]) -> None:
        table = db_connection.ops.quote_name(model._meta.db_table)
        self.sent = f"UPDATE {table} SET status = %s, sent_at = %s, attempts = attempts + 1, error = '', claim = '' WHERE id = %s AND claim = %s"  # noqa: S608, E501
        self.delivering = f"UPDATE {table} SET status = %s WHERE id = %s AND claim = %s"  # noqa: S608
        # The message before marked sent, this one marked as being handed over: one statement, one commit.
        self.sent_and_delivering = (
            f"UPDATE {table} SET status = CASE WHEN id = %s THEN %s ELSE %s END, "  # noqa: S608
            "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
            "attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END, "
            "error = CASE WHEN id = %s THEN '' ELSE error END, "
            "claim = CASE WHEN id = %s THEN '' ELSE claim END "
            "WHERE id IN (%s, %s) AND claim = %s"
        )

    def mark_sent(self, *, pk: int, token: str, sent_at: dt.datetime) -> None:
        with db_connection.cursor() as cursor:
            cursor.execute(
                self.sent, [MessageStatus.SENT, db_connection.ops.adapt_datetimefield_value(sent_at), pk, token]
            )

    def mark_delivering(self, *, pk: int, token: str) -> None:
        with db_connection.cursor() as cursor:
            cursor.execute(self.delivering, [MessageStatus.DELIVERING, pk, token])

    def mark_sent_and_delivering(self, *, sent_pk: int, sent_at: dt.datetime, delivering_pk: int, token: str) -> None:
        at = db_connection.ops.adapt_datetimefield_value(sent_at)
        with db_connection.cursor() as cursor:
            cursor.execute(
                self.sent_and_delivering,
                [sent_pk, MessageStatus.SENT, MessageStatus.DELIVERING, sent_pk, at, sent_pk, sent_pk, sent_pk,
                 sent_pk, delivering_pk, token],
            )  # fmt: skip
