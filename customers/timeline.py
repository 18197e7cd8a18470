"""The 360° profile: what every stage knows about one customer, as summary cards and one timeline, newest first.

Preparation owns the customer page, but orders, tickets, survey answers, messages and touches live on the floors
above. Rather than reaching up to read them, preparation owns two registries, filled by each stage in its
``AppConfig.ready()`` as :mod:`customers.access` is:

    profile_timeline.register(TimelineSource("touches", _("AIDA touches"), "campaigns.view_touch", touches_of))
    profile_timeline.register_cards("orders", "orders.view_order", order_cards)

A **source** gives, for one customer, its entries newest first and strictly older than the cursor, at most
``limit`` of them, in one query that walks an index on (customer, time). The timeline asks every source the
viewer may read for ``limit + 1`` entries, merges them by time and keeps ``limit``: a page costs one query per
source, however many touches the customer has. Paging is by keyset: the cursor is the (time, source, id) of the
last entry shown, and the order (time, then source key, then id, all descending) is total, so entries with the
same time are neither repeated nor skipped across pages. No OFFSET, no COUNT.

A **card source** gives the summary cards above the timeline (a few figures, in a fixed number of queries).

Each source and card source names the model permission that shows it (``aftersales.view_ticket``): a viewer
without it sees neither that section's entries nor its cards. The viewer is passed on, so a stage can narrow
further what one viewer sees (a sales agent sees their own orders only).
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format

from customers.templatetags.l10n_extras import jdate
from emarketing.dates import language
from emarketing.digits import localize_digits

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Label = str | _StrPromise
else:
    Label = str

# Who reads the profile: ``request.user`` (a user with permissions, or an anonymous one who has none).
Viewer = Any

# Entries on one page of the timeline; a page of the admin asks for this many.
PAGE_SIZE = 30
MAX_PAGE_SIZE = 50

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# What a cursor looks like in a URL: microseconds since the epoch, the source's key, the row's id.
_CURSOR = re.compile(r"^(-?\d{1,17})\.([a-z][a-z0-9_]{0,31})\.(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    """Where a page of the timeline ends: the (time, source, id) of its last entry. Older entries follow it."""

    when: dt.datetime
    source: str
    id: int

    def __str__(self) -> str:
        micros = (self.when - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.source}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor | None":
        """The cursor written by ``str()``, or None for anything else (a hostile or mangled URL)."""
        match = _CURSOR.match(text or "")
        if match is None:
            return None
        micros, source, row = match.groups()
        try:
            when = _EPOCH + dt.timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(when=when, source=source, id=int(row))

    def older_q(self, source: str, time_field: str, id_field: str = "pk") -> Q:
        """The rows of ``source`` that come after this cursor in the timeline's order (time, source, id; all
        descending): an index on (customer, time) serves it."""
        if source > self.source:
            return Q(**{f"{time_field}__lt": self.when})
        if source < self.source:
            return Q(**{f"{time_field}__lte": self.when})
        return Q(**{f"{time_field}__lt": self.when}) | Q(**{time_field: self.when, f"{id_field}__lt": self.id})


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline. ``source`` and ``id`` place it (the cursor); the rest is what the page shows.

    ``kind`` is the translated name of what happened (Order placed, Ticket opened, E-mail opened), ``title`` the
    thing itself (an order's number, a ticket's subject, a campaign's name: shown isolated, as written),
    ``detail`` and ``state`` a short text each (a total; Delivered late), ``url`` the row's admin page or "".
    """

    source: str
    id: int
    when: dt.datetime
    kind: str
    title: str
    detail: str = ""
    state: str = ""
    url: str = ""
    warn: bool = False

    @property
    def cursor(self) -> Cursor:
        return Cursor(when=self.when, source=self.source, id=self.id)

    def sort_key(self) -> tuple[dt.datetime, str, int]:
        return (self.when, self.source, self.id)


# A source: (customer_id, cursor or None, limit, viewer) → at most ``limit`` entries older than the cursor,
# newest first.
Entries = Callable[[int, Cursor | None, int, Viewer], list[TimelineEntry]]


@dataclass(frozen=True)
class TimelineSource:
    key: str
    label: Label
    permission: str
    entries: Entries

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"A timeline source's key is lowercase ASCII: {self.key!r}.")


@dataclass(frozen=True)
class Card:
    """One figure above the timeline: a label, the value as shown, and an optional line under it."""

    label: Label
    value: str
    note: str = ""
    warn: bool = False


