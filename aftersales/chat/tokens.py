"""The widget's signed token: who the visitor is (an anonymous id, or a known customer from a signed link) and which
conversation is theirs. Nobody can forge or alter one; a browser keeps it to take up its conversation again."""

import re
import secrets
from dataclasses import dataclass

from django.core import signing

SALT = "aftersales.chat"
MAX_AGE_DAYS = 30
_VALUE = re.compile(r"^([A-Za-z0-9_-]{16,64})\.(\d{1,18})\.(\d{1,18})$")


@dataclass(frozen=True)
class Visitor:
    visitor_id: str
    conversation_id: int | None = None
    customer_id: int | None = None


def new_visitor(*, customer_id: int | None = None) -> Visitor:
    return Visitor(visitor_id=secrets.token_urlsafe(16), customer_id=customer_id)


def visitor_token(visitor: Visitor) -> str:
    value = f"{visitor.visitor_id}.{visitor.conversation_id or 0}.{visitor.customer_id or 0}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def read_visitor_token(token: str) -> Visitor | None:
    """The visitor a genuine, unexpired token names; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE_DAYS * 86400)
    except signing.BadSignature:
        return None
    match = _VALUE.match(value)
    if not match:
        return None
    return Visitor(match.group(1), int(match.group(2)) or None, int(match.group(3)) or None)
