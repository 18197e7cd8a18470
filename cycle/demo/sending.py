"""The demo company's sending identity: its domain with an active DKIM key, and a default sender in three
languages. Idempotent: run again, it adds nothing."""

from django.conf import settings
from django.db import transaction

from campaigns.models import DkimKeyStatus, Sender, SendingDomain, ascii_domain
from campaigns.services.domains import dkim_key_activate, sending_domain_create

DISPLAY_NAMES = {"en": "Demo Shop", "fa": "فروشگاه دمو", "ar": "متجر العرض"}


@transaction.atomic
def demo_sending_identity() -> Sender:
    """The domain of CAMPAIGNS_FROM_EMAIL (else DEFAULT_FROM_EMAIL) signs with an active key, and a default
    Sender sends from that address. The key is activated without the DNS check: nobody publishes the demo's
    records."""
    address = str(settings.CAMPAIGNS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL)
    domain_name = ascii_domain(address.rpartition("@")[2].rstrip(">"))
    domain = SendingDomain.objects.filter(domain=domain_name).first() or sending_domain_create(domain=domain_name)
    if not domain.dkim_keys.filter(status=DkimKeyStatus.ACTIVE).exists():
        pending = domain.dkim_keys.filter(status=DkimKeyStatus.PENDING).order_by("-created_at").first()
        if pending is not None:
            dkim_key_activate(key=pending, require_published=False)
    sender = Sender.objects.filter(is_default=True).first()
    if sender is None:
        bare = address.rpartition("<")[2].rstrip(">").strip()
        sender = Sender(
            name="Demo shop",
            from_email=bare,
            is_default=True,
            **{f"display_name_{language}": name for language, name in DISPLAY_NAMES.items()},
        )
        sender.full_clean()
        sender.save()
    return sender
