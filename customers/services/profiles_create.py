"""A customer met for the first time at a purchase: found by e-mail, or created with what they gave."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from customers.events import customer_saved
from customers.models import AcquisitionSource, Customer
from customers.selectors import suppressed_among


@transaction.atomic
def customer_get_or_create(
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    preferred_language: str = "en",
    acquisition_source: str = AcquisitionSource.WEBSITE,
) -> tuple[Customer, bool]:
    """The customer with this e-mail (any case), or a new one validated like an admin form would."""
    existing = Customer.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing, False
    customer = Customer(
        email=email.lower(),
        first_name=first_name,
        last_name=last_name or "",
        phone=phone or "",
        preferred_language=preferred_language or "en",
        acquisition_source=acquisition_source,
    )
    customer.full_clean()
    # An address on the suppression list (a bounce, a complaint, an erased customer's) starts suppressed.
    customer.suppressed = bool(suppressed_among([customer.email]))
    customer.save()
    customer_saved(customer=customer, created=True)
    return customer, True


@dataclass(frozen=True)
class NewBuyer:
    """A customer first met in a file of past orders: who they are, and since when they buy."""

    first_name: str
    last_name: str = ""
    email: str = ""
    phone: str = ""
    external_id: str = ""
    since: dt.datetime | None = None


@transaction.atomic
def customers_create_buyers(*, buyers: Sequence[NewBuyer]) -> list[int]:
    """Create the customers an order history import names but preparation does not know yet: one ``bulk_create``
    for the lot, their acquisition source "import", customer since their first order; their ids in order.

    The values come checked by the import (names, e-mail addresses, phones as the customer import reads them).
    Those whose address is on the suppression list start suppressed (one look-up for the lot).
    """
    listed = suppressed_among(b.email for b in buyers)
    created = Customer.objects.bulk_create(
        [
            Customer(
                first_name=b.first_name[:100],
                last_name=b.last_name[:100],
                email=b.email,
                phone=b.phone,
                external_id=b.external_id[:64],
                acquisition_source=AcquisitionSource.IMPORT,
                suppressed=bool(b.email) and b.email in listed,
                **({"created_at": b.since} if b.since else {}),
            )
            for b in buyers
        ]
    )
    return [c.pk for c in created]
