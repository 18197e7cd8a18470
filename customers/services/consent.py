from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from customers.events import consent_changed
from customers.models import Consent, ConsentEvent, Customer


@transaction.atomic
def consent_set(
    *,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    by: User | AnonymousUser | None = None,
    note: str = "",
) -> bool:
    """Give or withdraw consent for one channel; return True when it changed.

    The current state lives in Consent, and every change is appended to ConsentEvent (when, how, by whom).
    Setting the same state again records nothing.
    """
    consent, created = Consent.objects.select_for_update().get_or_create(
        customer=customer, channel=channel, defaults={"granted": granted}
    )
    if not created and consent.granted == granted:
        return False
    now = timezone.now()
    if not created:
        consent.granted = granted
        consent.updated_at = now
        consent.save(update_fields=["granted", "updated_at"])
    # (An AnonymousUser is never authenticated: named first so that ``by`` is a User or None from here on.)
    if isinstance(by, AnonymousUser) or (by is not None and not getattr(by, "is_authenticated", False)):
        by = None
    event = ConsentEvent(
        customer=customer, channel=channel, granted=granted, source=source, occurred_at=now, recorded_by=by, note=note
    )
    event.full_clean()
    event.save()
    consent_changed(customer_id=customer.pk, channel=channel, granted=granted, source=source)
    return True
