"""Deployment checks of the communication stage (``manage.py check --deploy``)."""

from typing import Any

from django.conf import settings
from django.core import checks

from emarketing.encryption import Keyring, UnreadableSecret


@checks.register(checks.Tags.security, deploy=True)
def dkim_key_encryption(**kwargs: Any) -> list[checks.CheckMessage]:
    """DKIM private keys are encrypted with DKIM_KEY_ENCRYPTION_KEYS; left empty, with a key derived from
    SECRET_KEY, and a new SECRET_KEY would then leave every domain's mail unsigned."""
    if not str(settings.DKIM_KEY_ENCRYPTION_KEYS or "").strip():
        return [
            checks.Warning(
                "DKIM_KEY_ENCRYPTION_KEYS is empty: DKIM private keys are encrypted with a key derived from "
                "SECRET_KEY, so changing SECRET_KEY would make them unreadable.",
                hint='Set it to a Fernet key: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="campaigns.W001",
            )
        ]
    try:
        Keyring(setting="DKIM_KEY_ENCRYPTION_KEYS", purpose="dkim")
    except UnreadableSecret as error:
        return [checks.Error(str(error), id="campaigns.E001")]
    return []
