"""The right to be forgotten: erase one customer (from their page, or confirmed by them from the preference
centre), or many in the background, and record each erasure without the data it removed.

An erasure runs every eraser of ``customers.erasure.erasers`` (preparation's own, then each later stage's) in one
transaction: personal text is blanked or removed everywhere, while the rows the books and the dashboards count
stay with their amounts, scores, statuses and dates. The customer's row stays too, anonymous, marked erased,
suppressed, with every consent withdrawn; their addresses stay on the suppression list as hashes, so a customer
imported again with one of them is never written to. An :class:`~customers.models.Erasure` records who asked,
when, and how many rows of each kind went.

Erasing an erased customer changes nothing and returns the first record: a task delivered twice, a button
pressed twice or a link confirmed twice erase once.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from customers.erasure import Counts, ErasureSubject, erasers
from customers.events import customer_erased
from customers.models import Customer, Erasure, ErasureSource, suppression_form

# Customers erased per background task: each in its own transaction, so a failure keeps the others done.
ERASURE_BATCH = 100


def _user(by: User | AnonymousUser | None) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None


def erasure_subject(*, customer: Customer) -> ErasureSubject:
    """Who is erased: the customer's id, their address and every other address a stage knows them by (the
    address a ticket came from), their phones."""
    addresses: dict[str, str] = {}
    for address in [customer.email, *erasers.addresses_of(customer.pk)]:
        form = suppression_form(address) if address else ""
        if form:
            addresses.setdefault(form.casefold(), form)
    phones = tuple(p for p in (customer.phone, customer.other_phone) if p)
    return ErasureSubject(customer_id=customer.pk, emails=tuple(addresses.values()), phones=phones)


def _erase(subject: ErasureSubject) -> Counts:
    counts: Counts = {}
    for _name, eraser in erasers:
        for key, rows in eraser(subject).items():
            counts[key] = counts.get(key, 0) + int(rows)
    return counts


@transaction.atomic
def customer_erase(
    *,
    customer: Customer,
    source: str,
    requested_by: User | AnonymousUser | None,
    requested_at: dt.datetime | None = None,
    confirmed_at: dt.datetime | None = None,
) -> Erasure:
    """Erase a customer's personal data everywhere and record it; the existing record when already erased.

    ``requested_by`` is the staff member who asked (None when the customer asked); ``requested_at`` when they
    asked (now by default), ``confirmed_at`` when the customer confirmed by the e-mailed link.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    existing = Erasure.objects.filter(customer_id=locked.pk).first()
    if existing is not None:
        return existing
    removed = _erase(erasure_subject(customer=locked))
    locked.refresh_from_db(fields=["erased_at"])
    now = locked.erased_at or timezone.now()  # the moment preparation's part marked the customer erased
    erasure = Erasure(
        customer=locked,
        source=source,
        requested_by=_user(requested_by),
        requested_at=requested_at or now,
        confirmed_at=confirmed_at,
        completed_at=now,
        removed={key: rows for key, rows in sorted(removed.items()) if rows},
    )
    erasure.full_clean()
    erasure.save()
    customer_erased(customer_id=locked.pk)
    customer.refresh_from_db()
    return erasure


class _RolledBack(Exception):
    def __init__(self, counts: Counts) -> None:
        super().__init__("preview")
        self.counts = counts


def customer_erasure_preview(*, customer: Customer) -> Counts:
    """What erasing the customer would blank or remove, per kind: the erasure itself, rolled back (nothing
    changes, no file is deleted). Empty for an erased customer."""
    if customer.erased_at is not None:
        return {}
    try:
        with transaction.atomic():
            locked = Customer.objects.select_for_update().get(pk=customer.pk)
            raise _RolledBack(_erase(erasure_subject(customer=locked)))
    except _RolledBack as preview:
        return {key: rows for key, rows in sorted(preview.counts.items()) if rows}


@dataclass
class ErasureBatch:
    erased: int = 0
    already: int = 0  # erased before (a task delivered twice finds them so)
    missing: int = 0  # no such customer


def customers_erase_many(
    *,
    customer_ids: Iterable[int],
    requested_by: User | AnonymousUser | None,
    source: str = ErasureSource.ADMIN_BULK,
    requested_at: dt.datetime | None = None,
) -> ErasureBatch:
    """Erase several customers, each in its own transaction (``customer_erase``), in id order."""
    wanted = sorted({int(pk) for pk in customer_ids})
    batch = ErasureBatch()
    found = 0
    for customer in Customer.objects.filter(pk__in=wanted).order_by("pk").iterator(chunk_size=ERASURE_BATCH):
        found += 1
        if customer.erased_at is not None:
            batch.already += 1
            continue
        customer_erase(customer=customer, source=source, requested_by=requested_by, requested_at=requested_at)
        batch.erased += 1
    batch.missing = len(wanted) - found
    return batch


def customers_erase_enqueue(*, customer_ids: Iterable[int], requested_by: User | AnonymousUser | None) -> int:
    """Queue the erasure of these customers in the background, in tasks of :data:`ERASURE_BATCH` ids, once the
    current transaction commits; returns how many were queued. Ids are read as they come (a queryset's
    ``values_list(...).iterator()`` keeps memory flat); a customer erased meanwhile is skipped by the task."""
    from customers.tasks import erase_customers

    user = _user(requested_by)
    asked: dict[str, Any] = {"requested_by_id": user.pk if user else None, "requested_at": timezone.now().isoformat()}
    queued, chunk = 0, []

    def send(ids: list[int]) -> None:
        transaction.on_commit(lambda: erase_customers.delay(ids, **asked))

    for pk in customer_ids:
        chunk.append(int(pk))
        if len(chunk) == ERASURE_BATCH:
            send(chunk)
            queued, chunk = queued + len(chunk), []
    if chunk:
        send(chunk)
        queued += len(chunk)
    return queued
