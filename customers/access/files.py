"""The two files of a customer's data: one JSON document, or a zip with one CSV file per section.

JSON: ``{"exported_at": …, "sections": {"<key>": {"title": …, "columns": {"<key>": "<label>"}, "rows": […]}}}``,
dates and times in ISO 8601, decimals as strings (no rounding on the way), text as it is (not escaped to ASCII).

CSV: one file per section, named ``NN-<key>.csv`` in the order of the cycle, its first row the translated
column labels; UTF-8 with the byte-order mark, without which spreadsheets show Persian and Arabic as noise; every
cell passed through :func:`emarketing.exports.escape_cell`, so that a comment starting with ``=`` is shown and
never run.

Both are written to a temporary file that stays in memory while small and moves to disk beyond
``SPOOL_BYTES``; rows come a page at a time, so memory stays flat whatever the customer's history.
"""

import csv
import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from customers.access.registry import Section, personal_data_sections
from customers.models import Customer
from emarketing.exports import escape_cell

JSON = "json"
CSV = "csv"  # one CSV file per section, in a zip
FORMATS = (JSON, CSV)
SPOOL_BYTES = 4 * 1024 * 1024
_KEY = re.compile(r"[a-z][a-z0-9_]{0,40}")


@dataclass(frozen=True)
class PersonalDataFile:
    file: IO[bytes]  # read from the start; the caller closes it (a FileResponse does)
    content_type: str
    filename: str  # ASCII, safe in a Content-Disposition header


def plain(value: Any) -> Any:
    """A value as JSON carries it: dates and times in ISO 8601, decimals as strings, lazy text as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return str(value)


def cell(value: Any) -> str:
    """A value as a spreadsheet cell: empty for nothing, yes or no in the reader's language, never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return escape_cell(plain(value))


def _checked(sections: Iterable[Section]) -> list[Section]:
    listed = list(sections)
    for section in listed:
        if not _KEY.fullmatch(section.key):
            raise ValueError(f"A section's key is lower-case ASCII: {section.key!r}.")
    return listed


def _text(label: object) -> str:
    """A label or title as written: in the active language, capitalised as the admin shows them."""
    return capfirst(str(label or ""))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_json(sections: Iterable[Section], out: IO[bytes], *, exported_at: dt.datetime) -> None:
    """One JSON document of every section, written row by row to ``out``."""

    def put(text: str) -> None:
        out.write(text.encode("utf-8"))

    put('{"exported_at": ' + _dumps(plain(exported_at)) + ', "sections": {')
    for i, section in enumerate(_checked(sections)):
        columns = {column.key: _text(column.label) for column in section.columns}
        put(("," if i else "") + "\n" + _dumps(section.key) + ": {")
        put('"title": ' + _dumps(_text(section.title)) + ', "columns": ' + _dumps(columns) + ', "rows": [')
        for j, row in enumerate(section.rows()):
            values = {column.key: plain(row.get(column.key)) for column in section.columns}
            put(("," if j else "") + "\n  " + _dumps(values))
        put("]}")
    put("\n}}\n")


def csv_name(position: int, section: Section) -> str:
    return f"{position:02d}-{section.key}.csv"


def write_csv_zip(sections: Iterable[Section], out: IO[bytes], *, exported_at: dt.datetime) -> None:
    """A zip of one CSV file per section, written row by row to ``out``."""
    stamp = timezone.localtime(exported_at).timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for position, section in enumerate(_checked(sections), start=1):
            entry = zipfile.ZipInfo(csv_name(position, section), date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with io.TextIOWrapper(archive.open(entry, "w"), encoding="utf-8-sig", newline="") as text:
                writer = csv.writer(text)
                writer.writerow([escape_cell(_text(column.label)) for column in section.columns])
                for row in section.rows():
                    writer.writerow([cell(row.get(column.key)) for column in section.columns])


def personal_data_file(*, customer: Customer, fmt: str, now: dt.datetime | None = None) -> PersonalDataFile:
    """Everything the product holds about ``customer`` as a file in ``fmt`` (``JSON`` or ``CSV``), its labels in
    the active language. Raises ``ValueError`` for another format."""
    if fmt not in FORMATS:
        raise ValueError(f"No such format: {fmt!r}.")
    now = now or timezone.now()
    sections = personal_data_sections(customer=customer)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (handed to the response, which closes it)
    try:
        if fmt == JSON:
            write_json(sections, out, exported_at=now)
        else:
            write_csv_zip(sections, out, exported_at=now)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    if fmt == JSON:
        return PersonalDataFile(out, "application/json; charset=utf-8", f"personal-data-{customer.pk}-{stamp}.json")
    return PersonalDataFile(out, "application/zip", f"personal-data-{customer.pk}-{stamp}.zip")


def personal_data_response(exported: PersonalDataFile) -> FileResponse:
    """The file as a download: an attachment with an ASCII name, never kept by a cache or read as another type."""
    response = FileResponse(
        exported.file, as_attachment=True, filename=exported.filename, content_type=exported.content_type
    )
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
