"""Communication in the admin, one module per subject: campaigns with their creatives and topics, delivery and
tracking (messages, touches, links, occasion offers, erasure confirmations), and deliverability (sending domains,
DKIM keys, senders, delivery reports), and website events and visitors. Importing the package registers them all."""

from . import campaigns, deliverability, tracking, website

__all__ = ["campaigns", "deliverability", "tracking", "website"]
