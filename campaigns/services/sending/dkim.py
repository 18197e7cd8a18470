"""DKIM signatures (RFC 6376) on outgoing mail: rsa-sha256, relaxed/relaxed, made with OpenSSL.

dkimpy's own ``dkim.sign`` makes the RSA signature in pure Python (about 16 ms a message); here the message is
canonicalised and hashed with dkimpy's public pieces (``rfc822_parse``, ``CanonicalizationPolicy``,
``hash_headers``, ``fold``), exactly as its signer and verifier do, and only the RSA PKCS#1 v1.5 signature of the
hash is made by ``cryptography`` with a key loaded once per :class:`Signer`: well under a millisecond more than
building the message.

Signed: From twice (over-signing: a second From added on the way breaks the signature) and, when present, the
headers a receiver shows or acts on, the two List-Unsubscribe headers among them (Gmail's one-click
unsubscribe needs both signed).
"""

import base64
import hashlib
import logging
import time
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import lru_cache

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.conf import settings
from django.core.exceptions import ValidationError
from dkim.canonicalization import CanonicalizationPolicy, correct_empty_body, strip_trailing_lines

from campaigns.models import DkimKey, DkimKeyStatus, ascii_domain
from emarketing.encryption import Keyring, UnreadableSecret

logger = logging.getLogger(__name__)

HEADER_NAME = b"DKIM-Signature"
SIGNED_HEADERS = frozenset(
    {
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"content-type",
        b"reply-to",
        b"content-language",
        b"list-unsubscribe",
        b"list-unsubscribe-post",
        b"feedback-id",
    }
)
_RELAXED = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
_PADDING = padding.PKCS1v15()
_PREHASHED = Prehashed(hashes.SHA256())


def relaxed_body(body: bytes) -> bytes:
    """dkimpy's relaxed body canonicalisation, without its two whitespace passes when they cannot change
    anything (no tab, no two spaces in a row, no space before a line end): the common case of the base64 parts
    our messages are made of, where those passes were most of the time spent signing."""
    if b"\t" in body or b"  " in body or b" \r\n" in body:
        return bytes(_RELAXED.canonicalize_body(body))
    return bytes(correct_empty_body(strip_trailing_lines(body)))


def dkim_keyring() -> Keyring:
    """The keys that encrypt DKIM private keys at rest (``DKIM_KEY_ENCRYPTION_KEYS``)."""
    return Keyring(setting="DKIM_KEY_ENCRYPTION_KEYS", purpose="dkim")


@dataclass(frozen=True)
class Signer:
    """Signs messages for ``domain`` (ASCII) with the key published at ``<selector>._domainkey.<domain>``."""

    domain: str
    selector: str
    private_key: rsa.RSAPrivateKey = field(repr=False, compare=False)

    @classmethod
    def from_pem(cls, *, domain: str, selector: str, pem: str) -> "Signer":
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("A DKIM key for rsa-sha256 must be an RSA key.")
        return cls(domain=domain, selector=selector, private_key=key)

    def sign(self, message: bytes) -> bytes:
        """The ``DKIM-Signature`` header for ``message`` (headers and body, CRLF line endings, as sent): folded
        with CRLF, ending in CRLF, to put first in the message."""
        end = message.find(b"\r\n\r\n")
        if end == -1:
            headers, body = dkim.rfc822_parse(message)
        else:
            headers, _nothing = dkim.rfc822_parse(message[: end + 4])
            body = message[end + 4 :]
        signed = [(name, value) for name, value in headers if name.lower() in SIGNED_HEADERS]
        include = [name.lower() for name, _value in signed]
        if b"from" not in include:
            raise ValueError("A message without a From header cannot be signed.")
        include.append(b"from")
        body_hash = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest())
        fields = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", b"relaxed/relaxed"),
            (b"d", self.domain.encode("ascii")),
            (b"s", self.selector.encode("ascii")),
            (b"t", str(int(time.time())).encode("ascii")),
            (b"h", b" : ".join(include)),
            (b"bh", body_hash),
            # A placeholder that folds b= onto a line of its own, as dkimpy's signer does, so that the header
            # hashed (b= empty) and the header sent fold the other tags alike.
            (b"b", b"0" * 60),
        ]
        unsigned = dkim.fold(b"; ".join(b"=".join(tag) for tag in fields), namelen=len(HEADER_NAME))
        unsigned = dkim.RE_BTAG.sub(b"\\1", unsigned)
        hasher = hashlib.sha256()
        dkim.hash_headers(
            hasher, _RELAXED, _RELAXED.canonicalize_headers(signed), include, (HEADER_NAME, b" " + unsigned), None
        )
        signature = self.private_key.sign(hasher.digest(), _PADDING, _PREHASHED)
        fields[-1] = (b"b", base64.b64encode(signature))
        value = dkim.fold(b"; ".join(b"=".join(tag) for tag in fields) + b"\r\n", namelen=len(HEADER_NAME))
        return HEADER_NAME + b": " + bytes(value)


# From-domain → (monotonic expiry, its signer or None); key (id, public key) → its loaded Signer, so a key is
# decrypted and parsed once per process, not at every expiry.
_signers: dict[str, tuple[float, Signer | None]] = {}
_loaded: dict[tuple[int, str], Signer] = {}


def signer_cache_clear() -> None:
    """Forget every cached signer (a key was activated in this process; tests)."""
    _signers.clear()
    _loaded.clear()


@lru_cache(maxsize=256)
def _domain_of(from_email: str) -> str | None:
    domain = parseaddr(from_email)[1].rpartition("@")[2].strip().rstrip(".").lower()
    if not domain:
        return None
    if domain.isascii():
        return domain
    try:
        return ascii_domain(domain)
    except ValidationError:
        return None


def _load(domain: str) -> Signer | None:
    """The active key of ``domain`` or of the nearest parent domain that has one (DMARC's relaxed alignment
    accepts ``d=example.com`` for mail from ``news.example.com``)."""
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    rows = DkimKey.objects.filter(status=DkimKeyStatus.ACTIVE, domain__domain__in=candidates).values_list(
        "pk", "domain__domain", "selector", "public_key", "private_key_encrypted"
    )
    best = max(rows, key=lambda row: len(row[1]), default=None)
    if best is None:
        return None
    pk, key_domain, selector, public_key, encrypted = best
    signer = _loaded.get((pk, public_key))
    if signer is None:
        try:
            pem = dkim_keyring().decrypt(encrypted)
            signer = Signer.from_pem(domain=key_domain, selector=selector, pem=pem)
        except (UnreadableSecret, ValueError) as error:
            # Sending goes on, unsigned, rather than stopping half-way through a campaign; the domain's admin page
            # shows the same error.
            logger.error(
                "DKIM key %s._domainkey.%s cannot be used, mail goes unsigned: %s", selector, key_domain, error
            )
            return None
        _loaded[(pk, public_key)] = signer
    return signer


def signer_for(from_email: str) -> Signer | None:
    """The signer for mail from ``from_email`` (an address, with or without a display name): the active key of
    its domain, else None. Looked up at most once per ``DKIM_SIGNER_CACHE_SECONDS`` per domain and process."""
    domain = _domain_of(from_email)
    if domain is None:
        return None
    now = time.monotonic()
    cached = _signers.get(domain)
    if cached is not None and cached[0] > now:
        return cached[1]
    signer = _load(domain)
    _signers[domain] = (now + settings.DKIM_SIGNER_CACHE_SECONDS, signer)
    return signer
