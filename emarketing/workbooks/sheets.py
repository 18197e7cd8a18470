"""A workbook's first worksheet as rows of text: its structure (which part is the sheet, which styles are dates),
the shared strings, packed, and the sheet, streamed."""

import datetime as dt
import posixpath
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.xml.constants import XLSM, XLSX, XLTM, XLTX

from emarketing.table_limits import (
    LimitExceeded,
    Limits,
    TableProblem,
    cell_too_long,
    count_text,
    line_too_long,
    too_many_columns,
    too_many_rows,
)

from .archive import Archive, strings_too_large, unreadable
from .xml_stream import Stop, local_name, parse, parse_steps

WORKBOOK_TYPES = (XLSX, XLSM, XLTX, XLTM)
SHEETS_LOOKED_AT = 100  # sheets of workbook.xml considered when looking for the first worksheet
CUSTOM_FORMATS_KEPT = 1000  # number formats of styles.xml looked at (Excel allows about 250)
CELL_STYLES_KEPT = 65536  # cell styles looked at (Excel allows 64,000)
_DIGITS = "0123456789"


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


# --- the workbook's structure -----------------------------------------------------------------------------------


@dataclass
class _Book:
    sheet: str  # the part of the first worksheet
    strings: str = ""  # the shared strings' part, if any
    epoch: dt.datetime = CALENDAR_WINDOWS_1900
    date_styles: set[str] = field(default_factory=set)  # cell styles (the ``s`` of a cell) that make a date
    timedelta_styles: set[str] = field(default_factory=set)


def _workbook_part(archive: Archive) -> str:
    found: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if local_name(name) == "Override" and attrs.get("ContentType") in WORKBOOK_TYPES:
            found.append(attrs.get("PartName", "").lstrip("/"))
            raise Stop

    if "[Content_Types].xml" in archive.sizes:
        parse(archive.open("[Content_Types].xml"), start)
    for name in (*found, "xl/workbook.xml"):
        if name in archive.sizes:
            return name
    raise unreadable()


@dataclass
class _Relations:
    sheets: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (type, part), of the ids wanted
    styles: str = "xl/styles.xml"
    strings: str = "xl/sharedStrings.xml"


