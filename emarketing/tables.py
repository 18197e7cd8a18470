"""Tables people bring in: CSV or Excel files as other tools export them, read safely, one row at a time.

:func:`read_table` streams a CSV (UTF-8 with or without a byte-order mark, or Windows-1256; comma, semicolon,
tab or pipe between cells, double quotes around them) or an Excel workbook (its first sheet) and yields each
row as text. It never trusts a file: the delimiter is found by counting outside double quotes, so an
apostrophe that an export puts before ids and phones (``'+989121234567``) is a character like any other; a
workbook is opened only when what it unpacks to is small enough and not a zip bomb; its XML is parsed by
openpyxl with defusedxml installed (no entity expansion).

:func:`header_key`, :class:`Preset`, :func:`detect_preset` and :func:`suggest_columns` turn a header row into
the product's fields: by a vendor's known layout first (detected by its headers, never by the file's name),
then by the spellings marketers use. Every stage that imports a file (customers, order history) uses them.
"""

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _

from emarketing.digits import to_ascii_digits

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20


class TableProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, size), or breaks off at ``row``."""

    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


def detect_encoding(stream: IO[bytes], *, chunk_size: int = 1 << 20) -> str:
    """``utf-8-sig`` for UTF-8 with or without a BOM, otherwise ``cp1256`` (Windows Arabic/Persian).

    Scans the file in chunks with an incremental decoder, so memory stays flat; the stream is rewound.
    """
    stream.seek(0)
    head = stream.read(3)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return "utf-16"
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


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def sniff_delimiter(lines: list[str]) -> str:
    """The cell delimiter of a CSV: the candidate that splits the header, and most lines like the header.

    Only double quotes quote a cell (what every spreadsheet writes); apostrophes and other characters are text.
    """
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [_count_outside_quotes(line, delimiter) for line in lines]
        if not counts[0]:
            continue
        score = (sum(1 for c in counts if c == counts[0]), counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _Dialect(csv.excel):
    pass


def _csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    encoding = detect_encoding(stream)
    if encoding != "utf-16":
        sample = stream.read(64 * 1024)
        stream.seek(0)
        if b"\x00" in sample:  # text has no NUL bytes: a picture, a PDF, an old .xls
            raise TableProblem(_("The file is not a table: upload a CSV file or an Excel workbook (.xlsx)."))
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        head = [text.readline() for _i in range(SNIFF_LINES)]
        text.seek(0)
        dialect = type("Detected", (_Dialect,), {"delimiter": sniff_delimiter(head)})
        yield from csv.reader(text, dialect)
    finally:
        if not stream.closed:  # a reader left unfinished is closed after its file
            text.detach()


def is_workbook(stream: IO[bytes]) -> bool:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    return magic == b"PK\x03\x04"


def check_workbook(stream: IO[bytes]) -> None:
    """Refuse a workbook that unpacks to too much, or far more than it weighs (a zip bomb), before opening it.

    The sizes are the ones the archive declares; Python's zipfile never inflates an entry past its declared size,
    so what openpyxl then reads is bounded by them.
    """
    stream.seek(0, io.SEEK_END)
    packed = stream.tell()
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise TableProblem(_("The file is not a readable Excel workbook.")) from error
    finally:
        stream.seek(0)
    unpacked = sum(entry.file_size for entry in entries)
    strings = sum(entry.file_size for entry in entries if entry.filename.endswith("sharedStrings.xml"))
    limit = settings.IMPORT_XLSX_MAX_UNPACKED_BYTES
    if (
        len(entries) > 1000
        or unpacked > limit
        or strings > settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES
        or (unpacked > 16 * 2**20 and unpacked > packed * settings.IMPORT_XLSX_MAX_RATIO)
    ):
        raise TableProblem(
            _(
                "The workbook unpacks to %(size)d MB, more than this import reads (%(limit)d MB, and at most "
                "%(ratio)d times its own size). Save it as CSV and import that."
            )
            % {"size": unpacked // 2**20, "limit": limit // 2**20, "ratio": settings.IMPORT_XLSX_MAX_RATIO}
        )


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: whole numbers without ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time.min else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _excel_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_workbook(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:
        raise TableProblem(_("The file is not a readable Excel workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [v if v.__class__ is str else cell_text(v) for v in row]
    finally:
        workbook.close()


@dataclass
class Table:
    """A file's header row and an iterator over its data rows (``(row number, cells)``; blank rows skipped)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


