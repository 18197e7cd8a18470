"""Sending domains and their DKIM keys: create, rotate without a gap, activate once published, retire.

A key's life (``DkimKey.TRANSITIONS``): **pending** when made (its public half is shown as a DNS record to
publish), **active** once the record is found in DNS (it signs every message from the domain; the key it
replaces becomes **retiring**), **retiring** for ``DKIM_KEY_RETIRE_DAYS`` (still published, so mail signed with
it that is still queued or in transit verifies), then **retired** by the daily job: no longer published, its
private half wiped. At most one key of a domain is active (the database allows no second), so rotation is:
``dkim_key_rotate`` → publish → ``dkim_key_activate``.
"""

import base64
import datetime as dt
import logging
import string
from typing import TYPE_CHECKING

import dns.exception
import dns.nameserver
import dns.resolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import DkimKey, DkimKeyStatus, SendingDomain, ascii_domain
from campaigns.services.sending.dkim import Signer, dkim_keyring, signer_cache_clear
from emarketing.encryption import UnreadableSecret
from emarketing.workflow import change_status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)

KEY_BITS = 2048
DNS_TIMEOUT_SECONDS = 5.0


def _key_pair() -> tuple[str, str]:
    """A new RSA key: (private key as PKCS#1 PEM, public key as base64 DER SubjectPublicKeyInfo, the p= value)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(public).decode("ascii")


def _new_selector(domain: SendingDomain, now: dt.datetime) -> str:
    """``em`` + year and month + a letter (``em202612a``): tells at a glance how old a published key is, and
    never repeats a selector the domain ever had (a receiver may still cache an old one)."""
    prefix = f"em{now:%Y%m}"
    taken = set(domain.dkim_keys.filter(selector__startswith=prefix).values_list("selector", flat=True))
    for letter in string.ascii_lowercase:
        if prefix + letter not in taken:
            return prefix + letter
    for number in range(len(taken) + 1):  # 27 keys in one month: only a script would make them
        if f"{prefix}z{number}" not in taken:
            return f"{prefix}z{number}"
    raise AssertionError("unreachable")  # pragma: no cover


def _create_key(domain: SendingDomain) -> DkimKey:
    now = timezone.now()
    private, public = _key_pair()
    key = DkimKey(
        domain=domain,
        selector=_new_selector(domain, now),
        public_key=public,
        private_key_encrypted=dkim_keyring().encrypt(private),
        created_at=now,
    )
    key.full_clean()
    key.save()
    return key


@transaction.atomic
def sending_domain_create(*, domain: str) -> SendingDomain:
    """A new sending domain (stored in IDNA form) with its first key, pending until its DNS record is published."""
    sending_domain = SendingDomain(domain=ascii_domain(domain))
    sending_domain.full_clean()
    sending_domain.save()
    _create_key(sending_domain)
    return sending_domain


@transaction.atomic
def dkim_key_rotate(*, domain: SendingDomain) -> DkimKey:
    """A new pending key with a new selector, to publish beside the active one. A domain that already has a
    pending key gets that one back: rotating twice before publishing makes one key to publish, not two."""
    SendingDomain.objects.select_for_update().get(pk=domain.pk)
    pending = domain.dkim_keys.filter(status=DkimKeyStatus.PENDING).order_by("-created_at").first()
    return pending or _create_key(domain)


@transaction.atomic
def dkim_key_activate(
    *, key: DkimKey, by: "AbstractBaseUser | AnonymousUser | None" = None, require_published: bool = True
) -> bool:
    """Make a pending key the one that signs; the key it replaces keeps being published (retiring) for
    ``DKIM_KEY_RETIRE_DAYS``, so there is no moment when mail is signed with a key receivers cannot find.

    Refuses (``ValidationError``) while the key's record is not found in DNS: a key that signs before receivers
    can see it makes every message fail DKIM. ``require_published=False`` is for keys whose record is known to be
    there by other means (the demo company, a migration from another sender). Returns False when the key was
    already active.
    """
    SendingDomain.objects.select_for_update().get(pk=key.domain_id)
    key.refresh_from_db()
    if key.status == DkimKeyStatus.ACTIVE:
        return False
    if key.status != DkimKeyStatus.PENDING:
        raise ValidationError(
            _("Only a pending key can be activated; this one is %(status)s.") % {"status": key.get_status_display()}
        )
    if require_published and not dkim_key_check_published(key=key):
        raise ValidationError(
            _(
                "The DNS record %(name)s does not show this key yet. Publish the TXT record shown on the domain's "
                "page, wait for it to appear (check DNS), then activate."
            )
            % {"name": f"{key.selector}._domainkey.{key.domain.domain}"}
        )
    now = timezone.now()
    retire_after = now + dt.timedelta(days=settings.DKIM_KEY_RETIRE_DAYS)
    for previous in DkimKey.objects.filter(domain_id=key.domain_id, status=DkimKeyStatus.ACTIVE):
        change_status(
            previous,
            DkimKeyStatus.RETIRING,
            by=by,
            note=f"replaced by {key.selector}",
            extra_updates={"retire_after": retire_after},
            at=now,
        )
    change_status(key, DkimKeyStatus.ACTIVE, by=by, extra_updates={"activated_at": now}, at=now)
    transaction.on_commit(signer_cache_clear)
    return True


def dkim_keys_retire(*, now: dt.datetime | None = None) -> int:
    """Retire the retiring keys whose date has passed: no longer published, private key wiped. Returns how many.

    Idempotent: a second run the same day finds nothing to do.
    """
    now = now or timezone.now()
    retired = 0
    due = DkimKey.objects.filter(status=DkimKeyStatus.RETIRING, retire_after__lte=now).order_by("pk")
    for key in due:
        moved = change_status(
            key,
            DkimKeyStatus.RETIRED,
            note="retire_after passed",
            extra_updates={"retired_at": now, "private_key_encrypted": ""},
            at=now,
        )
        retired += int(moved)
    return retired


def _resolver() -> dns.resolver.Resolver:
    """The resolver of ``DNS_RESOLVERS`` (comma-separated ``ip[:port]``, ``[v6]:port`` for IPv6), else the
    system's own."""
    configured = [item.strip() for item in str(settings.DNS_RESOLVERS or "").split(",") if item.strip()]
    if not configured:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        nameservers: list[dns.nameserver.Nameserver | str] = []
        for item in configured:
            host, port = item, 53
            if item.startswith("["):
                host, _sep, rest = item[1:].partition("]")
                port = int(rest.lstrip(":") or 53)
            elif item.count(":") == 1:
                host, _sep, number = item.partition(":")
                port = int(number)
            nameservers.append(dns.nameserver.Do53Nameserver(host, port))
        resolver.nameservers = nameservers
    resolver.lifetime = DNS_TIMEOUT_SECONDS
    return resolver


