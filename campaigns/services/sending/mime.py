"""MIME layer: the message a customer receives, built by the standard library's ``email`` package.

On the SMTP path every message is an :class:`email.message.EmailMessage` under ``email.policy.SMTP`` (CRLF line
endings, headers folded at 78 characters, non-ASCII header text as RFC 2047 encoded words), or under
``email.policy.SMTPUTF8`` for a message that travels with SMTPUTF8 (RFC 6532: UTF-8 headers), flattened by
:class:`email.generator.BytesGenerator`. Plain text always, HTML beside it as ``multipart/alternative``; each part
UTF-8 in base64. With any other e-mail backend (the console in development, the in-memory outbox in tests) the
same rendered message goes out as Django's ``EmailMultiAlternatives``, itself built on the same package.

Folding a header is the costly part of the package (its header parser), and most headers are the same for every
recipient of a campaign (the sender, usually the subject), so a header's folded form is kept in a small cache
keyed by its name and value: the bytes are those the policy writes, made once.
"""

import base64
import datetime as dt
import email.policy
import io
import uuid
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from email_validator import EmailNotValidError, validate_email

from .render import Rendered
from .render import from_address as from_address  # re-exported: where the sender is read

# Headers are folded once by the policy's own folder (below) and written as folded; ``refold_source="none"`` keeps
# the generator from folding them a second time.
SMTP_POLICY: "EmailPolicy[EmailMessage]" = email.policy.SMTP.clone(refold_source="none")
SMTPUTF8_POLICY: "EmailPolicy[EmailMessage]" = email.policy.SMTPUTF8.clone(refold_source="none")
# Headers written as they are when short and ASCII: a bare address, a message id, a date need no folding.
PLAIN_HEADERS = frozenset({"To", "Message-ID", "Date"})
# RFC 5322 specials: a display name with one of them is written as a quoted string.
_SPECIALS = frozenset('()<>[]:;@\\,."')
ADDRESS_HEADERS = frozenset({"from", "to", "reply-to", "cc", "sender"})
# Headers that are lists of <URI>s or tokens (RFC 2369, 8058): folded between items, never made encoded words.
LIST_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post", "list-id", "list-help", "feedback-id"})


def bare_address(address: str) -> str:
    """``name@domain`` of an address that may carry a display name (``Shop <shop@example.com>``)."""
    if "<" not in address and '"' not in address and "(" not in address:
        return address.strip()  # already bare: a stored customer address
    _name, bare = parseaddr(address)
    return bare or address.strip()


def _ascii_domain(address: str) -> str | None:
    """The domain of ``address`` in IDNA 2008 (punycode), as ``emarketing.contacts`` checked it; None when the
    library cannot encode it (an address stored before the check)."""
    try:
        info = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=True,
            globally_deliverable=False,
            allow_quoted_local=True,
            allow_domain_literal=True,
        )
    except EmailNotValidError:
        return None
    return str(info.ascii_domain)


def envelope_address(address: str) -> str:
    """An address as it goes on the SMTP envelope (MAIL FROM, RCPT TO): the bare address, a non-ASCII domain
    IDNA-encoded (``a@xn--mgbh0fb.xn--mgba3a4f16a``). A non-ASCII local part stays UTF-8, and so does a domain
    that cannot be encoded (never a guess at another domain): they need the server's SMTPUTF8."""
    bare = bare_address(address)
    local, at, domain = bare.rpartition("@")
    if not at or domain.isascii():
        return bare
    ascii_domain = _ascii_domain(bare)
    return f"{local}@{ascii_domain}" if ascii_domain else bare


def needs_smtputf8(*envelope: str) -> bool:
    """Whether these envelope addresses can travel only with SMTPUTF8 (RFC 6531): anything non-ASCII left."""
    return not all(address.isascii() for address in envelope)


