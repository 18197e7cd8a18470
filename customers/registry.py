"""What the stages above preparation tell it: how to rate customers and how to select them.

Preparation keeps each customer's profile (value tier, lifecycle stage) and compiles segment rules, but the
facts behind them (orders, touches) belong to later stages. Rather than reaching up to read them, preparation
owns a few registries and the later stages fill them in their ``AppConfig.ready()``, the way apps register
their models with ``django.contrib.admin.site``:

- profile sources: given a batch of customers, the (customer id, value) pairs of one profile attribute;
- segment fields: how a condition on one field becomes a ``Q`` on Customer;
- change sources: which customers a later stage's rows say have changed since a moment;
- capture form hooks: the topics a form may offer, and the mailer of its confirmation e-mails.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet

from customers.segment_calendar import Calendar, Edges

# A batch of customers: an id range ``(low, high]`` or a list of ids.
Scope = tuple[int, int] | list[int]


def in_scope(queryset: "QuerySet[Any]", scope: Scope, *, column: str = "customer_id") -> "QuerySet[Any]":
    """Rows of ``queryset`` that belong to the customers of a batch (``column`` holds the customer id)."""
    if isinstance(scope, tuple):
        return queryset.filter(**{f"{column}__gt": scope[0], f"{column}__lte": scope[1]})
    return queryset.filter(**{f"{column}__in": scope})


# -- Profile sources -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchases:
    """One customer's sales, as the value refresh needs them."""

    customer_id: int
    first_at: dt.datetime
    last_at: dt.datetime
    orders: int
    spend: Decimal


@dataclass(frozen=True)
class QuintileCuts:
    """The 20th, 40th, 60th and 80th percentiles of the buyers' recency (the last purchase), frequency (orders)
    and monetary value (spend); empty when nobody has bought."""

    recency: tuple[dt.datetime, ...]
    frequency: tuple[int, ...]
    monetary: tuple[Decimal, ...]
    buyers: int


class PurchaseSource(Protocol):
    def __call__(self, scope: Scope) -> Iterable[Purchases]: ...


class QuintileSource(Protocol):
    def __call__(self) -> QuintileCuts: ...


class LifecycleSource(Protocol):
    def __call__(self, scope: Scope, *, now: dt.datetime) -> Iterable[tuple[int, str]]: ...


class ProfileSources:
    """The facts behind each profile attribute, registered by the stage that owns them (orders, touches)."""

    def __init__(self) -> None:
        self.purchases: PurchaseSource | None = None
        self.quintiles: QuintileSource | None = None
        self.lifecycle: LifecycleSource | None = None

    def register_purchases(self, source: PurchaseSource, quintiles: QuintileSource) -> None:
        self.purchases, self.quintiles = source, quintiles

    def register_lifecycle(self, source: LifecycleSource) -> None:
        self.lifecycle = source

    def get_purchases(self) -> tuple[PurchaseSource, QuintileSource]:
        if self.purchases is None or self.quintiles is None:
            raise ImproperlyConfigured(
                "No purchase source is registered: the app that owns orders registers one in its ready()."
            )
        return self.purchases, self.quintiles

    def get_lifecycle(self) -> LifecycleSource:
        if self.lifecycle is None:
            raise ImproperlyConfigured(
                "No lifecycle source is registered: the app that owns orders registers one in its ready()."
            )
        return self.lifecycle


profile_sources = ProfileSources()


# -- Segment fields --------------------------------------------------------------------------------------------

TEXT, CHOICE, NUMBER, DATE, BOOL, RELATED = "text", "choice", "number", "date", "bool", "related"

# A condition in canonical form (``field``, ``lookup``, ``value`` and perhaps ``campaign``).
Condition = dict[str, Any]
# The positive ``Q`` on Customer of a condition, at the calendar's moment.
Compiler = Callable[[Condition, Calendar], Q]
# The ids (one column) of the customers a condition's answer may have changed for between two moments with
# nothing but the calendar moving (None: nobody).
Mover = Callable[[Condition, Calendar, Calendar], "QuerySet[Any] | None"]


@dataclass(frozen=True)
class FieldSpec:
    """What a segment field accepts and, for fields not on the customer's own row, how a condition compiles.

    ``choices`` are the values a condition may take; when ``ordered``, they are steps a customer walks in that
    order ("reached a step" means that step or a later one), which the contradiction check relies on.
    ``ids``: the values are ids (products, needs). ``per_campaign``: a condition may name one campaign.
    ``column``: where a field on the customer or a row joined to it is read (the field's code by default).
    ``lowest``/``highest``: the range of a number field. ``labels``: the values a condition offers, with their
    labels, where they are not a fixed list of choices (the product categories on sale).

    ``compile`` returns the positive ``Q`` on Customer (negation is applied by the caller). A date field instead
    gives ``dated``: from where a window of local days starts and ends for each customer (``Edges``), the ``Q``
    of the customers whose date falls in it; ``stamps``: the ids of the customers with a timestamp in ``[a, b)``,
    whom an incremental refresh re-examines when an edge of a relative window passed over it; ``empty``: those
    without that date. ``moved`` is the same question for any other field that moves with the calendar.
    """

    kind: str
    lookups: tuple[str, ...]
    choices: tuple[str, ...] = ()
    time_relative: bool = False
    ordered: bool = False
    ids: bool = False
    per_campaign: bool = False
    column: str = ""
    lowest: Decimal | None = None
    highest: Decimal | None = None
    compile: Compiler | None = None
    moved: Mover | None = None
    dated: Callable[[Edges], Q] | None = None
    stamps: Callable[[dt.datetime, dt.datetime], "QuerySet[Any]"] | None = None
    empty: Callable[[], Q] | None = None
    labels: Callable[[], Iterable[tuple[str, str]]] | None = None
    # A field about recent behaviour ("viewed the product in the last 7 days"): the condition's first value is the
    # number of ``window`` units ("days" or "hours", 1 to ``window_max``) looked back, kept as ``within``.
    window: str = ""
    window_max: int = 0