def _relationships(archive: Archive, part: str, wanted: set[str]) -> _Relations:
    """The parts ``part`` relates to: those of the ids wanted, the first styles and the first shared strings."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{base}.rels")
    found = _Relations()
    seen: set[str] = set()

    def start(name: str, attrs: dict[str, str]) -> None:
        if local_name(name) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        key, kind, target = attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")
        path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
        if key in wanted:
            found.sheets[key] = (kind, path)
        elif kind.endswith("/styles") and "styles" not in seen:
            found.styles = path
            seen.add("styles")
        elif kind.endswith("/sharedStrings") and "strings" not in seen:
            found.strings = path
            seen.add("strings")

    if rels in archive.sizes:
        parse(archive.open(rels), start)
    return found


def _styles(archive: Archive, part: str, book: _Book) -> None:
    """The cell styles whose number format is a date (or a duration), from ``styles.xml``."""
    custom: dict[int, str] = {}
    formats = array("l")
    in_cell_styles = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_styles
        local = local_name(name)
        if local == "numFmt" and len(custom) < CUSTOM_FORMATS_KEPT:
            code = attrs.get("numFmtId", "")
            if code.isdigit():
                custom[int(code)] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            in_cell_styles = True
        elif local == "xf" and in_cell_styles and len(formats) < CELL_STYLES_KEPT:
            code = attrs.get("numFmtId", "0")
            formats.append(int(code) if code.isdigit() and len(code) < 9 else 0)

    def end(name: str) -> None:
        nonlocal in_cell_styles
        if local_name(name) == "cellXfs":
            in_cell_styles = False

    parse(archive.open(part), start, end)
    for index, code in enumerate(formats):
        text = custom.get(code) or BUILTIN_FORMATS.get(code)
        if is_date_format(text):
            book.date_styles.add(str(index))
        if is_timedelta_format(text):
            book.timedelta_styles.add(str(index))


def _book(archive: Archive) -> _Book:
    workbook = _workbook_part(archive)
    ids: list[str] = []
    date1904 = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal date1904
        local = local_name(name)
        if local == "workbookPr":
            date1904 = attrs.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet" and len(ids) < SHEETS_LOOKED_AT:
            ids.append(next((value for key, value in attrs.items() if key.endswith(":id")), ""))

    parse(archive.open(workbook), start)
    relations = _relationships(archive, workbook, set(ids))
    sheets = relations.sheets
    sheet = next(
        (
            sheets[key][1]
            for key in ids
            if key in sheets and "chartsheet" not in sheets[key][0] and sheets[key][1] in archive.sizes
        ),
        None,
    )
    if sheet is None:
        raise TableProblem(_("The workbook has no worksheet to read."))
    book = _Book(sheet=sheet, epoch=CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    if relations.styles in archive.sizes:
        _styles(archive, relations.styles, book)
    strings = relations.strings
    if strings in archive.sizes:
        if archive.sizes[strings] > archive.limits.shared_strings_bytes:
            raise strings_too_large(archive.sizes[strings], archive.limits)
        book.strings = strings
    return book


# --- shared strings -------------------------------------------------------------------------------------------


class SharedStrings:
    """The workbook's table of texts that cells refer to by number, packed: UTF-8 and an end offset each (4 bytes,
    unless the table may pass 4 GiB)."""

    def __init__(self, most: int = 0) -> None:
        self.data = bytearray()
        self.ends = array("I" if most < 2**32 else "Q")

    def __len__(self) -> int:
        return len(self.ends)

    def add(self, text: str) -> None:
        self.data += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.data))

    def get(self, index: int) -> str:
        start = self.ends[index - 1] if index else 0
        return self.data[start : self.ends[index]].decode("utf-8", "surrogatepass")


def _shared_strings(archive: Archive, part: str, limits: Limits) -> SharedStrings:
    """The shared strings, each the text of its ``t`` elements (not those of phonetic runs); none longer than a
    cell may be."""
    table = SharedStrings(limits.shared_strings_bytes)
    packed, ends = table.data, table.ends
    cell_max = limits.cell_chars
    pieces: list[str] = []
    length = phonetic = 0
    collecting = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal length, phonetic, collecting
        if name == "t":
            collecting = not phonetic
        elif name == "si":
            pieces.clear()
            length = 0
        elif ":" in name:
            start(name.rpartition(":")[2], attrs)
        elif name == "rPh":
            phonetic += 1

    def end(name: str) -> None:
        nonlocal phonetic, collecting
        if name == "t":
            collecting = False
        elif name == "si":
            text = pieces[0] if len(pieces) == 1 else "".join(pieces)
            packed.extend(text.replace("x005F_", "").encode("utf-8", "surrogatepass"))
            ends.append(len(packed))
        elif ":" in name:
            end(name.rpartition(":")[2])
        elif name == "rPh":
            phonetic -= 1

    def data(text: str) -> None:
        nonlocal length
        if collecting:
            length += len(text)
            if length > cell_max:
                message = _(
                    "The workbook holds a text of more than %(limit)s characters, the most an import reads in one cell."
                )
                raise LimitExceeded(message % {"limit": count_text(cell_max)})
            pieces.append(text)

    parse(archive.open(part), start, end, data)
    return table


# --- the sheet ------------------------------------------------------------------------------------------------


def _too_much_text(limits: Limits) -> LimitExceeded:
    message = _(
        "The workbook's cells hold more than %(limit)s characters in all, the most an import reads from one workbook "
        "(as much as it may unpack to): its shared strings are repeated too often."
    )
    return LimitExceeded(message % {"limit": count_text(limits.unpacked_bytes)})


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _sheet_rows(
    archive: Archive, book: _Book, strings: SharedStrings, limits: Limits
) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of the first worksheet, streamed: rows, columns and characters checked as they come.

    The parser is fed a chunk at a time and makes every row the chunk finishes. Those rows wait, until the chunk is
    parsed, as what the XML says: each cell's column and its text, or the number of its shared string. A row is
    spread into its columns and its shared strings decoded only when it is handed on, one at a time, so that a few
    bytes of XML (``<c r="ALL7" t="s"><v>3</v></c>``) never wait as a thousand columns or a long text.

    The handlers run once per tag of a sheet that may hold millions of cells: they test the commonest tags first,
    and a tag written with a namespace prefix (``x:c``) is handled as the same tag without it.
    """
    max_row, max_column, cell_max, line_max = limits.rows + 1, limits.columns, limits.cell_chars, limits.line_chars
    date_styles, timedelta_styles, epoch = book.date_styles, book.timedelta_styles, book.epoch
    string_count, string_at = len(strings), strings.get
    text_max, text_read = limits.unpacked_bytes, 0  # characters of all the cells together
    columns: dict[str, int] = {}
    ready: list[tuple[int, list[tuple[int, str | int]]]] = []
    in_data = in_cell = collecting = False
    row: list[tuple[int, str | int]] = []  # (column, text or shared string's number)
    pieces: list[str] = []
    number = last = row_chars = column = length = phonetic = 0
    kind = style = ""

    def column_of(ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        found = columns.get(letters)
        if found is not None:
            return found
        value = 0
        for char in letters.upper():
            if not "A" <= char <= "Z" or value > max_column:
                break
            value = value * 26 + ord(char) - 64
        if not value:
            return column + 1
        if value <= max_column:
            columns[letters] = value
        return value

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_data, in_cell, collecting, row, pieces, number, row_chars, column, length, phonetic, kind, style
        if name == "c":
            if not in_data:
                return
            ref = attrs.get("r")
            column = column_of(ref) if ref else column + 1
            if column > max_column:
                raise too_many_columns(limits, number)
            kind, style = attrs.get("t", "n"), attrs.get("s", "")
            pieces, length, in_cell = [], 0, True
        elif name == "v":
            collecting = in_cell and kind != "inlineStr"
        elif name == "row":
            if not in_data:
                return
            given = attrs.get("r", "")
            number = int(given) if given.isdigit() and len(given) < 10 else last + 1
            if number <= last:
                number = last + 1
            if number > max_row:
                raise too_many_rows(limits)
            row, row_chars, column = [], 0, 0
        elif name == "t":
            collecting = in_cell and kind == "inlineStr" and not phonetic
        elif name == "is":
            return
        elif ":" in name:
            start(name.rpartition(":")[2], attrs)
        elif name == "rPh":
            phonetic += 1
        elif name == "sheetData":
            in_data = True

    def value_of(text: str) -> str:
        if kind in ("inlineStr", "str", "e") or not text:
            return text
        if kind == "b":
            return {"1": "True", "0": "False"}.get(text.strip(), text)
        try:
            if kind == "d":
                return cell_text(dt.datetime.fromisoformat(text))
            value = _number(text)
            if style and style in date_styles:
                return cell_text(from_excel(value, epoch, timedelta=style in timedelta_styles))
        except (ValueError, OverflowError, TypeError):
            return text
        return cell_text(value)

    def end(name: str) -> None:
        nonlocal in_data, in_cell, collecting, row_chars, last, phonetic, text_read
        if name == "v" or name == "t":
            collecting = False
        elif name == "c":
            if not in_cell:
                return
            in_cell = collecting = False
            text = pieces[0] if len(pieces) == 1 else "".join(pieces)
            item: str | int
            if kind == "s":
                item = int(text) if text.isdigit() else -1
                if not 0 <= item < string_count:
                    message = _("Row %(row)s refers to a shared string the workbook does not have.")
                    raise TableProblem(message % {"row": number}, row=number)
                size = len(string_at(item))  # measured now, decoded again when the row is handed on
            else:
                item = value_of(text)
                size = len(item)
            if not size:
                return
            if size > cell_max:
                raise cell_too_long(limits, number, column)
            row_chars += size
            if row_chars > line_max:
                raise line_too_long(limits, number)
            text_read += size
            if text_read > text_max:
                raise _too_much_text(limits)
            row.append((column, item))
        elif name == "is":
            return
        elif name == "row":
            if in_data:
                ready.append((number, row))
                last = number
        elif ":" in name:
            end(name.rpartition(":")[2])
        elif name == "rPh":
            phonetic -= 1
        elif name == "sheetData":
            in_data = False

    def data(text: str) -> None:
        nonlocal length
        if collecting:
            length += len(text)
            if length > cell_max:
                raise cell_too_long(limits, number, column)
            pieces.append(text)

    for _step in parse_steps(archive.open(book.sheet), start, end, data):
        for at, cells in ready:
            spread = [""] * max((place for place, _item in cells), default=0)
            for place, item in cells:
                spread[place - 1] = string_at(item) if isinstance(item, int) else item
            yield at, spread
        ready.clear()


def excel_rows(stream: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of a workbook's first worksheet, as text, read within ``limits``.

    Nothing is unpacked before the archive is judged; the shared strings are read (and held, packed) before the
    first row; then the sheet streams, one chunk of XML at a time.
    """
    archive = Archive(stream, limits)
    book = _book(archive)
    strings = _shared_strings(archive, book.strings, limits) if book.strings else SharedStrings()
    yield from _sheet_rows(archive, book, strings, limits)


def workbook_row_estimate(stream: IO[bytes], limits: Limits) -> int:
    """The data rows a workbook's first sheet declares (its ``dimension``), without reading them; 0 if it does not
    say."""
    archive = Archive(stream, limits)
    book = _book(archive)
    found: list[int] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "dimension":
            last = attrs.get("ref", "").rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
            if last.isdigit() and len(last) < 10:
                found.append(int(last))
            raise Stop
        if local == "sheetData":
            raise Stop

    parse(archive.open(book.sheet), start)
    return max(0, found[0] - 1) if found else 0
