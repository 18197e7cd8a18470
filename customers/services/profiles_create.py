"""A customer met for the first time at a purchase: found by e-mail, or created with what they gave."""

from django.db import transaction

from customers.models import AcquisitionSource, Customer


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
    customer.save()
    return customer, True
