"""Every write of the outgoing webhooks: the outbox, sending, and what staff do in the admin."""

from .outbox import TEST_EVENT, deliveries_record
from .sending import SendResult, signature_header, webhooks_send_due
from .subscriptions import delivery_replay, subscription_enable, subscription_save, subscription_send_test

__all__ = [
    "TEST_EVENT",
    "SendResult",
    "deliveries_record",
    "delivery_replay",
    "signature_header",
    "subscription_enable",
    "subscription_save",
    "subscription_send_test",
    "webhooks_send_due",
]
