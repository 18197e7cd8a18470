"""Where uploaded files live: the storages of settings.STORAGES, shared by every process on every host.

"default" (Django's default_storage) keeps private files, the imports waiting to be applied; "public" keeps what
other sites and e-mails show, the banners. Both are the file system under MEDIA_ROOT, or an S3 bucket when
S3_BUCKET is set (emarketing/settings/base.py). Code opens a stored file with ``storage.open(name)``, never by a
path on this host: an S3 object has none, and another host's disk is not ours.
"""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext


class PublicStorage(LazyObject):  # type: ignore[type-arg]
    """The "public" storage, looked up when first used (and again after a test changes STORAGES)."""

    def _setup(self) -> None:
        self._wrapped = storages["public"]


public_storage = PublicStorage()


def public_media_storage() -> Storage:
    """A model field's ``storage=``: the public storage, named by this function in migrations."""
    return public_storage  # type: ignore[return-value]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        public_storage._wrapped = empty  # type: ignore[assignment]


def media_on_local_disk(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With several hosts (MULTI_HOST), uploads kept on this host's disk are out of the others' reach, unless
    MEDIA_ROOT is a mount they all share."""
    if not getattr(settings, "MULTI_HOST", False):
        return []
    local = [alias for alias in ("default", "public") if isinstance(storages[alias], FileSystemStorage)]
    if not local:
        return []
    return [
        checks.Warning(
            gettext("Uploaded files are kept on this host's disk (%(root)s) while MULTI_HOST is set.")
            % {"root": settings.MEDIA_ROOT},
            hint=gettext(
                "Set S3_BUCKET (and S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) so that every host "
                "reads the same files, or make MEDIA_ROOT a mount that every web host and worker shares."
            ),
            id="emarketing.W001",
        )
    ]


def register_checks() -> None:
    checks.register(media_on_local_disk, checks.Tags.security, deploy=True)