def read_table(stream: IO[bytes], name: str = "") -> Table:
    """Open a CSV or Excel file (told apart by content; ``name`` only for a workbook with no signature)."""
    excel = is_workbook(stream) or name.lower().endswith((".xlsx", ".xlsm"))
    rows = _excel_rows(stream) if excel else _csv_rows(stream)
    try:
        first = next(rows)
    except StopIteration:
        raise TableProblem(_("The file is empty.")) from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise TableProblem(_("The file could not be read: %(error)s") % {"error": error}) from error
    header = [str(cell).strip().lstrip("\ufeff").strip() for cell in first]

    def iterate() -> Iterator[tuple[int, list[str]]]:
        number = 1
        while True:
            try:
                raw = next(rows)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError, ValueError) as error:
                message = _("The row could not be read: %(error)s") % {"error": error}
                raise TableProblem(message, row=number + 1) from error
            number += 1
            if "".join(raw).strip():
                yield number, raw

    return Table(header=header, rows=iterate())


def estimate_rows(stream: IO[bytes], name: str = "", *, chunk_size: int = 1 << 20) -> int:
    """About how many data rows a file has, without reading them: its lines (CSV), or its sheet's size (Excel)."""
    try:
        if is_workbook(stream) or name.lower().endswith((".xlsx", ".xlsm")):
            from openpyxl import load_workbook

            check_workbook(stream)
            workbook = load_workbook(stream, read_only=True)
            try:
                return max(0, (workbook.worksheets[0].max_row or 1) - 1)
            finally:
                workbook.close()
        lines = last = 0
        stream.seek(0)
        while chunk := stream.read(chunk_size):
            lines += chunk.count(b"\n")
            last = chunk[-1]
        return max(0, lines - (1 if last == ord("\n") else 0))
    except (TableProblem, zipfile.BadZipFile, OSError, KeyError, ValueError):
        return 0
    finally:
        stream.seek(0)


# --- header to fields -----------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-./:()]+")


def header_key(name: object) -> str:
    """A header as it is compared: lower case, ASCII digits, words joined by ``_`` (``Country/Region`` →
    ``country_region``)."""
    text = to_ascii_digits(str(name or "")).strip().lstrip("\ufeff").lstrip("'").strip().lower()
    return _SEPARATORS.sub("_", text).strip("_")


@dataclass(frozen=True)
class Preset:
    """A known layout of a file: which header fills which field, and how its dates are written.

    ``signature`` are headers (as :func:`header_key` writes them) that, all present, say the file is this
    layout; ``columns`` maps headers to fields; ``formats`` gives a field's date format when the layout fixes it.
    """

    key: str
    name: "str | StrPromise"
    signature: tuple[str, ...]
    columns: Mapping[str, str]
    formats: Mapping[str, str] = field(default_factory=dict)


def detect_preset(header: Iterable[str], presets: Iterable[Preset]) -> Preset | None:
    """The preset whose signature headers are all in ``header`` and that maps most of its columns."""
    keys = {header_key(h) for h in header}
    best: Preset | None = None
    best_score = 0
    for preset in presets:
        if not all(key in keys for key in preset.signature):
            continue
        score = sum(1 for key in keys if key in preset.columns)
        if score > best_score:
            best, best_score = preset, score
    return best


def suggest_columns(
    header: list[str], *, fields: Iterable[str], aliases: Mapping[str, str], preset: Preset | None = None
) -> list[str]:
    """The field each column fills ("" for none): the preset's mapping, else a field's name or alias.

    A field is filled by one column: a later column naming a field already taken is left unmapped.
    """
    known = set(fields)
    taken: set[str] = set()
    columns = []
    for name in header:
        key = header_key(name)
        target = (preset.columns.get(key) if preset else None) or aliases.get(key) or (key if key in known else "")
        if target not in known or target in taken:
            target = ""
        if target:
            taken.add(target)
        columns.append(target)
    return columns


def check_columns(columns: list[str], *, fields: Iterable[str]) -> list[str]:
    """Each column's field, checked: unknown names refused, a field chosen twice refused (messages)."""
    known = set(fields)
    problems, seen = [], set()
    for target in columns:
        if not target:
            continue
        if target not in known:
            problems.append(_("“%(field)s” is not a field of this import.") % {"field": target})
        elif target in seen:
            problems.append(_("“%(field)s” is chosen for two columns; choose it once.") % {"field": target})
        seen.add(target)
    return problems


def values_of(columns: list[str], raw: list[str]) -> dict[str, Any]:
    """One row's cells keyed by the field each column fills (columns without a field are left out)."""
    width = len(raw)
    return {name: raw[i] for i, name in enumerate(columns) if name and i < width}
