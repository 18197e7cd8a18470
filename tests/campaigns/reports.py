"""The delivery reports of ``tests/campaigns/mail/``, filled in for one of our messages."""

from pathlib import Path
from string import Template

from campaigns.verp import message_id, return_path

MAIL = Path(__file__).parent / "mail"
SENDER = "news@shop.example"


def report(name, *, kind="c", row_id=None, recipient, path=None, mid=None):
    """The raw report ``name`` about message (``kind``, ``row_id``) sent to ``recipient``; ``path`` and ``mid``
    replace our signed return path and Message-ID (a forged report, or one about another sender's mail)."""
    values = {
        "return_path": path or return_path(kind=kind, row_id=row_id, sender=SENDER),
        "recipient": recipient,
        "message_id": mid or message_id(kind=kind, row_id=row_id or 0, domain="shop.example"),
    }
    return Template((MAIL / name).read_text()).substitute(values).encode()