def has_rows(rows: "QuerySet[Any]", column: str = "customer_id") -> Q:
    """The customer has one of ``rows`` (``column`` holds the customer's id): a correlated ``EXISTS``, which the
    database answers by the rows' customer index for a few customers as for all (``IN (subquery)`` turns
    quadratic on PostgreSQL once the subquery outgrows the memory of one hash)."""
    return Q(Exists(rows.filter(**{column: OuterRef("pk")})))


class SegmentFields:
    """Segment fields by code (``customers.models.SegmentField``)."""

    def __init__(self) -> None:
        self._specs: dict[str, FieldSpec] = {}

    def register(self, code: str, spec: FieldSpec) -> None:
        self._specs[str(code)] = spec

    def __contains__(self, code: object) -> bool:
        return code in self._specs

    def __getitem__(self, code: str) -> FieldSpec:
        return self._specs[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)


segment_fields = SegmentFields()


# -- Change sources --------------------------------------------------------------------------------------------

# Given a moment, a queryset of the ids (one column) of the customers whose rows changed after it.
ChangeSource = Callable[[dt.datetime], "QuerySet[Any]"]


class ChangeSources:
    """Where incremental segment refreshes look for customers whose data changed.

    A source registered with ``fields`` only matters to segments with a condition on one of them (the nightly
    scores rewrite every customer's row, which a segment on languages need not read); one without matters to
    all.
    """

    def __init__(self) -> None:
        self._sources: dict[str, tuple[ChangeSource, frozenset[str] | None]] = {}

    def register(self, name: str, source: ChangeSource, *, fields: Iterable[str] | None = None) -> None:
        self._sources[name] = (source, frozenset(str(f) for f in fields) if fields is not None else None)

    def items(self) -> list[tuple[str, ChangeSource]]:
        return [(name, source) for name, (source, _fields) in self._sources.items()]

    def values(self) -> list[ChangeSource]:
        return [source for source, _fields in self._sources.values()]

    def for_fields(self, fields: Iterable[str]) -> list[ChangeSource]:
        """The sources that can change a condition on any of ``fields``."""
        wanted = set(fields)
        return [source for source, only in self._sources.values() if only is None or only & wanted]


change_sources = ChangeSources()


# -- Import runners --------------------------------------------------------------------------------------------


class ImportOutcome(Protocol):
    """What a background import reports: the customer import's ``ImportResult`` and the order history's alike."""

    @property
    def applied(self) -> bool: ...

    @property
    def cancelled(self) -> bool: ...

    @property
    def rows_read(self) -> int: ...

    @property
    def created(self) -> int: ...

    @property
    def updated(self) -> int: ...

    @property
    def error_count(self) -> int: ...

    @property
    def errors(self) -> Sequence[object]: ...

    @property
    def file_problem(self) -> str: ...  # why the file as a whole was refused ("" when it was read)

    def summary(self) -> str: ...


# Applies a stored file: (stream, file name, the options chosen in its preview, the user, a progress callback
# answering False to cancel) -> outcome. It must be all or nothing and join the caller's transaction.
ImportRunner = Callable[[IO[bytes], str, dict[str, Any], Any, Callable[[int, int], bool]], ImportOutcome]


class ImportRunners:
    """The imports that can run as background jobs, by ``ImportKind``; each stage registers its own."""

    def __init__(self) -> None:
        self._runners: dict[str, ImportRunner] = {}

    def register(self, kind: str, runner: ImportRunner) -> None:
        self._runners[str(kind)] = runner

    def __getitem__(self, kind: str) -> ImportRunner:
        return self._runners[kind]


import_runners = ImportRunners()


# -- Capture forms ---------------------------------------------------------------------------------------------

# The topics a visitor may choose, in a language: ``(key, label)`` pairs.
TopicOptions = Callable[[str], list[tuple[str, str]]]
# Record that a customer chose these topics (keys from the options); never removes a topic already chosen.
TopicChooser = Callable[[Any, set[str]], None]
# Queue the confirmation e-mail of a form submission (by id), sent once the caller's transaction commits.
ConfirmationMailer = Callable[[int], None]


class CaptureFormHooks:
    """What capture forms need from communication: the topics of interest (``campaigns.Topic``) and the sending
    pipeline that every message to a customer goes through (the confirmation e-mail)."""

    def __init__(self) -> None:
        self.topic_options: TopicOptions | None = None
        self.topic_chooser: TopicChooser | None = None
        self.mailer: ConfirmationMailer | None = None

    def register_topics(self, options: TopicOptions, chooser: TopicChooser) -> None:
        self.topic_options, self.topic_chooser = options, chooser

    def register_mailer(self, mailer: ConfirmationMailer) -> None:
        self.mailer = mailer

    def topics(self, language: str) -> list[tuple[str, str]]:
        """The topics offered (none while no stage registered them)."""
        return self.topic_options(language) if self.topic_options is not None else []

    def choose_topics(self, customer: Any, keys: set[str]) -> None:
        if keys and self.topic_chooser is not None:
            self.topic_chooser(customer, keys)

    def send_confirmation(self, submission_id: int) -> None:
        if self.mailer is None:
            raise ImproperlyConfigured(
                "No confirmation mailer is registered: the app that sends e-mail registers one in its ready()."
            )
        self.mailer(submission_id)


capture_form_hooks = CaptureFormHooks()
