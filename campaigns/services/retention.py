"""Retention: communication's rows older than ``PRIVACY_RETENTION_DAYS`` lose the fields that are personal data.

The rows stay (the funnel, the dashboards' rollups, attribution, delivery rates and the bounce guard count rows,
steps, kinds, agents, campaigns, statuses and times); only what a visitor's browser or a mail server told us
about a person goes:

- a touch's user agent, referrer and detail (a clicked link, a page's topic, or what the visitor typed in an
  offer claim, an inquiry or a comment);
- a campaign message's or occasion offer's last error (mail servers name the address in their refusals);
- an SMS's number, text and last error, once it is sent or failed (never the text of one still to send);
- a delivery report's address, diagnostic and reference (the providers' references carry the address too); its
  address hash stays, so a run of soft bounces is still counted and a suppressed address stays suppressed.

Each table is walked by id range, ``PRIVACY_RETENTION_BATCH_SIZE`` ids at a time, one short transaction each:
memory stays flat, a worker killed half-way loses nothing done, and a run again (or twice) blanks only what is
still there. A run that uses up its time budget says where it stopped, and the task carries on from there.
"""

import datetime as dt
import time
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import DeliveryReport, Message, MessageStatus, OccasionOffer, SmsMessage, Touch


@dataclass(frozen=True)
class Expiry:
    """What ages out of one table: rows whose ``stamp`` is older than the cut-off lose ``fields`` (text, blanked)."""

    model: type[models.Model]
    stamp: str
    fields: tuple[str, ...]
    only: Q = field(default_factory=Q)  # the rows that may lose them (all, unless narrowed)


EXPIRIES: dict[str, Expiry] = {
    "touches": Expiry(Touch, "occurred_at", ("user_agent", "referrer", "detail")),
    "messages": Expiry(Message, "created_at", ("error",)),
    "occasion_offers": Expiry(OccasionOffer, "created_at", ("error",)),
    "delivery_reports": Expiry(DeliveryReport, "reported_at", ("address", "detail", "reference")),
    "sms_messages": Expiry(
        SmsMessage,
        "created_at",
        ("to", "text", "error"),
        Q(status__in=[MessageStatus.SENT, MessageStatus.FAILED]),
    ),
}


@dataclass
class RetentionRun:
    cutoff: dt.datetime | None  # None: retention is off (PRIVACY_RETENTION_DAYS = 0)
    blanked: dict[str, int] = field(default_factory=dict)  # rows changed per table
    resume: dict[str, int] | None = None  # where to carry on (the last id done per table), when out of time

    def summary(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "blanked": self.blanked,
            "resume": self.resume,
        }


def retention_cutoff(*, now: dt.datetime | None = None, days: int | None = None) -> dt.datetime | None:
    """The moment before which rows lose their personal fields; None when ``PRIVACY_RETENTION_DAYS`` is 0."""
    days = settings.PRIVACY_RETENTION_DAYS if days is None else days
    if not days:
        return None
    return (now or timezone.now()) - dt.timedelta(days=days)


def _still_personal(expiry: Expiry) -> Q:
    return reduce(or_, (~Q(**{name: ""}) for name in expiry.fields))


@transaction.atomic
def expired_fields_blank(*, table: str, cutoff: dt.datetime, after_id: int, up_to_id: int) -> int:
    """Blank the personal fields of the rows of ``table`` with an id in ``(after_id, up_to_id]`` older than
    ``cutoff``; the number of rows changed (rows already blank are not written again)."""
    expiry = EXPIRIES[table]
    rows = expiry.model._default_manager.filter(
        expiry.only, _still_personal(expiry), pk__gt=after_id, pk__lte=up_to_id, **{f"{expiry.stamp}__lt": cutoff}
    )
    return rows.update(**dict.fromkeys(expiry.fields, ""))


def _last_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0)


def retention_apply(
    *,
    now: dt.datetime | None = None,
    after: dict[str, int] | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
) -> RetentionRun:
    """Blank the personal fields of every row older than ``PRIVACY_RETENTION_DAYS`` in each table of
    :data:`EXPIRIES`, from ``after`` (the last id done per table, from a run that ran out of time) to the last row
    there is when the table's turn comes. With a ``time_budget`` in seconds, stops after the batch that uses it up
    and says in ``resume`` where to carry on."""
    cutoff = retention_cutoff(now=now)
    run = RetentionRun(cutoff=cutoff)
    if cutoff is None:
        return run
    size = max(1, batch_size or settings.PRIVACY_RETENTION_BATCH_SIZE)
    deadline = None if time_budget is None else time.monotonic() + time_budget
    done = dict(after or {})
    tables = list(EXPIRIES)
    for position, table in enumerate(tables):
        expiry = EXPIRIES[table]
        low, top = done.get(table, 0), _last_id(expiry.model)
        run.blanked[table] = 0
        while low < top:
            high = min(low + size, top)
            run.blanked[table] += expired_fields_blank(table=table, cutoff=cutoff, after_id=low, up_to_id=high)
            low = done[table] = high
            more = low < top or position < len(tables) - 1
            if more and deadline is not None and time.monotonic() >= deadline:
                run.resume = done
                return run
        done[table] = max(low, top)
    return run
