"""VERP: a return path (and a Message-ID) per message, so that a bounce names the message it is about.

Every message to a customer goes out with its own envelope sender, ``bounces+c123-k3jx7q2mfa@bounces.example.com``:
the base address (``CAMPAIGNS_RETURN_PATH``, else ``bounces@`` the sender's domain) with a tag after ``+``, the
kind of message (its one-letter ``code``: "c" a campaign message, "s" a survey invitation…), the row id, and a
short signature (HMAC-SHA256 with the secret key, 50 bits in base32). A bounce comes back to that address, and
:func:`return_path_read` tells which row it is about; a tag that does not carry our signature is not ours, so
nobody can have an address suppressed by writing a bounce by hand.

The local part stays within RFC 5321's atoms (letters, digits, ``+`` and ``-``) and short: ``bounces+`` and at
most 1 + 19 + 1 + 10 characters. The signature is lower-case base32, compared without regard to case (some
servers fold a local part).
"""

import base64
import hmac
import re
import uuid
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "campaigns.verp"
SIGNATURE_LENGTH = 10
_TAG = re.compile(rf"(?P<kind>[a-z])(?P<row>[0-9]{{1,19}})-(?P<sig>[a-z2-7]{{{SIGNATURE_LENGTH}}})", re.IGNORECASE)
_LOCAL_TAG = re.compile(r"^[^+@]+\+(?P<tag>[^+@]+)$")
_MESSAGE_ID = re.compile(r"^<?(?P<tag>[^.@<>]+)\.[0-9a-f]{8,32}@[^<>]+>?$", re.IGNORECASE)


def _signature(kind: str, row_id: int, secret: str | None = None) -> str:
    digest = salted_hmac(SALT, f"{kind.lower()}{row_id}", secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii")[:SIGNATURE_LENGTH].lower()


def tag(*, kind: str, row_id: int) -> str:
    """The signed name of one message: ``c123-k3jx7q2mfa``."""
    if len(kind) != 1 or not kind.isalpha() or row_id < 0:
        raise ValueError("A kind is one letter and a row id a positive number.")
    return f"{kind.lower()}{row_id}-{_signature(kind, row_id)}"


def tag_read(text: str) -> tuple[str, int] | None:
    """The (kind code, row id) a tag names, or None when it is not a tag we signed (with the current secret key
    or one of ``SECRET_KEY_FALLBACKS``, so mail sent before a key rotation still finds its row)."""
    match = _TAG.fullmatch(text.strip())
    if match is None:
        return None
    kind, row_id, given = match["kind"].lower(), int(match["row"]), match["sig"].lower()
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        if hmac.compare_digest(_signature(kind, row_id, secret), given):
            return kind, row_id
    return None


def base_return_path(sender: str) -> str:
    """The address bounces go to before a tag is added: ``CAMPAIGNS_RETURN_PATH``, else ``bounces@`` the
    domain of ``sender``."""
    return _base_return_path(str(settings.CAMPAIGNS_RETURN_PATH or ""), sender)


@lru_cache(maxsize=64)
def _base_return_path(configured: str, sender: str) -> str:
    # Read once per setting and sender: a campaign asks for every message.
    address = parseaddr(configured)[1]
    if address:
        return address
    domain = parseaddr(sender)[1].rpartition("@")[2] or sender.rpartition("@")[2]
    return f"bounces@{domain.strip().rstrip('>')}"


def return_path(*, kind: str, row_id: int, sender: str) -> str:
    """The envelope sender (MAIL FROM) of one message: ``bounces+c123-k3jx7q2mfa@bounces.example.com``."""
    local, _at, domain = base_return_path(sender).rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{tag(kind=kind, row_id=row_id)}@{domain}"


def return_path_read(address: str) -> tuple[str, int] | None:
    """The (kind code, row id) a return path names, or None when the address is not one of ours or is forged."""
    bare = parseaddr(address)[1] or address.strip().strip("<>")
    local = bare.rpartition("@")[0]
    match = _LOCAL_TAG.match(local)
    return tag_read(match["tag"]) if match else None


def message_id(*, kind: str, row_id: int, domain: str) -> str:
    """A Message-ID that names its message too (``<c123-k3jx7q2mfa.4f1c…@example.com>``): a complaint report
    (ARF) returns the original headers, and a provider's feedback loop may strip the return path."""
    return f"<{tag(kind=kind, row_id=row_id)}.{uuid.uuid4().hex[:16]}@{domain}>"


def message_id_read(value: str) -> tuple[str, int] | None:
    """The (kind code, row id) a Message-ID of ours names, or None."""
    match = _MESSAGE_ID.match(value.strip())
    return tag_read(match["tag"]) if match else None
