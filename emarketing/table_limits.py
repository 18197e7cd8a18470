"""The limits within which a file people bring in is read, and the problems that refuse it.

Every reader of a table (``emarketing.tables`` for CSV, ``emarketing.workbooks`` for Excel) takes its limits from
:meth:`Limits.current`, so a deployment sets them once (the "File limits" block of the settings) and every import
(customers, order history, the suppression list) obeys them. A file over a limit raises :class:`TableProblem`
with a message that names the limit, before anything is written: the imports are all or nothing, so nothing is
kept of a file refused halfway either.
"""

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _


class TableProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, size), or breaks off at ``row``."""

    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


class LimitExceeded(TableProblem):
    """The file is over one of the :class:`Limits`: refused whole, whatever it holds."""


@dataclass(frozen=True)
class Limits:
    """How much of a file is read. Sizes in bytes, lengths in characters; rows do not count the header."""

    file_bytes: int  # IMPORT_MAX_UPLOAD_BYTES: the file itself, as uploaded or stored
    rows: int  # IMPORT_MAX_ROWS
    columns: int  # IMPORT_MAX_COLUMNS
    cell_chars: int  # IMPORT_MAX_CELL_CHARS
    line_chars: int  # IMPORT_MAX_LINE_CHARS: one row, its cells together (a CSV record, quoted line breaks in)
    unpacked_bytes: int  # IMPORT_XLSX_MAX_UNPACKED_BYTES: a workbook's parts together
    member_bytes: int  # IMPORT_XLSX_MAX_MEMBER_BYTES: one part that is not a worksheet or the shared strings
    shared_strings_bytes: int  # IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES
    ratio: int  # IMPORT_XLSX_MAX_RATIO: unpacked size over packed size, for a part or the whole
    members: int  # IMPORT_XLSX_MAX_MEMBERS: parts in a workbook's archive

    @classmethod
    def current(cls) -> "Limits":
        return cls(
            file_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            line_chars=settings.IMPORT_MAX_LINE_CHARS,
            unpacked_bytes=settings.IMPORT_XLSX_MAX_UNPACKED_BYTES,
            member_bytes=settings.IMPORT_XLSX_MAX_MEMBER_BYTES,
            shared_strings_bytes=settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES,
            ratio=settings.IMPORT_XLSX_MAX_RATIO,
            members=settings.IMPORT_XLSX_MAX_MEMBERS,
        )


MESSAGE_CHARS = 300  # of an error message kept for a row: it may quote a whole cell


def shorten_message(message: str) -> str:
    """A row's error message as kept and shown: a cell it quotes is cut, so 500 kept errors stay small."""
    return message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"


def size_text(size: int) -> str:
    return str(filesizeformat(size))


def count_text(count: int) -> str:
    return number_format(count, force_grouping=True)


def file_too_large(limit: int) -> str:
    return _("The file is larger than %(limit)s, the largest file an import accepts. Nothing was imported.") % {
        "limit": size_text(limit)
    }


def check_file_size(stream: IO[bytes], limits: Limits) -> None:
    """Refuse a file over ``limits.file_bytes`` by its size alone, before a byte of it is read."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > limits.file_bytes:
        raise LimitExceeded(file_too_large(limits.file_bytes))


def too_many_rows(limits: Limits) -> LimitExceeded:
    message = _("The file has more than %(limit)s rows, the most one import reads. Split it into smaller files.")
    return LimitExceeded(message % {"limit": count_text(limits.rows)}, row=limits.rows + 2)


def too_many_columns(limits: Limits, row: int) -> LimitExceeded:
    message = _("Row %(row)s has more than %(limit)s columns, the most an import reads.")
    return LimitExceeded(message % {"row": row, "limit": count_text(limits.columns)}, row=row)


def cell_too_long(limits: Limits, row: int, column: int | None) -> LimitExceeded:
    values = {"row": row, "column": column, "limit": count_text(limits.cell_chars)}
    if column is None:
        message = _("Row %(row)s holds a cell of more than %(limit)s characters, the most an import reads in one cell.")
    else:
        message = _(
            "Row %(row)s, column %(column)s holds more than %(limit)s characters, the most an import reads in one cell."
        )
    return LimitExceeded(message % values, row=row)


def line_too_long(limits: Limits, row: int) -> LimitExceeded:
    message = _("Row %(row)s is longer than %(limit)s characters, the most an import reads in one row.")
    return LimitExceeded(message % {"row": row, "limit": count_text(limits.line_chars)}, row=row)


def check_row(cells: list[str], number: int, limits: Limits) -> None:
    """Refuse a row with too many columns, too long a cell, or too many characters in all."""
    if len(cells) > limits.columns:
        raise too_many_columns(limits, number)
    lengths = list(map(len, cells))
    if lengths and max(lengths) > limits.cell_chars:
        raise cell_too_long(limits, number, next(i for i, n in enumerate(lengths, 1) if n > limits.cell_chars))
    if sum(lengths) > limits.line_chars:
        raise line_too_long(limits, number)
