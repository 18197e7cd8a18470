"""Order history import: past orders and their lines from a CSV or Excel file, applied all or nothing.

One pass over the file inside one transaction, an order at a time and a batch of orders at a time: rows are
cleaned (``orders.imports.rows``); per batch the database is asked, in one query each, which order numbers,
customers and products exist; then the orders, their lines and their status history are written without model
instances (``emarketing.bulk_insert``: ``COPY`` on PostgreSQL, ``executemany`` on SQLite). Any faulty row rolls
the whole file back and the errors (row and column) are returned instead; a dry run (the preview) always rolls
back. Imported orders are history: they carry their own dates and statuses, are marked ``imported_at``, are not
attributed to campaigns and send nothing (no ``order_placed``, no signal); the customers' value tiers and
lifecycle stages are refreshed after commit (``orders.tasks.refresh_profiles_after_history_import``).
"""

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.services import NewBuyer, customers_create_buyers, customers_refresh_profiles, segments_rebuild_next
from customers.services.imports.stored_files import UPLOAD_DIR as CUSTOMER_UPLOAD_DIR
from emarketing.bulk_insert import RowInserter, WriteBehind, checked_as_written, ids_by_value
from emarketing.cells import choose_date_format
from emarketing.table_limits import shorten_message
from emarketing.tables import Preset, TableProblem
from orders.imports.columns import DATE_FIELDS
from orders.imports.rows import Header, Line, MappingProblem, ParsedOrder, RawRow, RowCleaner, RowError, read_rows, text
from orders.models import Agent, Order, OrderLine, OrderStatusChange, Product

ORDER_FIELDS = [
    "number",
    "customer_id",
    "channel",
    "agent_id",
    "campaign_id",
    "status",
    "total",
    "currency",
    "placed_at",
    "idempotency_key",
    "created_by_id",
    "imported_at",
]
LINE_FIELDS = ["order_id", "product_id", "quantity", "unit_price"]
CHANGE_FIELDS = ["subject_id", "from_status", "to_status", "changed_at", "changed_by_id", "note"]
NEW_PRODUCTS_LISTED = 50
GUESS_ROWS = 20_000
GUESS_CHARS = 64  # of each value: no date is longer, and 20,000 cells of a file's longest would take gigabytes


# Uploads wait inside the customer import's folder, so that the hourly cleanup of files never applied
# (``customers.tasks.delete_old_import_files``) deletes them too: they hold customers' personal data.
UPLOAD_DIR = f"{CUSTOMER_UPLOAD_DIR}order-history/"


class _Rollback(Exception):
    pass


class _Cancelled(_Rollback):
    pass


@dataclass
class SampleOrder:
    row: int
    number: str
    customer: str
    placed_at: dt.datetime
    status: str
    lines: int
    total: Decimal
    currency: str


@dataclass
class HistoryResult:
    rows_read: int = 0
    orders: int = 0
    lines: int = 0
    customers_created: int = 0
    products_created: int = 0
    new_products: dict[str, str] = field(default_factory=dict)  # SKU -> name, the first NEW_PRODUCTS_LISTED
    new_product_count: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    preset: Preset | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    ambiguous_dates: list[str] = field(default_factory=list)
    sample: list[SampleOrder] = field(default_factory=list)
    imported_at: dt.datetime | None = None
    applied: bool = False
    dry_run: bool = False
    truncated: bool = False
    cancelled: bool = False
    file_problem: str = ""  # why the file as a whole was refused (unreadable, over a limit): a job has failed

    def refuse_file(self, problem: TableProblem, limit: int) -> None:
        """The file as a whole cannot be read: its one error, and the reason a background job reports."""
        if not isinstance(problem, MappingProblem):
            self.file_problem = str(problem)
        self.add_error(RowError(problem.row, "—", str(problem)), limit)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def created(self) -> int:  # what a background import's job reports: orders created
        return self.orders

    @property
    def updated(self) -> int:  # past orders are never updated: a number already known refuses the file
        return 0

    def add_error(self, error: RowError, limit: int) -> None:
        self.error_count += 1
        if len(self.errors) < limit:
            error.message = shorten_message(error.message)  # it may quote a cell of 32,767 characters
            self.errors.append(error)

    def summary(self) -> str:
        if self.cancelled:
            return _("Cancelled after %(rows)d rows; nothing was changed.") % {"rows": self.rows_read}
        if self.file_problem:
            return _("%(problem)s Nothing was changed.") % {"problem": self.file_problem}
        if self.ok:
            return _(
                "%(rows)d rows: %(orders)d past orders with %(lines)d lines, %(customers)d new customers, "
                "%(products)d new products."
            ) % {
                "rows": self.rows_read,
                "orders": self.orders,
                "lines": self.lines,
                "customers": self.customers_created,
                "products": self.products_created,
            }
        return _("%(count)d errors in %(rows)d rows; nothing was changed.") % {
            "count": self.error_count,
            "rows": self.rows_read,
        }


