"""What preparation tells whoever listens (outgoing webhooks, journeys): the events, their payloads, the publishing.

The payloads carry what a receiver needs to act and ids to fetch more; an erased customer is only an id.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Need
from emarketing.hooks.bus import events, publish

CUSTOMER_CREATED = "customer.created"
CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_ERASED = "customer.erased"
CONSENT_CHANGED = "consent.changed"
NEED_CREATED = "need.created"
FORM_SUBMITTED = "form.submitted"


def register() -> None:
    events.register(CUSTOMER_CREATED, _("Customer created"))
    events.register(CUSTOMER_UPDATED, _("Customer updated"))
    events.register(CUSTOMER_ERASED, _("Customer erased"))
    events.register(CONSENT_CHANGED, _("Consent given or withdrawn"))
    events.register(NEED_CREATED, _("Need heard for the first time"))
    events.register(FORM_SUBMITTED, _("Capture form submitted and confirmed"))


def customer_key(customer_id: int) -> str:
    return f"customer:{customer_id}"


def customer_payload(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "preferred_language": customer.preferred_language,
        "acquisition_source": customer.acquisition_source,
        "suppressed": customer.suppressed,
    }


def customer_saved(*, customer: Customer, created: bool) -> None:
    """Publish a customer's creation or change; call it in the transaction that saved them."""
    publish(
        CUSTOMER_CREATED if created else CUSTOMER_UPDATED,
        key=customer_key(customer.pk),
        payload=customer_payload(customer),
    )


def customer_erased(*, customer_id: int) -> None:
    publish(CUSTOMER_ERASED, key=customer_key(customer_id), payload={"id": customer_id})


def consent_changed(*, customer_id: int, channel: str, granted: bool, source: str) -> None:
    publish(
        CONSENT_CHANGED,
        key=customer_key(customer_id),
        payload={"customer": customer_id, "channel": channel, "granted": granted, "source": source},
    )


def need_created(need: Need) -> None:
    publish(
        NEED_CREATED,
        key=f"need:{need.pk}",
        payload={
            "id": need.pk,
            "kind": need.kind,
            "category": need.category,
            "title": need.title,
            "product": need.product_id,
            "source": need.source,
        },
    )


def form_submitted(*, customer_id: int, form_id: int, form_slug: str, submission_id: int) -> None:
    """A capture form's submission took effect (confirmed by its link, or at once without double opt-in)."""
    publish(
        FORM_SUBMITTED,
        key=customer_key(customer_id),
        payload={"customer": customer_id, "form": form_id, "form_slug": form_slug, "submission": submission_id},
    )
