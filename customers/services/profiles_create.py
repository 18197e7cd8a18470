"""A customer met for the first time at a purchase: found by e-mail, or created with what they gave; and a
customer's profile changed by an integration."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


# What an integration may change of a customer's profile: never the e-mail (the customer's key for integrations),
# scores, tiers, stages or suppression, which the product works out, nor consent (its own service, with a source).
UPDATABLE_FIELDS = ("first_name", "last_name", "phone", "preferred_language", "country", "region", "city", "time_zone")


@transaction.atomic
def customer_update(*, customer: Customer, changes: Mapping[str, Any]) -> Customer:
    """Change the given profile fields of ``customer``, validated like the admin form; nothing changes when one is
    invalid. Publishes ``customer.updated`` when something changed."""
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)})
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.erased_at is not None:
        raise ValidationError(_("This customer was erased."))
    before = {name: getattr(locked, name) for name in UPDATABLE_FIELDS}
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    changed = [name for name in UPDATABLE_FIELDS if getattr(locked, name) != before[name]]
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        customer_saved(customer=locked, created=False)
    return locked


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
