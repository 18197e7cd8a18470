"""The right to be forgotten: what each stage blanks when a customer's data is erased.

Preparation erases the customer (``customers.services.erasure``), but most of what a customer left behind lives
on later floors: their touches and messages, the text of their orders, their tickets, survey comments and
reviews. Rather than reaching up to those tables, preparation owns this registry and each later stage registers
an **eraser** in its ``AppConfig.ready()``, the way apps register their models with ``django.contrib.admin``:

    erasers.register("aftersales", erase_feedback, labels={"tickets": _("tickets"), ...})

An eraser takes an :class:`ErasureSubject` and returns what it blanked or removed: ``{key: rows}``, keys from
its ``labels``. Rules every eraser keeps:

- Counts and amounts stay: ratings, scores, totals, statuses and dates are what the dashboards and the books
  read. Only text that can name or describe the person goes (blanked, or the row deleted where nothing else
  counts it).
- It changes only the database, inside the caller's transaction. Anything else (a file deleted) waits for the
  commit (``transaction.on_commit``): the admin's preview of an erasure is the same erasure rolled back, and
  must leave everything as it was.
- Running it again changes nothing more (an erasure may be retried).

A stage may also say by which other addresses it knows the customer (the address a ticket was written from):
``erasers.register_addresses(source)``; those addresses are erased and suppressed too.

Audit trails that copy personal data (the admin's history, and any audit log added later) are erased here as
well: :func:`admin_history_forget` for the admin's own, and an audit log registers an eraser of its own.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import phonenumbers
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise

from emarketing.digits import to_ascii_digits

# The shortest national number looked for in free text: shorter runs of digits are too common to mean a phone.
_MIN_PHONE_DIGITS = 6
# A run of digits as people write a phone number: an optional plus, digits and the punctuation between groups.
_DIGIT_RUN = re.compile(r"\+?\d[\d\s\-./()\u200c\u200e\u200f]*\d")


def _national(phone: str) -> str:
    """The national significant number of an E.164 phone (``+989123456789`` → ``9123456789``), which every form
    of the number people write contains; the digits themselves when the number cannot be parsed."""
    number = phone.split(";", 1)[0]
    try:
        return str(phonenumbers.parse(number, None).national_number)
    except phonenumbers.NumberParseException:
        return re.sub(r"\D", "", to_ascii_digits(number)).lstrip("0")


@dataclass(frozen=True)
class ErasureSubject:
    """Who is being erased: the customer's id and every address and phone they are known by."""

    customer_id: int
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    # The phones' national numbers, which every way of writing them contains (filled in from ``phones``).
    numbers: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numbers = {n for n in (_national(p) for p in self.phones if p) if len(n) >= _MIN_PHONE_DIGITS}
        object.__setattr__(self, "numbers", tuple(sorted(numbers)))

    def email_q(self, field_name: str) -> Q:
        """Rows whose ``field_name`` is one of the addresses, in any case (never matches when there is none)."""
        q = Q(pk__in=[])
        for address in self.emails:
            if address:
                q |= Q(**{f"{field_name}__iexact": address})
        return q

    def text_q(self, *field_names: str) -> Q:
        """Rows whose text fields contain one of the addresses or a phone's national number, as the database can
        tell (``icontains``); :meth:`mentions` then decides on each row, digits in any script included."""
        q = Q(pk__in=[])
        needles = [a for a in self.emails if a] + list(self.numbers)
        for name in field_names:
            for needle in needles:
                q |= Q(**{f"{name}__icontains": needle})
        return q

    def mentions(self, text: object) -> bool:
        """True when ``text`` holds one of the customer's addresses (any case) or phones (any form: E.164,
        national with spaces or dashes, Persian or Arabic-Indic digits)."""
        if not isinstance(text, str) or not text:
            return False
        folded = text.casefold()
        if any(address.casefold() in folded for address in self.emails if address):
            return True
        if not self.numbers:
            return False
        for run in _DIGIT_RUN.findall(to_ascii_digits(text)):
            digits = re.sub(r"\D", "", run)
            if any(number in digits for number in self.numbers):
                return True
        return False


Counts = dict[str, int]
Eraser = Callable[[ErasureSubject], Counts]
AddressSource = Callable[[int], Iterable[str]]


@dataclass(frozen=True)
class _Registered:
    eraser: Eraser
    labels: dict[str, str | Promise]


class Erasers:
    """The erasers of the later stages, by name (a second ``ready()`` in tests replaces, never doubles)."""

    def __init__(self) -> None:
        self._erasers: dict[str, _Registered] = {}
        self._addresses: dict[str, AddressSource] = {}

    def register(self, name: str, eraser: Eraser, *, labels: Mapping[str, str | Promise]) -> None:
        """Register a stage's eraser; ``labels`` name, for people, each key its counts may hold."""
        self._erasers[name] = _Registered(eraser, dict(labels))

    def register_addresses(self, name: str, source: AddressSource) -> None:
        """Register where a stage knows other addresses of a customer (given the customer's id)."""
        self._addresses[name] = source

    def __iter__(self) -> Iterator[tuple[str, Eraser]]:
        return iter((name, registered.eraser) for name, registered in self._erasers.items())

    def addresses_of(self, customer_id: int) -> list[str]:
        found: list[str] = []
        for source in self._addresses.values():
            found.extend(a for a in source(customer_id) if a)
        return found

    def label(self, key: str) -> str | Promise:
        """What a count's key means, for people (the key itself when no stage names it)."""
        for registered in self._erasers.values():
            if key in registered.labels:
                return registered.labels[key]
        return key


erasers = Erasers()


def admin_history_forget(model: type[models.Model], ids: Iterable[int]) -> int:
    """Blank the admin's history of these rows (its copy of each row's name and of what was changed)."""
    keys = [str(pk) for pk in ids]
    if not keys:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=keys)
    return entries.exclude(object_repr="", change_message="").update(object_repr="", change_message="")