class _Writer:
    """Checks a batch of orders against the database and, while the file has no error, writes it."""

    def __init__(
        self,
        *,
        behind: WriteBehind,
        result: HistoryResult,
        create_products: bool,
        by: User | None,
        now: dt.datetime,
        error_limit: int,
        fast: bool,
        sample_size: int,
    ) -> None:
        self.result, self.create_products, self.by, self.now = result, create_products, by, now
        self.error_limit, self.sample_size = error_limit, sample_size
        self.watermark = Order.objects.aggregate(m=Max("pk"))["m"] or 0
        self.agents = {name.casefold(): pk for name, pk in Agent.objects.values_list("name", "pk")}
        self.behind = behind
        self.orders = RowInserter(Order, ORDER_FIELDS, fast=fast, behind=behind)
        self.lines = RowInserter(OrderLine, LINE_FIELDS, fast=fast, behind=behind)
        self.changes = RowInserter(OrderStatusChange, CHANGE_FIELDS, fast=fast, behind=behind)
        self.note = _("Order history import")

    def error(self, row: int, column: str, message: str) -> None:
        self.result.add_error(RowError(row, column, message), self.error_limit)

    def _numbers(self, batch: list[ParsedOrder]) -> None:
        existing = ids_by_value(Order, "number", (o.number for o in batch))
        first: dict[str, int] = {}
        for order in batch:
            if order.number in first or existing.get(order.number, 0) > self.watermark:
                earlier = first.get(order.number)
                message = (
                    _("The rows of order %(number)s must follow each other: it also appears in row %(row)d.")
                    % {"number": order.number, "row": earlier}
                    if earlier
                    else _("The rows of order %(number)s must follow each other: it appears earlier in the file.")
                    % {"number": order.number}
                )
                self.error(order.row, "order_number", message)
            elif order.number in existing:
                message = _(
                    "An order numbered %(number)s is already in the database; an order history import adds only "
                    "orders it does not have (remove those rows, or the orders already imported)."
                )
                self.error(order.row, "order_number", message % {"number": order.number})
            first.setdefault(order.number, order.row)

    def _customers(self, batch: list[ParsedOrder]) -> tuple[list[int | None], list[NewBuyer], list[int]]:
        """Each order's customer id (None for one to create), the customers to create, and to which order."""
        external = {o.external_id for o in batch if o.external_id}
        emails = {o.email for o in batch if o.email}
        phones = {o.phone for o in batch if o.phone}
        # Where customers share an id or a phone, the oldest is the one.
        by_external = ids_by_value(Customer, "external_id", external, skip_empty=True)
        by_email = ids_by_value(Customer, "email", emails, skip_empty=True)
        by_phone = ids_by_value(Customer, "phone", phones)
        ids: list[int | None] = []
        buyers: list[NewBuyer] = []
        buyer_of: dict[str, int] = {}
        owners: list[int] = []  # for each order, the index of its new buyer (-1: an existing customer)
        for order in batch:
            found = by_external.get(order.external_id) or by_email.get(order.email) or by_phone.get(order.phone) or None
            ids.append(found)
            if found is not None:
                owners.append(-1)
                continue
            key = order.email or order.phone
            if not order.first_name or not key:
                column = order.customer_column
                message = {
                    "email": _("No customer has this e-mail address; give the customer's name to create them."),
                    "phone": _("No customer has this phone number; give the customer's name to create them."),
                }.get(column) or _(
                    "No customer has this id in the previous tool; give the customer's name and e-mail address "
                    "or phone to create them."
                )
                self.error(order.customer_row, column, message)
                owners.append(-1)
                continue
            if key not in buyer_of:
                buyer_of[key] = len(buyers)
                buyers.append(
                    NewBuyer(
                        first_name=order.first_name,
                        last_name=order.last_name,
                        email=order.email,
                        phone=order.phone,
                        external_id=order.external_id,
                        since=order.placed_at,
                    )
                )
            owners.append(buyer_of[key])
        return ids, buyers, owners

    def _products(self, batch: list[ParsedOrder]) -> dict[str, int]:
        skus = {line.sku for order in batch for line in order.lines}
        known = ids_by_value(Product, "sku", skus)
        missing: dict[str, tuple[str, Decimal, str, int]] = {}
        for order in batch:
            for line in order.lines:
                if line.sku in known:
                    continue
                if line.sku not in missing or (line.name and not missing[line.sku][0]):
                    missing[line.sku] = (line.name, line.unit_price, order.currency, line.row)
                if not self.create_products:
                    message = _("No product has the SKU “%(sku)s”; tick “create the new products” to create it.")
                    self.error(line.row, "sku", message % {"sku": line.sku})
        result = self.result
        for sku, (name, _price, _currency, row) in missing.items():
            result.new_product_count += 1
            if len(result.new_products) < NEW_PRODUCTS_LISTED:
                result.new_products[sku] = name
            if self.create_products and not name:
                message = _("The product “%(sku)s” is new: give its name in the product name column.")
                self.error(row, "product_name", message % {"sku": sku})
        if missing and self.create_products and not result.error_count:
            created = Product.objects.bulk_create(
                [
                    Product(sku=sku, name=name, price=price, currency=currency)
                    for sku, (name, price, currency, _row) in missing.items()
                ]
            )
            known.update({p.sku: p.pk for p in created})
            result.products_created += len(created)
        return known

    def flush(self, batch: list[ParsedOrder]) -> None:
        if not batch:
            return
        result = self.result
        self.behind.wait()  # the batches before are in the tables: their order numbers count as taken
        for order in batch:
            if order.agent and order.agent.casefold() not in self.agents:
                message = _("No agent is named “%(name)s”; add the agent first.") % {"name": order.agent}
                self.error(order.row, "agent", message)
        self._numbers(batch)
        customer_ids, buyers, owners = self._customers(batch)
        products = self._products(batch)
        if result.error_count:
            return  # nothing will be kept: stop writing, keep checking the rest of the file
        if buyers:
            new_ids = customers_create_buyers(buyers=buyers)
            result.customers_created += len(new_ids)
            customer_ids = [cid if cid is not None else new_ids[owners[i]] for i, cid in enumerate(customer_ids)]
        by_id = self.by.pk if self.by else None
        order_rows = [
            (
                o.number,
                customer_ids[i],
                o.channel,
                self.agents.get(o.agent.casefold()) if o.agent else None,
                None,
                o.status.value,
                o.total,
                o.currency,
                o.placed_at,
                None,
                by_id,
                self.now,
            )
            for i, o in enumerate(batch)
        ]
        order_ids = self.orders.insert(order_rows, need_ids=True)
        line_rows: list[tuple[int, int, int, Decimal]] = []
        change_rows: list[tuple[int, str, str, dt.datetime, int | None, str]] = []
        for order_id, order in zip(order_ids, batch, strict=True):
            line_rows.extend((order_id, products[line.sku], line.quantity, line.unit_price) for line in order.lines)
            change_rows.extend((order_id, old, new, at, by_id, self.note) for old, new, at in order.moves)
        self.lines.insert(line_rows)
        self.changes.insert(change_rows)
        result.orders += len(batch)
        result.lines += len(line_rows)
        for i, order in enumerate(batch[: max(0, self.sample_size - len(result.sample))]):
            result.sample.append(
                SampleOrder(
                    row=order.row,
                    number=order.number,
                    customer=order.email or order.phone or order.external_id,
                    placed_at=order.placed_at,
                    status=str(order.status.label),
                    lines=len(order.lines),
                    total=order_rows[i][6],
                    currency=order.currency,
                )
            )


