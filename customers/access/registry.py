"""The registry of exporters: each stage says what it holds about one customer, as named sections of rows.

A section is a table: a stable ASCII ``key`` (the JSON key and the CSV file's name), a translated ``title``,
its columns (a stable key and a translated label each) and its rows, dicts from column keys to plain values
(``str``, ``int``, ``float``, ``bool``, ``None``, ``Decimal``, ``datetime``, ``date``; the files turn dates into
ISO 8601 and decimals into strings). Rows are produced when the file is written, a page at a time, so a
customer with a million touches is exported in flat memory.

What goes in: the customer's own data and what the product computed or recorded about them. What stays out:
other customers, staff members (who recorded, assigned or answered), internal secrets (tokens, claims, keys)
and the workings of the pipeline (attempts, retry times).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet, TextChoices

from customers.models import Customer

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    # A model's verbose names are typed optional; None reads as an empty label.
    Label = str | _StrPromise | None
else:
    Label = str

# Rows read per query: a page of a customer's touches or messages.
PAGE = 2000

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    label: Label


@dataclass(frozen=True)
class Section:
    """One table of what a stage holds about a customer; ``rows`` is called once, when the file is written."""

    key: str
    title: Label
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[Row]]


# A stage's exporter: every section it holds about one customer (each also when it is empty: the customer sees
# that the product holds nothing there).
Exporter = Callable[[Customer], Iterable[Section]]


class AccessExporters:
    """The exporters by name, in the order the stages registered them (the order of the cycle)."""

    def __init__(self) -> None:
        self._exporters: dict[str, Exporter] = {}

    def register(self, name: str, exporter: Exporter) -> None:
        """Called from ``AppConfig.ready()``; registering a name again replaces its exporter."""
        self._exporters[name] = exporter

    def __iter__(self) -> Iterator[Exporter]:
        return iter(list(self._exporters.values()))

    def names(self) -> list[str]:
        return list(self._exporters)


access_exporters = AccessExporters()


def personal_data_sections(*, customer: Customer) -> list[Section]:
    """Every section every stage holds about ``customer``, preparation's first; no rows are read yet."""
    sections: list[Section] = []
    seen: set[str] = set()
    for exporter in access_exporters:
        for section in exporter(customer):
            if section.key in seen:
                raise ValueError(f"Two exporters name the section {section.key!r}.")
            seen.add(section.key)
            sections.append(section)
    return sections


def in_pages(rows: "QuerySet[Any, Any]", *, size: int = PAGE) -> Iterator[dict[str, Any]]:
    """The rows of a ``.values()`` queryset (which must include ``id``) in id order, ``size`` per query."""
    last = 0
    while True:
        page: list[dict[str, Any]] = list(rows.filter(pk__gt=last).order_by("pk")[:size])
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def choice_label(choices: type[TextChoices], value: str) -> str:
    """The label of a stored choice in the active language, or the value itself when it is no longer a choice."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def labelled(rows: Iterable[Any], choices: Mapping[str, type[TextChoices]]) -> Iterator[Row]:
    """``rows`` (dicts, or a ``.values()`` queryset) with the value of each column named in ``choices`` replaced
    by its label in the active language (each label translated once, not once a row)."""
    labels = {key: {value: str(label) for value, label in kind.choices} for key, kind in choices.items()}
    for row in rows:
        for key, known in labels.items():
            value = row.get(key)
            if value is not None:
                row[key] = known.get(value, value)
        yield row


def field(model: type[Model], name: str, key: str = "") -> Column:
    """A column labelled as the model's field is (its translated verbose name); ``key`` defaults to the name."""
    return Column(key or name, model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def fields(model: type[Model], *names: str) -> tuple[Column, ...]:
    return tuple(field(model, name) for name in names)
