"""What staff do with subscriptions in the admin, and the turning off of a receiver that keeps failing."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from emarketing.digits import localize_digits
from emarketing.hooks.bus import events
from emarketing.hooks.models import Delivery, DeliveryStatus, Subscription
from emarketing.hooks.targets import url_problem

from .outbox import TEST_EVENT, deliveries_append, kick_after_commit

logger = logging.getLogger(__name__)


@transaction.atomic
def subscription_save(*, subscription: Subscription) -> Subscription:
    """Create or change a subscription: a receiver address we may post to, and events from the catalogue."""
    problem = url_problem(subscription.url, resolve=False)
    if problem:
        raise ValidationError({"url": problem})
    unknown = [name for name in subscription.events if name not in events or name == TEST_EVENT]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(names)s") % {"names": ", ".join(unknown)}})
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def subscription_enable(*, subscription: Subscription) -> bool:
    """Turn a subscription back on; what it was owed when it was turned off is sent from where it stopped."""
    moved = Subscription.objects.filter(pk=subscription.pk, active=False).update(
        active=True, consecutive_failures=0, failing_since=None, disabled_at=None, disabled_reason=""
    )
    subscription.refresh_from_db()
    if moved:
        kick_after_commit()
    return bool(moved)


@transaction.atomic
def subscription_send_test(*, subscription: Subscription) -> Delivery:
    """A test event for this receiver alone, in its own line, sent as any other delivery would be."""
    deliveries_append(
        subscriptions=[subscription],
        event=TEST_EVENT,
        key=f"test:{subscription.pk}",
        payload={"message": "This is a test event.", "subscription": subscription.name},
    )
    return Delivery.objects.filter(subscription=subscription, event=TEST_EVENT).latest("pk")


@transaction.atomic
def delivery_replay(*, delivery: Delivery) -> Delivery | None:
    """Send a delivered or given-up event again, as a new delivery at the end of its object's line (a new id, so
    that the receiver does not drop it as one it already has); None for one still open."""
    if delivery.status not in (DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
        return None
    deliveries_append(
        subscriptions=[delivery.subscription], event=delivery.event, key=delivery.key, payload=delivery.payload
    )
    replay = Delivery.objects.filter(subscription=delivery.subscription_id, key=delivery.key).latest("sequence")
    Delivery.objects.filter(pk=replay.pk).update(replay_of=delivery)
    replay.replay_of = delivery
    return replay


def subscription_disable(*, subscription: Subscription, reason: str, now: dt.datetime | None = None) -> None:
    """Turn off a receiver that keeps failing and tell its owner (after commit); its deliveries wait for it."""
    now = now or timezone.now()
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason[:255]
    Subscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_at=now, disabled_reason=subscription.disabled_reason
    )
    pk = subscription.pk
    transaction.on_commit(lambda: _tell_owner(pk), robust=True)


def _tell_owner(pk: int) -> None:
    subscription = Subscription.objects.select_related("owner").get(pk=pk)
    owner = subscription.owner
    if owner is None or not owner.email:
        logger.warning("Webhook subscription %s was turned off and has no owner to tell", pk)
        return
    # Staff accounts keep no language of their own: the site's.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Webhook “%(name)s” was turned off") % {"name": subscription.name}
        body = _(
            "The webhook subscription “%(name)s” failed %(count)s times in a row and was turned off.\n"
            "Address: %(url)s\nLast error: %(reason)s\n\n"
            "The events it was owed are kept. Once the receiver works again, turn the subscription back on; "
            "they are then sent in order:\n%(admin)s"
        ) % {
            "name": subscription.name,
            "count": localize_digits(str(subscription.consecutive_failures), settings.LANGUAGE_CODE),
            "url": subscription.url,
            "reason": subscription.disabled_reason or "—",
            "admin": settings.SITE_URL.rstrip("/") + reverse("admin:hooks_subscription_change", args=[pk]),
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email], fail_silently=False)
