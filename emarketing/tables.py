"""Tables people bring in: CSV or Excel files as other tools export them, read safely, one row at a time.

:func:`read_table` streams a CSV (UTF-8 with or without a byte-order mark, or Windows-1256; comma, semicolon,
tab or pipe between cells, double quotes around them) or an Excel workbook (its first sheet) and yields each
row as text. It never trusts a file: the delimiter is found by counting outside double quotes, so an
apostrophe that an export puts before ids and phones (``'+989121234567``) is a character like any other; a
workbook is read by ``emarketing.workbooks``, which checks its archive before unpacking anything and streams its
XML with no document type and no entities. Every file is read within the limits of ``emarketing.table_limits``
(its size, rows, columns, characters per cell and per row), checked before the rows they bound are held.

:func:`header_key`, :class:`Preset`, :func:`detect_preset` and :func:`suggest_columns` turn a header row into
the product's fields: by a vendor's known layout first (detected by its headers, never by the file's name),
then by the spellings marketers use. Every stage that imports a file (customers, order history) uses them.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _

from emarketing.digits import to_ascii_digits
from emarketing.table_limits import Limits, cell_too_long, check_file_size, check_row, line_too_long, too_many_rows
from emarketing.table_limits import TableProblem as TableProblem
from emarketing.workbooks import cell_text as cell_text
from emarketing.workbooks import excel_rows, workbook_row_estimate

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20
SNIFF_LINE_CHARS = 64 * 1024  # of each line looked at to find the delimiter


def detect_encoding(stream: IO[bytes], *, chunk_size: int = 1 << 20) -> str:
    """``utf-8-sig`` for UTF-8 with or without a BOM, otherwise ``cp1256`` (Windows Arabic/Persian).

    Scans the file in chunks with an incremental decoder, so memory stays flat; the stream is rewound. The scan
    is bounded by the file's size, which :func:`read_table` has checked against ``IMPORT_MAX_UPLOAD_BYTES``.
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


class _Record:
    """The row being read: its number, as a spreadsheet shows it, and its characters so far."""

    __slots__ = ("chars", "number")

    def __init__(self) -> None:
        self.number, self.chars = 1, 0


def _lines(text: io.TextIOWrapper, limits: Limits, record: _Record) -> Iterator[str]:
    """The lines of a text file, handed to ``csv.reader`` one at a time, so that no row is longer than
    ``limits.line_chars`` characters (its line breaks inside quotes counted, the one that ends it not).

    ``csv.field_size_limit`` is one setting for the whole process; this bound is the reader's own, and holds
    whatever another part of the process has set there: a line is never read past the limit.
    """
    limit = limits.line_chars
    readline = text.readline
    while line := readline(limit + 2):  # room for the "\r\n" after a row of exactly ``limit``
        record.chars += len(line)
        if record.chars > limit and record.chars - (len(line) - len(line.rstrip("\r\n"))) > limit:
            raise line_too_long(limits, record.number)
        yield line


def _csv_rows(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(stream)
    if encoding != "utf-16":
        sample = stream.read(64 * 1024)
        stream.seek(0)
        if b"\x00" in sample:  # text has no NUL bytes: a picture, a PDF, an old .xls
            raise TableProblem(_("The file is not a table: upload a CSV file or an Excel workbook (.xlsx)."))
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        head = [text.readline(SNIFF_LINE_CHARS) for _i in range(SNIFF_LINES)]
        text.seek(0)
        dialect = type("Detected", (_Dialect,), {"delimiter": sniff_delimiter(head)})
        record = _Record()
        reader = csv.reader(_lines(text, limits, record), dialect)
        columns, cell_chars = limits.columns, limits.cell_chars
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field larger than field limit" in str(error):  # Python's own limit, lower than ours
                    raise cell_too_long(limits, record.number, None) from error
                raise
            if len(cells) > columns or record.chars > cell_chars:  # a cell can be too long only in a long row
                check_row(cells, record.number, limits)
            yield record.number, cells
            record.number += 1
            record.chars = 0
    finally:
        if not stream.closed:  # a reader left unfinished is closed after its file
            text.detach()


def is_workbook(stream: IO[bytes]) -> bool:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    return magic == b"PK\x03\x04"


def _is_excel(stream: IO[bytes], name: str) -> bool:
    return is_workbook(stream) or name.lower().endswith((".xlsx", ".xlsm"))


@dataclass
class Table:
    """A file's header row and an iterator over its data rows (``(row number, cells)``; blank rows skipped)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]


def read_table(stream: IO[bytes], name: str = "") -> Table:
    """Open a CSV or Excel file (told apart by content; ``name`` only for a workbook with no signature).

    The file is read within :class:`~emarketing.table_limits.Limits`: its size is checked before a byte is
    read, a workbook's archive before it is unpacked, and each row as it comes (rows, columns, characters); a
    file over a limit raises :class:`TableProblem` naming it. Memory does not grow with the file.
    """
    limits = Limits.current()
    check_file_size(stream, limits)
    rows = excel_rows(stream, limits) if _is_excel(stream, name) else _csv_rows(stream, limits)
    try:
        number, first = next(rows)
    except StopIteration:
        raise TableProblem(_("The file is empty.")) from None
    except TableProblem:
        raise
    except (csv.Error, UnicodeDecodeError) as error:
        raise TableProblem(_("The file could not be read: %(error)s") % {"error": error}) from error
    last_row = limits.rows + 1  # the header is row 1
    if number > last_row:
        raise too_many_rows(limits)
    header = [str(cell).strip().lstrip("\ufeff").strip() for cell in first]

    def iterate() -> Iterator[tuple[int, list[str]]]:
        number = 1
        while True:
            try:
                number, raw = next(rows)
            except StopIteration:
                return
            except TableProblem:
                raise
            except (csv.Error, UnicodeDecodeError, ValueError) as error:
                message = _("The row could not be read: %(error)s") % {"error": error}
                raise TableProblem(message, row=number + 1) from error
            if number > last_row:
                raise too_many_rows(limits)
            if "".join(raw).strip():
                yield number, raw

    return Table(header=header, rows=iterate())


def estimate_rows(stream: IO[bytes], name: str = "", *, chunk_size: int = 1 << 20) -> int:
    """About how many data rows a file has, without reading them: its lines (CSV), or its sheet's declared size
    (Excel); 0 when it cannot tell (a file over the limits among them: reading it says why)."""
    try:
        if _is_excel(stream, name):
            return workbook_row_estimate(stream, Limits.current())
        lines = last = 0
        stream.seek(0)
        while chunk := stream.read(chunk_size):
            lines += chunk.count(b"\n")
            last = chunk[-1]
        return max(0, lines - (1 if last == ord("\n") else 0))
    except (TableProblem, OSError):
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