def published_dkim_keys(name: str) -> list[str]:
    """The ``p=`` values of the DKIM TXT records at ``name`` (empty when there are none or DNS does not answer)."""
    try:
        answer = _resolver().resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.exception.DNSException, OSError) as error:
        logger.info("DKIM record %s not found: %s", name, error)
        return []
    found = []
    for record in answer.rrset or ():
        text = b"".join(record.strings).decode("ascii", "replace")
        tags = dict(part.strip().partition("=")[::2] for part in text.split(";") if "=" in part)
        if tags.get("v", "DKIM1").strip() == "DKIM1" and "p" in tags:
            found.append("".join(tags["p"].split()))
    return found


def dkim_key_check_published(*, key: DkimKey) -> bool:
    """Whether ``<selector>._domainkey.<domain>`` publishes exactly this key's public half."""
    return key.public_key in published_dkim_keys(f"{key.selector}._domainkey.{key.domain.domain}.")


def dkim_key_problem(*, key: DkimKey) -> str:
    """Why this key's private half cannot sign ("" when it can): the setting's keys do not decrypt it, or what
    they decrypt is not an RSA key. Shown on the domain's page, as the sending side logs it."""
    if not key.private_key_encrypted:
        return _("The private key was wiped when the key was retired.")
    try:
        Signer.from_pem(
            domain=key.domain.domain, selector=key.selector, pem=dkim_keyring().decrypt(key.private_key_encrypted)
        )
    except (UnreadableSecret, ValueError) as error:
        return str(error)
    return ""