def display_address(name: str, address: str) -> str:
    """``Display name <address>`` with the name left in Unicode (a header folder encodes it once, as the message is
    built) and quoted when it holds an RFC 5322 special."""
    name = " ".join(name.split())  # no line breaks or runs of spaces in a header
    if any(char in _SPECIALS for char in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>" if name else address


@lru_cache(maxsize=256)
def header_address(address: str) -> str:
    """An address as a header shows it: the display name as written (encoded when the message is built: encoding it
    here too would have the package refold encoded words, which loses spaces in long Persian names), the domain in
    IDNA."""
    name, bare = parseaddr(address)
    return display_address(name, envelope_address(bare or address))


@lru_cache(maxsize=64)
def message_id_domain(from_email: str) -> str:
    """The domain a message's Message-ID is made on: the sender's own (IDNA), else the host's name."""
    bare = bare_address(from_email)
    domain = (_ascii_domain(bare) if not bare.isascii() else bare.rpartition("@")[2]) or ""
    return domain or str(DNS_NAME)


def make_message_id(from_email: str, local: str = "") -> str:
    """``<local.random@sender's domain>``: unique, on the domain the message is sent from, never on the host."""
    unique = f"{local}.{uuid.uuid4().hex}" if local else uuid.uuid4().hex
    return f"<{unique}@{message_id_domain(from_email)}>"


@lru_cache(maxsize=4096)
def _folded(policy: "EmailPolicy[EmailMessage]", name: str, value: str) -> str:
    """A header's value as ``policy`` writes it (folded, encoded where it must be), without the name: parsed and
    folded by the ``email`` package once per distinct value. A list header (``List-Unsubscribe``) is folded
    between its items: its URIs are never encoded words, and each stays whole (RFC 2369)."""
    value = value.replace("\r", " ").replace("\n", " ")
    if name in PLAIN_HEADERS and value.isascii() and len(name) + len(value) <= 76:
        return value
    if name.lower() in LIST_HEADERS and value.isascii():
        return ",\r\n ".join(item.strip() for item in value.split(",")) if len(name) + len(value) > 76 else value
    if not value.isascii():
        # With SMTPUTF8 the header is UTF-8 as written (RFC 6532), on one line while it fits in 998 octets.
        if policy.utf8 and len(name.encode()) + len(value.encode()) + 2 <= 998:
            return value
        return _encoded_words(name, value)
    folded = str(policy.header_factory(name, value).fold(policy=policy))
    # "Name: value\r\n", possibly "Name:\r\n value\r\n" when the first word is long: the value starts on the first line.
    return folded.partition(":")[2].lstrip(" \r\n").rstrip("\r\n")


def _encoded_words(name: str, value: str) -> str:
    """Non-ASCII text for a 7-bit header as RFC 2047 encoded words, folded with CRLF, by ``email.header.Header``.

    Not by the policy's own folder: on Python 3.11 it drops the space between two words that fall on either side
    of an encoded-word boundary (a Persian subject read back as "تاسی" for "تا سی", about one subject in five);
    ``Header`` keeps each space inside a word. In an address header only the display name is encoded; the address
    stays as it is (its domain already in IDNA)."""
    if name.lower() in ADDRESS_HEADERS:
        display, address = parseaddr(value)
        if display and address:
            encoded = Header(display, "utf-8", header_name=name).encode(linesep="\r\n")
            return (
                f"{encoded}\r\n <{address}>"
                if len(encoded.rpartition("\n")[2]) + len(address) > 72
                else f"{encoded} <{address}>"
            )
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


@lru_cache(maxsize=8)
def _part_headers(policy: "EmailPolicy[EmailMessage]", subtype: str) -> tuple[tuple[str, Any], ...]:
    """The headers of a UTF-8 text part in base64, parsed once: the same for every message."""
    part = EmailMessage(policy=policy)
    part.set_content("", subtype=subtype, charset="utf-8", cte="base64")
    items = part.raw_items()
    return tuple((name, _folded_once(policy, name, value)) for name, value in items if name != "MIME-Version")


@lru_cache(maxsize=4)
def _multipart_header(policy: "EmailPolicy[EmailMessage]") -> Any:
    """``multipart/alternative`` with a boundary made once per process: the parts are base64, whose alphabet has
    no ``_``, so no line of theirs can ever be the boundary line."""
    return _folded_once(policy, "Content-Type", f'multipart/alternative; boundary="=_{uuid.uuid4().hex}"')


def _folded_once(policy: "EmailPolicy[EmailMessage]", name: str, value: str) -> Any:
    """A header the same in every message (a part's Content-Type): parsed once, so the generator reads its type and
    boundary without parsing it again, and folded once, so it writes the same folded text each time."""
    header = policy.header_factory(name, value)
    folded = header.fold(policy=policy)

    class FoldedOnce(type(header)):  # type: ignore[misc]
        def fold(self, *, policy: Any) -> str:
            return str(folded)

    return FoldedOnce(name, value)


def _text_part(content: str, subtype: str, policy: "EmailPolicy[EmailMessage]") -> EmailMessage:
    part = EmailMessage(policy=policy)
    for name, header in _part_headers(policy, subtype):
        part.set_raw(name, header)
    part.set_payload(base64.encodebytes(content.encode("utf-8")).decode("ascii"))
    return part


def build_message(rendered: Rendered, *, from_email: str, to: str, message_id: str, utf8: bool = False) -> EmailMessage:
    """The message for one recipient. ``from_email`` may carry a display name; ``to`` is the address as the
    envelope has it (a non-ASCII local part only when ``utf8``, the message then travelling with SMTPUTF8)."""
    policy = SMTPUTF8_POLICY if utf8 else SMTP_POLICY
    message = EmailMessage(policy=policy)
    headers = [
        ("From", from_email),
        ("To", to),
        ("Subject", rendered.subject),
        ("Date", format_datetime(dt.datetime.now(dt.UTC))),
        ("Message-ID", message_id),
        *rendered.headers.items(),
    ]
    for name, value in headers:
        message.set_raw(name, _folded(policy, name, value))
    message.set_raw("MIME-Version", "1.0")
    if rendered.html:
        message.set_raw("Content-Type", _multipart_header(policy))
        message.set_payload([_text_part(rendered.text, "plain", policy), _text_part(rendered.html, "html", policy)])
    else:
        plain = _text_part(rendered.text, "plain", policy)
        for name, header in plain.raw_items():
            message.set_raw(name, header)
        message.set_payload(plain.get_payload())
    return message


def flatten(message: EmailMessage) -> bytes:
    """The message's bytes as they go on the wire (its policy's CRLF line endings)."""
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=message.policy).flatten(message)
    return out.getvalue()


def message_bytes(
    rendered: Rendered, *, from_email: str, to: str, message_id: str | None = None, utf8: bool = False
) -> bytes:
    """:func:`build_message` flattened to bytes (CRLF everywhere, no line over 998 characters)."""
    message_id = message_id or make_message_id(from_email)
    return flatten(build_message(rendered, from_email=from_email, to=to, message_id=message_id, utf8=utf8))


def build_email(
    rendered: Rendered, *, to: str, connection: Any = None, from_email: str | None = None
) -> EmailMultiAlternatives:
    """The same message as Django's ``EmailMultiAlternatives``, for backends that take no bytes (console,
    in-memory outbox, files)."""
    sender = rendered.from_email or from_email or from_address()
    email_message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=sender,
        to=[to],
        headers={"Message-ID": make_message_id(sender), **rendered.headers},
        connection=connection,
    )
    if rendered.html:
        email_message.attach_alternative(rendered.html, "text/html")
    return email_message