def _date_formats(
    stream: IO[bytes], name: str, header: Header, given: dict[str, str], presets: list[Preset]
) -> tuple[dict[str, str], list[str]]:
    """Each date column's format: as chosen, else as the layout fixes it, else the one its values fit."""
    formats = {**(header.preset.formats if header.preset else {}), **given}
    formats = {f: fmt for f, fmt in formats.items() if f in header.present}
    missing = [f for f in DATE_FIELDS if f in header.present and f not in formats]
    ambiguous: list[str] = []
    if not missing:
        return formats, ambiguous
    stream.seek(0)
    _header, rows = read_rows(stream, name, columns=header.columns, presets=presets)
    values: dict[str, list[str]] = {f: [] for f in missing}
    for raw in itertools.islice(rows, GUESS_ROWS):
        for f in missing:
            values[f].append(text(raw.values.get(f))[:GUESS_CHARS])
    stream.seek(0)
    for f in missing:
        fmt, was_ambiguous = choose_date_format(values[f])
        if fmt:
            formats[f] = fmt
        if was_ambiguous:
            ambiguous.append(f)
    return formats, ambiguous


def _orders(
    rows: Iterator[RawRow], cleaner: RowCleaner, result: HistoryResult, error_limit: int
) -> Iterator[ParsedOrder]:
    """The file's orders, each with its lines, as its rows are read; faulty rows are counted in ``result``."""
    number, first_row, faulty = "", 0, False
    given: dict[str, tuple[int, str]] = {}
    lines: list[Line] = []

    def finish() -> ParsedOrder | None:
        order, errors = cleaner.order(number, first_row, given)
        for error in errors:
            result.add_error(error, error_limit)
        if order is None or faulty:
            return None
        order.lines = lines
        return order

    for raw in rows:
        result.rows_read += 1
        current = text(raw.values.get("order_number"))
        if not current:
            result.add_error(RowError(raw.number, "order_number", _("Give the order number.")), error_limit)
            continue
        if current != number:
            if number and (done := finish()) is not None:
                yield done
            number, first_row, given, lines, faulty = current, raw.number, {}, [], False
        cleaner.gather(given, raw)
        line, errors = cleaner.line(raw)
        for error in errors:
            result.add_error(error, error_limit)
        if line is None:
            faulty = True
        else:
            lines.append(line)
    if number and (done := finish()) is not None:
        yield done


