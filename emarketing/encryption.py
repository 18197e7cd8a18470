"""Secrets stored encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256), under keys that can be rotated.

A setting lists Fernet keys, comma-separated: the first encrypts, every one decrypts, so a new key is put first
and the old one kept after it until every stored value has been encrypted again (:meth:`Keyring.rotate`). When
the setting is empty, one key is derived from ``SECRET_KEY`` for that purpose: fine for development, but then a
new ``SECRET_KEY`` makes every stored secret unreadable, so production sets its own keys.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac


class UnreadableSecret(Exception):
    """A stored secret that none of the configured keys decrypts (a key removed, or the wrong one set)."""


class Keyring:
    """The Fernet keys named by one setting (``setting``), or one derived from SECRET_KEY for ``purpose``."""

    def __init__(self, *, setting: str, purpose: str) -> None:
        self.setting = setting
        configured = [key.strip() for key in str(getattr(settings, setting, "") or "").split(",") if key.strip()]
        try:
            fernets = [Fernet(key) for key in configured]
        except ValueError as error:
            raise UnreadableSecret(
                f"{setting} holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from error
        if not fernets:
            derived = salted_hmac(f"emarketing.encryption.{purpose}", "key", algorithm="sha256").digest()
            fernets = [Fernet(base64.urlsafe_b64encode(derived))]
        self._fernet = MultiFernet(fernets)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise UnreadableSecret(
                f"A stored secret cannot be decrypted with the keys in {self.setting}: it was encrypted with "
                f"another key (or with SECRET_KEY while {self.setting} was empty). Put that key back in "
                f"{self.setting}, after the current first one."
            ) from error

    def rotate(self, token: str) -> str:
        """``token`` encrypted again with the first key (raises :class:`UnreadableSecret` as ``decrypt`` does)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            self.decrypt(token)  # raises the explained error
            raise
