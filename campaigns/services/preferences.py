"""The preference centre: topics and channels a customer chooses, consent kept through ``consent_set``."""

from django.db import transaction

from campaigns.models import TopicInterest
from customers.models import Consent, ConsentChannel, ConsentSource, Customer
from customers.services import consent_set


@transaction.atomic
def preferences_update(
    *, customer: Customer, channels: set[str], topic_ids: set[int], withdraw_all: bool = False
) -> list[str]:
    """Set every channel's consent and the chosen topics; return the channels whose consent changed.

    Every change is appended to the consent history by ``consent_set``; unchanged channels record nothing.
    """
    changed = []
    current = dict(Consent.objects.filter(customer=customer).values_list("channel", "granted"))
    for channel in ConsentChannel.values:
        granted = channel in channels and not withdraw_all
        if channel not in current and not granted:
            continue  # never asked, still not wanted: nothing to record
        if consent_set(customer=customer, channel=channel, granted=granted, source=ConsentSource.PREFERENCE_CENTRE):
            changed.append(channel)
    wanted = set() if withdraw_all else set(topic_ids)
    TopicInterest.objects.filter(customer=customer).exclude(topic_id__in=wanted).delete()
    TopicInterest.objects.bulk_create(
        [TopicInterest(customer=customer, topic_id=t) for t in wanted], ignore_conflicts=True
    )
    return changed


@transaction.atomic
def unsubscribe(*, customer: Customer) -> bool:
    """Withdraw e-mail consent (the unsubscribe link and one-click ``List-Unsubscribe-Post``)."""
    return consent_set(
        customer=customer, channel=ConsentChannel.EMAIL, granted=False, source=ConsentSource.UNSUBSCRIBE_LINK
    )