def order_history_import(
    *,
    stream: IO[bytes],
    name: str = "",
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
    presets: list[Preset] | None = None,
    create_products: bool = False,
    by: User | AnonymousUser | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    batch_size: int | None = None,
    sample_size: int = 10,
    error_limit: int = 500,
    fast: bool = True,
    progress: Callable[[int, int], bool] | None = None,
) -> HistoryResult:
    """Import past orders (one row per line) from a CSV or Excel file, all or nothing.

    Customers are found by their id in the previous tool, e-mail address or phone; one the file also names is
    created. A SKU no product has is an error unless ``create_products``. An order number already in the
    database is an error: the file is refused, so running the same file twice never doubles an order.
    ``dry_run`` checks everything and changes nothing (the preview); ``limit`` looks at the first rows only.
    """
    batch_size = batch_size or settings.ORDER_HISTORY_IMPORT_BATCH_SIZE
    if isinstance(by, AnonymousUser) or (by is not None and not getattr(by, "is_authenticated", False)):
        by = None
    result = HistoryResult(dry_run=dry_run)
    presets = presets or []
    try:
        header, rows = read_rows(stream, name, columns=columns, presets=presets)
        formats, result.ambiguous_dates = _date_formats(stream, name, header, date_formats or {}, presets)
        if formats or header.present & set(DATE_FIELDS):
            # The guess read the file through its own reader and rewound it: this one starts again from the top
            # (the first one's buffer no longer matches the file's position), even when no format was found.
            detected = header.preset
            header, rows = read_rows(stream, name, columns=header.columns, presets=presets)
            header.preset = detected
    except TableProblem as problem:
        if isinstance(problem, MappingProblem):
            result.header, result.mapping, result.preset = problem.names, problem.columns, problem.preset
        result.refuse_file(problem, error_limit)
        return result
    result.header, result.mapping, result.preset = header.names, header.columns, header.preset
    result.date_formats, result.ignored_columns = formats, header.ignored
    if limit is not None:
        rows = itertools.islice(rows, limit)
        result.truncated = True
    now = timezone.now()
    cleaner = RowCleaner(header.present, formats=formats)
    try:
        # Writing behind: the database writes one batch while the next is read and cleaned.
        # Its foreign keys checked by each statement, not all at the commit.
        with transaction.atomic(), checked_as_written(Order, OrderLine, OrderStatusChange), WriteBehind() as behind:
            writer = _Writer(
                behind=behind,
                result=result,
                create_products=create_products,
                by=by,
                now=now,
                error_limit=error_limit,
                fast=fast,
                sample_size=sample_size,
            )
            batch: list[ParsedOrder] = []
            size = 0
            for order in _orders(rows, cleaner, result, error_limit):
                batch.append(order)
                size += len(order.lines)
                if size >= batch_size:
                    writer.flush(batch)
                    batch, size = [], 0
                    if progress is not None and not progress(result.rows_read, result.error_count):
                        raise _Cancelled
            writer.flush(batch)
            if result.error_count or dry_run:
                raise _Rollback
            result.imported_at = now
            if result.orders:
                from orders.tasks import refresh_profiles_after_history_import

                stamp = now.isoformat()
                transaction.on_commit(lambda: refresh_profiles_after_history_import.delay(imported_at=stamp))
    except TableProblem as problem:  # the file broke off in the middle, or went over a limit: nothing is kept
        result.refuse_file(problem, error_limit)
    except _Cancelled:
        result.cancelled = True
    except _Rollback:
        pass
    if progress is not None and not result.cancelled:
        progress(result.rows_read, result.error_count)
    if result.truncated and limit is not None and result.rows_read < limit:
        result.truncated = False
    if result.rows_read == 0 and not result.error_count:
        result.add_error(RowError(2, "—", _("The file has no data rows.")), error_limit)
    result.applied = result.ok and not dry_run and not result.cancelled
    if not result.ok or result.cancelled or not (result.applied or dry_run):
        result.orders = result.lines = result.customers_created = result.products_created = 0
    return result


def order_history_profiles_refresh(*, imported_at: dt.datetime) -> dict[str, int]:
    """After an order history import: the value model refitted on the history it brought, every buyer scored
    again (the fifths and the model are the company's, so new history moves everyone), then tiers and stages.
    Segments are rebuilt in full at their next refresh: orders placed in the past are no change an incremental
    refresh looks for."""
    if not Order.objects.filter(imported_at=imported_at).exists():
        return {"tiers_changed": 0, "stages_changed": 0}
    segments_rebuild_next()
    done = customers_refresh_profiles(refit=True, reason=_("order history import"))
    return {"tiers_changed": done.tiers.changed, "stages_changed": done.stages.changed}


def order_history_runner(
    stream: IO[bytes], name: str, options: dict[str, Any], user: Any, progress: Callable[[int, int], bool]
) -> HistoryResult:
    """The order history import as a background job's runner (registered for ``ImportKind.ORDERS``)."""
    return order_history_import(
        stream=stream,
        name=name,
        columns=options.get("columns"),
        date_formats=options.get("formats"),
        create_products=bool(options.get("create_products")),
        by=user,
        progress=progress,
    )
