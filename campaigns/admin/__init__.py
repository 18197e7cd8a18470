"""Communication in the admin, one module per subject: campaigns with their creatives and topics, delivery and
tracking (messages, touches, links, occasion offers, erasure confirmations), and deliverability (sending domains,
DKIM keys, senders, delivery reports), SMS senders and messages, website events and visitors, and journeys.
Importing the package registers them all."""

from . import campaigns, content, deliverability, journeys, sms, tracking, website

__all__ = ["campaigns", "content", "deliverability", "journeys", "sms", "tracking", "website"]
