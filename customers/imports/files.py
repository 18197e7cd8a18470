"""Reading a customer file: CSV (UTF-8 with or without BOM, or Windows-1256) or Excel, one row at a time.

:func:`read_rows` streams a file and yields each data row keyed by the product's column names."""

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from customers.imports.columns import COLUMNS, KNOWN_READ_ONLY, normalise_header


class FileProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns), or breaks off at ``row``."""

    def __init__(self, message, row: int = 1):
        super().__init__(message)
        self.row = row


def detect_encoding(stream, *, chunk_size: int = 1 << 20) -> str:
    """``utf-8-sig`` for UTF-8 with or without a BOM, otherwise ``cp1256`` (Windows Arabic/Persian).

    Scans the file in chunks with an incremental decoder, so memory stays flat; the stream is rewound.
    """
    stream.seek(0)
    head = stream.read(3)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(chunk_size):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1256"
    finally:
        stream.seek(0)


def _is_excel(stream, name: str) -> bool:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    return magic == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm"))


def _csv_rows(stream):
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        sample = text.read(64 * 1024)
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(text, dialect)
    finally:
        text.detach()


def _excel_rows(stream):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:
        raise FileProblem(_("The file is not a readable Excel workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else v if v.__class__ is str else _cell_text(v) for v in row]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Header:
    columns: list[str]  # the product's name for each position ("" when ignored)
    ignored: list[str] = field(default_factory=list)

    @property
    def present(self) -> set[str]:
        return {c for c in self.columns if c}


def read_header(raw: list) -> Header:
    names = [normalise_header(v) for v in raw]
    columns, ignored, seen = [], [], set()
    for original, name in zip(raw, names, strict=True):
        if name in COLUMNS and name not in seen:
            columns.append(name)
            seen.add(name)
        else:
            columns.append("")
            if str(original).strip() and name not in KNOWN_READ_ONLY:
                ignored.append(str(original).strip())
    if "first_name" not in seen:
        raise FileProblem(_("The file has no “first_name” column (the first row must hold the column names)."))
    if "email" not in seen and "phone" not in seen:
        raise FileProblem(_("The file needs an “email” or a “phone” column."))
    return Header(columns=columns, ignored=ignored)


@dataclass
class RawRow:
    number: int  # the row number a spreadsheet shows: the header is row 1
    values: dict


def read_rows(stream, name: str = "") -> tuple[Header, Iterator[RawRow]]:
    """The header and an iterator over the data rows of a CSV or Excel file; blank rows are skipped."""
    rows = _excel_rows(stream) if _is_excel(stream, name) else _csv_rows(stream)
    try:
        first = next(rows)
    except StopIteration:
        raise FileProblem(_("The file is empty.")) from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise FileProblem(_("The file could not be read: %(error)s") % {"error": error}) from error
    header = read_header(first)
    columns = header.columns

    positions = [(i, name) for i, name in enumerate(columns) if name]
    every_column_read = all(columns)

    def iterate():
        number = 1
        while True:
            try:
                raw = next(rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError, ValueError) as error:
                message = _("The row could not be read: %(error)s") % {"error": error}
                raise FileProblem(message, row=number + 1) from error
            number += 1
            if not "".join(raw).strip():
                continue
            if every_column_read and len(raw) == len(columns):
                values = dict(zip(columns, raw, strict=True))
            else:
                width = len(raw)
                values = {name: raw[i] for i, name in positions if i < width}
            yield RawRow(number=number, values=values)

    return header, iterate()
