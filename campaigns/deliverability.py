"""The kinds of customer message a bounce can name, registered by the apps that own them.

A return path or a Message-ID names a message by its kind's one-letter code and its row id (``campaigns.verp``).
Campaigns own two kinds (campaign messages "c", occasion offers "o"); after-sales owns three (survey
invitations "s", ticket acknowledgements "a", late-delivery apologies "l"), which communication may not
import. Each app registers its kinds here in its ``AppConfig.ready()``, as ``django.contrib.admin``'s
``site.register`` works, and a bounce naming ("s", 42) finds its address without communication knowing the
after-sales tables.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class DeliveryKind:
    code: str
    model: type[models.Model]
    address_of: Callable[[Any], str]  # a row of ``model`` → the address its message went to
    campaign_of: Callable[[Any], int | None] | None = None  # a row → the id of its campaign (for the rates)
    related: tuple[str, ...] = ()  # select_related for address_of / campaign_of


@dataclass(frozen=True)
class DeliveredRow:
    """What a bounce learns from the row it names."""

    kind: str
    row_id: int
    address: str
    campaign_id: int | None


_kinds: dict[str, DeliveryKind] = {}


def delivery_kind_register(
    code: str,
    *,
    model: type[models.Model],
    address_of: Callable[[Any], str],
    campaign_of: Callable[[Any], int | None] | None = None,
    related: tuple[str, ...] = (),
) -> None:
    """Register one kind of message (called from ``AppConfig.ready()``); the same code twice must be the same
    model (a second ``ready()`` in tests is harmless)."""
    if len(code) != 1 or not code.isalpha():
        raise ValueError(f"A kind's code is one letter, not {code!r}.")
    known = _kinds.get(code)
    if known is not None and known.model is not model:
        raise ValueError(f"The code {code!r} already names {known.model.__name__}.")
    _kinds[code] = DeliveryKind(code, model, address_of, campaign_of, related)


def delivery_kinds() -> dict[str, DeliveryKind]:
    return dict(_kinds)


def delivered_row(*, kind: str, row_id: int) -> DeliveredRow | None:
    """The address and campaign of the message (``kind``, ``row_id``), or None when the kind is unknown or the
    row is gone."""
    found = _kinds.get(kind)
    if found is None:
        return None
    row = found.model._default_manager.select_related(*found.related).filter(pk=row_id).first()
    if row is None:
        return None
    campaign_id = found.campaign_of(row) if found.campaign_of else None
    return DeliveredRow(kind=kind, row_id=row_id, address=found.address_of(row) or "", campaign_id=campaign_id)
