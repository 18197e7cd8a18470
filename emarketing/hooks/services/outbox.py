"""The outbox: every published event becomes one Delivery row per subscription that wants it, written inside the
publishing transaction.

Why inside: a row written on commit (``transaction.on_commit``) is lost when the process dies between the commit
of the change and its callbacks, and an event lost is an integration silently out of step. Written inside, the
event commits or rolls back with the change itself; only the nudge that wakes the sender runs after commit, and
if that nudge is lost, the sweeper that beat runs every minute finds the row anyway.

``sequence`` numbers the events of one object (``key``) for one subscription in commit order: the next number is
read as the highest committed one plus one, in a savepoint. Two transactions publishing for the same object at once
read the same number; on PostgreSQL the second insert waits for the first transaction and then meets the unique
constraint, and is tried again (reading the number the first one committed). SQLite runs one writer at a time.
"""

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from emarketing.hooks.bus import Event
from emarketing.hooks.models import Delivery, Subscription

# Not in any subscription's list: sent to one subscription when staff ask for it.
TEST_EVENT = "webhook.test"
KICK_KEY = "hooks:send-kick"
_TRIES = 5


def deliveries_append(*, subscriptions: list[Subscription], event: str, key: str, payload: dict[str, object]) -> int:
    """Append an event at the end of ``key``'s line for each subscription; return how many rows were written."""
    if not subscriptions:
        return 0
    for attempt in range(_TRIES):
        try:
            with transaction.atomic():
                last = dict(
                    Delivery.objects.filter(subscription__in=subscriptions, key=key)
                    .values("subscription")
                    .annotate(m=Max("sequence"))
                    .values_list("subscription", "m")
                )
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            subscription=s, event=event, key=key, payload=payload, sequence=(last.get(s.pk) or 0) + 1
                        )
                        for s in subscriptions
                    ]
                )
            break
        except IntegrityError:
            if attempt == _TRIES - 1:
                raise
    kick_after_commit()
    return len(subscriptions)


def deliveries_record(event: Event) -> None:
    """The bus listener: the event for every active subscription that chose it."""
    wanted = [
        s for s in Subscription.objects.filter(active=True).order_by().only("pk", "events") if event.name in s.events
    ]
    deliveries_append(subscriptions=wanted, event=event.name, key=event.key, payload=dict(event.payload))


def _kick() -> None:
    # One nudge at a time: the task clears the key when it starts, so an event committed after that gets its own.
    if cache.add(KICK_KEY, 1, timeout=30):
        from emarketing.hooks.tasks import deliver_webhooks

        deliver_webhooks.delay()


def kick_after_commit() -> None:
    """Wake the sender once the transaction commits (once per transaction, however many events it publishes)."""
    if any(entry[1] is _kick for entry in connection.run_on_commit):  # (savepoint ids, callback, robust)
        return
    transaction.on_commit(_kick, robust=True)
