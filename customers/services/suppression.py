"""The suppression list: addresses no message may go to, whoever has them, and the customers' flag that follows.

An address is on the list by the hash of its normalised, lower-cased form (:func:`customers.models.address_hash`),
so it is found whatever case a report spells it in, and stays on the list after an erasure blanks it. Every send
checks the list (``customers.selectors.suppressed_among``); the customer's ``suppressed`` flag is set as well, so
that audiences leave the customer out before a message is even listed.

A complaint is the customer's own word: it also withdraws their e-mail consent, through ``consent_set``, so the
event is in the consent history. A bounce is not: the address is dead or refused, and consent stays as it was.
Taking an address off the list never gives consent back.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from customers.models import (
    ConsentChannel,
    ConsentSource,
    Customer,
    SuppressedAddress,
    SuppressionReason,
    address_hash,
    suppression_form,
)
from emarketing.contacts import InvalidEmail, normalise_email
from emarketing.tables import TableProblem, header_key, read_table

from .consent import consent_set

# The header of the column an imported list is read from (compared as ``header_key`` spells them).
ADDRESS_COLUMNS = ("email", "e_mail", "email_address", "e_mail_address", "address", "mail", "ایمیل", "البريد")
IMPORT_BATCH = 1000


def _user(by: User | AnonymousUser | None) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None


def _customers_with(address: str) -> "list[Customer]":
    """The customers whose address this is, in any case (a report spells it as it likes): the upper-case index
    of the customer table answers, with no scan of a table of millions."""
    return list(Customer.objects.filter(email__iexact=address)) if address else []


@transaction.atomic
def suppression_add(*, address: str, reason: str, note: str = "", by: User | AnonymousUser | None = None) -> bool:
    """Put ``address`` on the suppression list; True when it was not on it before.

    The customers with that address are flagged suppressed either way; for a complaint their e-mail consent is
    withdrawn (source "complaint") even when the address was already listed for another reason. An erasure keeps
    only the hash.
    """
    form = suppression_form(address)
    if not form:
        raise ValidationError(_("An address is needed."))
    key = address_hash(form)
    customers = _customers_with(form)
    to_flag = [c for c in customers if not c.suppressed]
    entry, created = SuppressedAddress.objects.get_or_create(
        address_hash=key,
        defaults={
            "address": "" if reason == SuppressionReason.ERASURE else form,
            "reason": reason,
            "note": note[:500],
            "created_by": _user(by),
            "flagged_customer": bool(to_flag),
        },
    )
    if created:
        entry.full_clean()
    if to_flag:
        Customer.objects.filter(pk__in=[c.pk for c in to_flag]).update(suppressed=True)
        if not created and not entry.flagged_customer:
            SuppressedAddress.objects.filter(pk=entry.pk).update(flagged_customer=True)
    if reason == SuppressionReason.COMPLAINT:
        for customer in customers:
            consent_set(
                customer=customer,
                channel=ConsentChannel.EMAIL,
                granted=False,
                source=ConsentSource.COMPLAINT,
                by=by,
                note=(note or _("Marked a message as spam."))[:255],
            )
    return created


@transaction.atomic
def suppression_remove(*, address: str, by: User | AnonymousUser | None) -> bool:
    """Take ``address`` off the list (staff only); True when it was on it.

    The customer's flag is cleared only when the list had set it: a customer suppressed for another reason
    (a legal request entered on the customer) stays suppressed. Consent withdrawn by a complaint stays withdrawn.
    """
    entry = SuppressedAddress.objects.select_for_update().filter(address_hash=address_hash(address)).first()
    if entry is None:
        return False
    if entry.flagged_customer and entry.address:
        Customer.objects.filter(email__iexact=entry.address).update(suppressed=False)
    entry.delete()
    return True


@transaction.atomic
def suppression_forget_address(*, address: str) -> bool:
    """Blank a listed address and its note (the customer's erasure: a bounce's diagnostic copied into the note may
    quote the address), keeping its hash: the address stays suppressed."""
    return bool(SuppressedAddress.objects.filter(address_hash=address_hash(address)).update(address="", note=""))


@dataclass
class SuppressionImport:
    rows: int = 0
    added: int = 0
    already: int = 0

    def summary(self) -> str:
        return _("%(rows)d addresses read: %(added)d added to the suppression list, %(already)d already on it.") % {
            "rows": self.rows,
            "added": self.added,
            "already": self.already,
        }


def _file_addresses(file: IO[bytes], name: str) -> Iterator[tuple[int, str]]:
    """(row number, cell) of each address in a file: the column named email or address, or the only column of
    a list with no header (one address a line)."""
    table = read_table(file, name)
    keys = [header_key(cell) for cell in table.header]
    column = next((i for i, key in enumerate(keys) if key in ADDRESS_COLUMNS), None)
    if column is None:
        if len([c for c in table.header if c.strip()]) == 1 and "@" in "".join(table.header):
            column = next(i for i, c in enumerate(table.header) if c.strip())
            yield 1, table.header[column]
        else:
            raise ValidationError(
                _("No column is named email or address, and the file is not one address a line."), code="no_column"
            )
    for number, cells in table.rows:
        yield number, cells[column] if column < len(cells) else ""


def _checked(numbered: Iterable[tuple[int, str]]) -> list[str]:
    """Every address normalised, or a ValidationError naming the first bad line (nothing is imported then)."""
    found: dict[str, str] = {}
    for number, cell in numbered:
        text = cell.strip()
        if not text:
            continue
        try:
            form = normalise_email(text)
        except InvalidEmail as error:
            raise ValidationError(
                _("Line %(line)d: %(error)s Nothing was imported.") % {"line": number, "error": error},
                code="invalid",
            ) from error
        found.setdefault(address_hash(form), form)
    return list(found.values())


@transaction.atomic
def suppression_import(
    *,
    rows: Iterable[str] | None = None,
    file: IO[bytes] | None = None,
    name: str = "",
    reason: str = SuppressionReason.IMPORT,
    note: str = "",
    by: User | AnonymousUser | None = None,
) -> SuppressionImport:
    """Add a list of addresses (``rows``, or a CSV/Excel/text ``file``) to the suppression list, all or nothing.

    A line that is not an address refuses the whole list with its line number. Written in batches with a
    constant number of queries each; the customers with those addresses are flagged. An import withdraws no
    consent (a list from elsewhere says nothing of what the customer told us).
    """
    if file is not None:
        try:
            addresses = _checked(_file_addresses(file, name))
        except TableProblem as error:
            raise ValidationError(str(error), code="unreadable") from error
    else:
        addresses = _checked(enumerate(rows or (), start=1))
    result = SuppressionImport(rows=len(addresses))
    user = _user(by)
    for start in range(0, len(addresses), IMPORT_BATCH):
        batch = {address_hash(a): a for a in addresses[start : start + IMPORT_BATCH]}
        listed = set(SuppressedAddress.objects.filter(address_hash__in=batch).values_list("address_hash", flat=True))
        new = {key: a for key, a in batch.items() if key not in listed}
        upper = [a.upper() for a in new.values()]
        unflagged = Customer.objects.alias(upper_email=Upper("email")).filter(upper_email__in=upper, suppressed=False)
        flagged = {address_hash(e) for e in unflagged.values_list("email", flat=True)}
        SuppressedAddress.objects.bulk_create(
            [
                SuppressedAddress(
                    address=a, address_hash=key, reason=reason, note=note[:500], created_by=user,
                    flagged_customer=key in flagged,
                )
                for key, a in new.items()
            ],
            ignore_conflicts=True,
        )  # fmt: skip
        unflagged.update(suppressed=True)
        result.added += len(new)
        result.already += len(batch) - len(new)
    return result
