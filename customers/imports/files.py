"""Reading a customer file: the table (``emarketing.tables``), its columns mapped to the product's fields.

:func:`read_rows` streams a file and yields each data row keyed by the product's field names. The mapping is
the one the marketer chose in the preview, or else the one suggested: a built-in or saved preset detected by
the file's headers, then the product's names and aliases.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from customers.imports.columns import ALIASES, FIELDS, KNOWN_READ_ONLY
from customers.imports.presets import PRESETS
from emarketing.tables import Preset, TableProblem, check_columns, detect_preset, header_key, read_table, values_of
from emarketing.tables import suggest_columns as suggest_table_columns

FileProblem = TableProblem


class MappingProblem(TableProblem):
    """The columns as mapped cannot make customers (no name, no contact, a field twice): the mapping must change."""

    def __init__(self, message: str, *, names: list[str], columns: list[str], preset: Preset | None) -> None:
        super().__init__(message)
        self.names, self.columns, self.preset = names, columns, preset


@dataclass
class Header:
    names: list[str]  # the file's own header, as written
    columns: list[str]  # the product's field for each position ("" when ignored)
    ignored: list[str] = field(default_factory=list)
    preset: Preset | None = None

    @property
    def present(self) -> set[str]:
        return {c for c in self.columns if c}


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
        if not target and name.strip() and header_key(name) not in KNOWN_READ_ONLY
    ]
    header = Header(names=names, columns=columns, ignored=ignored, preset=preset)
    present = header.present
    if "first_name" not in present and "full_name" not in present:
        message = _("No column is read as the first name (or the full name): choose one in the mapping.")
        raise MappingProblem(message, names=names, columns=columns, preset=preset)
    if "email" not in present and "phone" not in present:
        message = _("No column is read as the e-mail address or the phone: choose one in the mapping.")
        raise MappingProblem(message, names=names, columns=columns, preset=preset)
    return header


def suggest_columns(names: list[str], *, preset: Preset | None = None) -> list[str]:
    return suggest_table_columns(names, fields=FIELDS, aliases=ALIASES, preset=preset)


@dataclass
class RawRow:
    number: int  # the row number a spreadsheet shows: the header is row 1
    values: dict[str, Any]


def read_rows(
    stream: IO[bytes], name: str = "", *, columns: list[str] | None = None, presets: Iterable[Preset] = ()
) -> tuple[Header, Iterator[RawRow]]:
    """The header and an iterator over the data rows of a CSV or Excel file; blank rows are skipped."""
    table = read_table(stream, name)
    header = map_header(table.header, columns=columns, presets=presets)
    mapped = header.columns

    def iterate() -> Iterator[RawRow]:
        for number, raw in table.rows:
            yield RawRow(number=number, values=values_of(mapped, raw))

    return header, iterate()
