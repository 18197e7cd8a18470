"""Every write of the API's own tables: keys made and revoked, their use noted, old idempotency keys dropped."""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emarketing.api.models import ApiKey, IdempotencyKey
from emarketing.api.scopes import resources

TOKEN_PREFIX = "emk"  # noqa: S105 (the visible start of every token, not a secret)
# The last time a key was used is written at most this often: not one write per request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The key's prefix in a token ``emk_<prefix>_<secret>``, or None when the token has another shape."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def _scopes_check(scopes: Iterable[str]) -> list[str]:
    known = {value for value, _label in resources.scope_choices()}
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValidationError({"scopes": _("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)}})
    return wanted


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scopes: Iterable[str],
    owner: User | None = None,
    agent_id: int | None = None,
    rate_limit: int = 600,
) -> tuple[ApiKey, str]:
    """A new key and its token, ``emk_<prefix>_<secret>``: the token is returned here once and never stored."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        name=name,
        owner=owner,
        prefix=prefix,
        hashed=token_hash(token),
        scopes=_scopes_check(scopes),
        agent_id=agent_id,
        rate_limit=rate_limit,
    )
    key.full_clean()
    key.save()
    return key, token


@transaction.atomic
def api_key_update(*, key: ApiKey, name: str, scopes: Iterable[str], rate_limit: int) -> ApiKey:
    key.name, key.scopes, key.rate_limit = name, _scopes_check(scopes), rate_limit
    key.full_clean()
    key.save(update_fields=["name", "scopes", "rate_limit"])
    return key


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> bool:
    """Revoke a key for good: every later request made with it is refused. False when it was already revoked."""
    return bool(ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def api_key_for_token(token: str) -> ApiKey | None:
    """The active key a token belongs to, or None; the noted time of last use is kept roughly current."""
    prefix = token_prefix(token)
    if prefix is None:
        return None
    key = ApiKey.objects.select_related("owner").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.hashed, token_hash(token)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def idempotency_keys_delete_old(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Forget the idempotency keys older than ``older_than``; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
