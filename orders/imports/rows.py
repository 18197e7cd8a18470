"""Reading an order history file: its columns mapped to fields, its rows cleaned into orders and lines.

One row per order line. An order's own values (customer, dates, status…) may repeat on each of its rows or, as
Shopify writes them, stand on its first row only: each is taken from the first row of the order that has it.
:class:`RowCleaner` cleans a line as it is read and an order's values once its rows are all read; every error
names the row and the column at fault.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from emarketing.cells import DATE_FORMATS, parse_amount, parse_datetime
from emarketing.contacts import InvalidEmail, InvalidPhone, normalise_email, normalise_phone
from emarketing.exports import unescape_cell
from emarketing.tables import Preset, TableProblem, check_columns, detect_preset, header_key, read_table, values_of
from emarketing.tables import suggest_columns as suggest_table_columns
from orders.imports.columns import ALIASES, DATE_FIELDS, FIELDS, KNOWN_NOT_IMPORTED, LINE_FIELDS, ORDER_FIELDS
from orders.imports.presets import PRESETS
from orders.imports.statuses import PATHS, STATUS_WORDS, order_status
from orders.models import OrderStatus, SalesChannel

CHANNEL_WORDS = {
    "web": SalesChannel.WEB,
    "website": SalesChannel.WEB,
    "online": SalesChannel.WEB,
    "online_store": SalesChannel.WEB,
    "shopify": SalesChannel.WEB,
    "checkout": SalesChannel.WEB,
    "phone": SalesChannel.PHONE,
    "telephone": SalesChannel.PHONE,
    "store": SalesChannel.STORE,
    "shop": SalesChannel.STORE,
    "pos": SalesChannel.STORE,
    "agent": SalesChannel.AGENT,
    "وب": SalesChannel.WEB,
    "سایت": SalesChannel.WEB,
    "تلفن": SalesChannel.PHONE,
    "فروشگاه": SalesChannel.STORE,
    "نماینده": SalesChannel.AGENT,
    "الموقع": SalesChannel.WEB,
    "الهاتف": SalesChannel.PHONE,
    "المتجر": SalesChannel.STORE,
    "وكيل": SalesChannel.AGENT,
}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


class MappingProblem(TableProblem):
    """The columns as mapped cannot make orders: the mapping must change."""

    def __init__(self, message: str, *, names: list[str], columns: list[str], preset: Preset | None) -> None:
        super().__init__(message)
        self.names, self.columns, self.preset = names, columns, preset


@dataclass
class Header:
    names: list[str]
    columns: list[str]
    ignored: list[str] = field(default_factory=list)
    preset: Preset | None = None

    @property
    def present(self) -> set[str]:
        return {c for c in self.columns if c}


def suggest_columns(names: list[str], *, preset: Preset | None = None) -> list[str]:
    return suggest_table_columns(names, fields=FIELDS, aliases=ALIASES, preset=preset)


def map_header(names: list[str], *, columns: list[str] | None = None, presets: Iterable[Preset] = ()) -> Header:
    """The field of each column: ``columns`` as chosen (checked), else suggested from the presets and aliases."""
    preset = None
    if columns is None:
        preset = detect_preset(names, [*presets, *PRESETS])
        columns = suggest_columns(names, preset=preset)
    else:
        columns = [*columns[: len(names)], *[""] * (len(names) - len(columns))]
        problems = check_columns(columns, fields=FIELDS)
        if problems:
            raise MappingProblem(" ".join(problems), names=names, columns=columns, preset=None)
    ignored = [
        name.strip()
        for name, target in zip(names, columns, strict=True)
        if not target and name.strip() and header_key(name) not in KNOWN_NOT_IMPORTED
    ]
    header = Header(names=names, columns=columns, ignored=ignored, preset=preset)
    present = header.present
    needed = [
        ("order_number", _("No column is read as the order number: choose one in the mapping.")),
        ("placed_at", _("No column is read as the date the order was placed: choose one in the mapping.")),
        ("sku", _("No column is read as the product SKU: choose one in the mapping.")),
    ]
    for name, message in needed:
        if name not in present:
            raise MappingProblem(message, names=names, columns=columns, preset=preset)
    if not present & {"email", "phone", "customer_external_id"}:
        message = _("No column is read as the customer's e-mail, phone or id in the previous tool: choose one.")
        raise MappingProblem(message, names=names, columns=columns, preset=preset)
    if not present & {"unit_price", "line_total"}:
        message = _("No column is read as the unit price or the line total: choose one in the mapping.")
        raise MappingProblem(message, names=names, columns=columns, preset=preset)
    return header


@dataclass
class RawRow:
    number: int
    values: dict[str, str]


def read_rows(
    stream: IO[bytes], name: str = "", *, columns: list[str] | None = None, presets: Iterable[Preset] = ()
) -> tuple[Header, Iterator[RawRow]]:
    """The header and an iterator over the data rows, keyed by field; blank rows are skipped."""
    table = read_table(stream, name)
    header = map_header(table.header, columns=columns, presets=presets)
    mapped = header.columns

    def iterate() -> Iterator[RawRow]:
        for number, raw in table.rows:
            yield RawRow(number=number, values=values_of(mapped, raw))

    return header, iterate()


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Line:
    row: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass
class ParsedOrder:
    """An order of the file with its values cleaned; the customer, agent and products are found later."""

    number: str
    row: int  # its first row
    placed_at: dt.datetime
    status: OrderStatus
    channel: str
    agent: str  # the agent's name as written ("" for none)
    currency: str
    external_id: str
    email: str
    phone: str
    first_name: str
    last_name: str
    moves: list[tuple[str, str, dt.datetime]]  # (from, to, when) from new to its status, at its own times
    lines: list[Line] = field(default_factory=list)
    customer_row: int = 0  # the row that named the customer
    customer_column: str = ""

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0")).quantize(CENT)


def text(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if value[:1] != "'":
        return value
    if value[:1] == "'" and value[1:2] in ("+", *"0123456789"):  # the mark a shop's export puts before numbers
        return value[1:]
    return unescape_cell(value)


def _date_message(value: str, fmt: str) -> str:
    return _("“%(value)s” is not a date written as %(format)s.") % {"value": value, "format": DATE_FORMATS[fmt]}


class RowCleaner:
    """Cleans the rows of one file; ``formats`` holds each date column's one format."""

    def __init__(self, present: Iterable[str], *, formats: Mapping[str, str] | None = None) -> None:
        self.present = set(present)
        self.formats = {name: (formats or {}).get(name) or "ymd" for name in DATE_FIELDS}
        self.order_fields = [f for f in ORDER_FIELDS if f in self.present]
        self.line_fields = [f for f in LINE_FIELDS if f in self.present]
        self.prices = [f for f in ("unit_price", "line_total") if f in self.present]
        self.zone = timezone.get_current_timezone()  # the file's local times, read once for all its rows

    # -- lines ----------------------------------------------------------------------------------------------

    def line(self, raw: RawRow) -> tuple[Line | None, list[RowError]]:
        values, number = raw.values, raw.number
        errors = []
        sku = text(values.get("sku"))
        if not sku:
            errors.append(RowError(number, "sku", _("Give the product's SKU.")))
        elif len(sku) > 64:
            errors.append(RowError(number, "sku", _("At most %(limit)d characters.") % {"limit": 64}))
        name = text(values.get("product_name")) if "product_name" in values else ""
        if len(name) > 200:
            errors.append(RowError(number, "product_name", _("At most %(limit)d characters.") % {"limit": 200}))
        quantity = 1
        quantity_text = text(values.get("quantity"))
        if quantity_text.isascii() and quantity_text.isdigit() and 0 < len(quantity_text) < 7 and quantity_text != "0":
            quantity = int(quantity_text)
        elif quantity_text:
            try:
                amount = parse_amount(quantity_text)
                if amount != amount.to_integral_value() or not 1 <= amount <= 1_000_000:
                    raise ValueError(quantity_text)
                quantity = int(amount)
            except ValueError:
                message = _("“%(value)s” is not a quantity (a whole number, 1 or more).") % {"value": quantity_text}
                errors.append(RowError(number, "quantity", message))
        price = None
        for column in self.prices:
            cell = text(values.get(column))
            if not cell:
                continue
            try:
                amount = parse_amount(cell)
                if amount < 0 or amount > MAX_AMOUNT:
                    raise ValueError(cell)
            except ValueError:
                message = _("“%(value)s” is not an amount of money (0 or more).") % {"value": cell}
                errors.append(RowError(number, column, message))
                break
            price = amount if column == "unit_price" else amount / quantity
            break
        if price is None and not errors:
            column = "unit_price" if "unit_price" in self.present else "line_total"
            errors.append(RowError(number, column, _("Give the unit price or the line total.")))
        if errors or price is None:
            return None, errors
        return Line(row=number, sku=sku, name=name, quantity=quantity, unit_price=price.quantize(CENT)), errors

    # -- orders ---------------------------------------------------------------------------------------------

    def gather(self, given: dict[str, tuple[int, str]], raw: RawRow) -> None:
        """Keep the order's values of ``raw`` that no earlier row of the order gave: (row, text) by field."""
        values = raw.values
        for name in self.order_fields:
            if name not in given:
                value = text(values.get(name))
                if value:
                    given[name] = (raw.number, value)

    def _moment(self, given: dict[str, tuple[int, str]], name: str, errors: list[RowError]) -> dt.datetime | None:
        if name not in given:
            return None
        row, value = given[name]
        fmt = self.formats[name]
        try:
            return parse_datetime(value, fmt, zone=self.zone)
        except (ValueError, OverflowError):
            errors.append(RowError(row, name, _date_message(value, fmt)))
            return None

    def order(
        self, number: str, first_row: int, given: dict[str, tuple[int, str]]
    ) -> tuple["ParsedOrder | None", list[RowError]]:
        """An order's values from what its rows gave (see :meth:`gather`), or the errors."""
        errors: list[RowError] = []
        if len(number) > 32:
            errors.append(RowError(first_row, "order_number", _("At most %(limit)d characters.") % {"limit": 32}))
        placed_at = self._moment(given, "placed_at", errors)
        if placed_at is None and "placed_at" not in given:
            errors.append(RowError(first_row, "placed_at", _("The date the order was placed is required.")))
        paid_at = self._moment(given, "paid_at", errors)
        delivered_at = self._moment(given, "delivered_at", errors)
        cancelled_at = self._moment(given, "cancelled_at", errors)

        status_row, status_text = given.get("status", (first_row, ""))
        fulfillment_row, fulfillment_text = given.get("fulfillment_status", (first_row, ""))
        status = OrderStatus.NEW
        try:
            fulfillment = fulfillment_text if "fulfillment_status" in self.present else None
            status = order_status(status_text, fulfillment, cancelled="cancelled_at" in given)
        except ValueError as error:
            wrong_fulfillment = str(error) == fulfillment_text and bool(fulfillment_text)
            column = "fulfillment_status" if wrong_fulfillment else "status"
            value = fulfillment_text if wrong_fulfillment else status_text
            message = _("“%(value)s” is not an order status this import knows (for example %(examples)s).") % {
                "value": value,
                "examples": ", ".join(sorted(v for v in STATUS_WORDS if v.isascii())[:8]),
            }
            errors.append(RowError(fulfillment_row if wrong_fulfillment else status_row, column, message))
        if status == OrderStatus.NEW and delivered_at is not None and "status" not in given:
            status = OrderStatus.DELIVERED  # a file with delivery dates and no status: delivered ones were

        agent_row, agent = given.get("agent", (first_row, ""))
        channel_row, channel_text = given.get("channel", (first_row, ""))
        channel = SalesChannel.AGENT if agent else SalesChannel.WEB
        if channel_text:
            key = header_key(channel_text)
            found = CHANNEL_WORDS.get(key)
            if found is None:
                message = _("Use one of: %(choices)s.") % {"choices": ", ".join(c.value for c in SalesChannel)}
                errors.append(RowError(channel_row, "channel", message))
            elif found == SalesChannel.AGENT and not agent:
                errors.append(RowError(channel_row, "agent", _("An order through an agent names the agent.")))
            elif not agent:
                channel = found
        if len(agent) > 200:
            errors.append(RowError(agent_row, "agent", _("At most %(limit)d characters.") % {"limit": 200}))

        currency_row, currency = given.get("currency", (first_row, "USD"))
        currency = currency.upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            message = _("“%(value)s” is not a currency code (three letters, e.g. IRR).") % {"value": currency}
            errors.append(RowError(currency_row, "currency", message))

        customer_row, customer_column = first_row, ""
        external_id = given.get("customer_external_id", (0, ""))[1]
        if external_id == "0":  # WooCommerce's customer_id of a guest checkout
            external_id = ""
        if len(external_id) > 64:
            errors.append(
                RowError(
                    given["customer_external_id"][0],
                    "customer_external_id",
                    _("At most %(limit)d characters.") % {"limit": 64},
                )
            )
        email = given.get("email", (0, ""))[1]
        if email:
            try:
                email = normalise_email(email).lower()  # lower-cased, as the customer import stores them
            except InvalidEmail as error:
                errors.append(RowError(given["email"][0], "email", str(error)))
        phone = ""
        if "phone" in given:
            try:
                phone = normalise_phone(given["phone"][1])
            except InvalidPhone as error:
                errors.append(RowError(given["phone"][0], "phone", str(error)))
        for column in ("customer_external_id", "email", "phone"):
            if column in given:
                customer_row, customer_column = given[column][0], column
                break
        if not customer_column:
            column = next(c for c in ("email", "phone", "customer_external_id") if c in self.present)
            errors.append(RowError(first_row, column, _("Name the customer: their e-mail, phone or id.")))
        first_name = given.get("first_name", (0, ""))[1]
        last_name = given.get("last_name", (0, ""))[1]
        if "full_name" in given and not first_name:
            first_name, _space, rest = given["full_name"][1].partition(" ")
            last_name = last_name or rest.strip()
        first_name, last_name = first_name[:100], last_name[:100]

        if errors or placed_at is None:
            return None, errors
        moves = self._moves(
            status, placed_at=placed_at, paid_at=paid_at, delivered_at=delivered_at, cancelled_at=cancelled_at
        )
        if moves is None:
            row = given["delivered_at"][0] if "delivered_at" in given else given["cancelled_at"][0]
            column = "delivered_at" if "delivered_at" in given else "cancelled_at"
            return None, [RowError(row, column, _("This date comes before the order was placed."))]
        return (
            ParsedOrder(
                number=number,
                row=first_row,
                placed_at=placed_at,
                status=status,
                channel=channel,
                agent=agent,
                currency=currency,
                external_id=external_id,
                email=email,
                phone=phone,
                first_name=first_name,
                last_name=last_name,
                moves=moves,
                customer_row=customer_row,
                customer_column=customer_column,
            ),
            errors,
        )

    @staticmethod
    def _moves(
        status: OrderStatus,
        *,
        placed_at: dt.datetime,
        paid_at: dt.datetime | None,
        delivered_at: dt.datetime | None,
        cancelled_at: dt.datetime | None,
    ) -> list[tuple[str, str, dt.datetime]] | None:
        """The status history from new to ``status``, each move at the file's time for it (never before the one
        before it); None when a date given comes before the order was placed."""
        for moment in (delivered_at, cancelled_at):
            if moment is not None and moment < placed_at:
                return None
        times = {
            OrderStatus.CONFIRMED: paid_at or placed_at,
            OrderStatus.SHIPPED: delivered_at or paid_at or placed_at,
            OrderStatus.DELIVERED: delivered_at or paid_at or placed_at,
            OrderStatus.CANCELLED: cancelled_at or placed_at,
            OrderStatus.RETURNED: cancelled_at or delivered_at or placed_at,
        }
        moves, current, last = [], OrderStatus.NEW.value, placed_at
        for step in PATHS[status]:
            last = max(last, times[step])
            moves.append((current, step.value, last))
            current = step.value
        return moves