# A card source: (customer_id, viewer) → its cards, in a fixed number of queries.
Cards = Callable[[int, Viewer], Iterable[Card]]


@dataclass(frozen=True)
class CardSource:
    key: str
    permission: str
    cards: Cards
    position: int


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    older: Cursor | None  # where the next page starts, None on the last page
    first_page: bool
    sections: list[Label] = field(default_factory=list)  # what the viewer may see, by name


class ProfileTimeline:
    """The timeline's sources and the summary's card sources, in the order the stages registered them."""

    def __init__(self) -> None:
        self._sources: dict[str, TimelineSource] = {}
        self._cards: dict[str, CardSource] = {}

    def register(self, source: TimelineSource) -> None:
        """Called from ``AppConfig.ready()``; registering a key again replaces its source."""
        self._sources[source.key] = source

    def register_cards(self, key: str, permission: str, cards: Cards, *, position: int = 100) -> None:
        """The cards stand by ``position``, then in the order they were registered."""
        self._cards[key] = CardSource(key, permission, cards, position)

    def sources(self) -> Iterator[TimelineSource]:
        return iter(list(self._sources.values()))

    def card_sources(self) -> Iterator[CardSource]:
        return iter(sorted(self._cards.values(), key=lambda source: source.position))


profile_timeline = ProfileTimeline()


def _may(viewer: Viewer, permission: str, granted: set[str] | None) -> bool:
    if granted is None:
        return bool(viewer.has_perm(permission))
    return permission in granted


def _granted(viewer: Viewer) -> set[str] | None:
    """Every permission of the viewer, read once (two queries at most, cached on the user) rather than per
    section; None for a superuser, who has them all."""
    if getattr(viewer, "is_superuser", False) and getattr(viewer, "is_active", False):
        return None
    get_all = getattr(viewer, "get_all_permissions", None)
    return set(get_all()) if get_all is not None else set()


def customer_timeline(
    *, customer_id: int, viewer: Viewer, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """One page of the customer's timeline as ``viewer`` may see it: every permitted source asked once."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    granted = _granted(viewer)
    gathered: list[TimelineEntry] = []
    sections: list[Label] = []
    for source in profile_timeline.sources():
        if not _may(viewer, source.permission, granted):
            continue
        sections.append(source.label)
        gathered.extend(source.entries(customer_id, before, limit + 1, viewer))
    gathered.sort(key=TimelineEntry.sort_key, reverse=True)
    shown = gathered[:limit]
    older = shown[-1].cursor if len(gathered) > limit else None
    return TimelinePage(entries=shown, older=older, first_page=before is None, sections=sections)


def customer_cards(*, customer_id: int, viewer: Viewer) -> list[Card]:
    """The summary cards of the customer as ``viewer`` may see them."""
    granted = _granted(viewer)
    cards: list[Card] = []
    for source in profile_timeline.card_sources():
        if _may(viewer, source.permission, granted):
            cards.extend(source.cards(customer_id, viewer))
    return cards


def recent_first(rows: Any, source: str, time_field: str, before: Cursor | None, limit: int) -> Any:
    """``rows`` (one customer's) older than ``before`` in the timeline's order, newest first, ``limit`` of them."""
    if before is not None:
        rows = rows.filter(before.older_q(source, time_field))
    return rows.order_by(f"-{time_field}", "-pk")[:limit]


def admin_links(viewname: str) -> Callable[[int], str]:
    """The admin change page of a row by its id, the URL reversed once for a whole page of entries."""
    marker = 987654321
    url = reverse(viewname, args=[marker])
    head, tail = url.rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def choice_labels(choices: type[TextChoices]) -> Callable[[str], str]:
    """The label of a stored choice in the active language, each label translated once for a page of entries;
    the value itself when it is no longer a choice."""
    labels = {value: str(label) for value, label in choices.choices}
    return lambda value: labels.get(value, value)


def shown_number(value: Any, decimal_pos: int | None = None) -> str:
    """A figure of a card as the reader writes numbers: grouped, in their digits."""
    return localize_digits(number_format(value, decimal_pos=decimal_pos, force_grouping=True), language())


def shown_when(value: dt.datetime | dt.date | None) -> str:
    """A time of a card in the reader's calendar (Solar Hijri in Persian), in the current time zone."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return str(jdate(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))
    return str(jdate(value, "SHORT_DATE_FORMAT"))
