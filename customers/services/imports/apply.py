"""Customer import: every row checked, then applied all or nothing, in batches that keep memory flat.

One pass over the file inside one transaction: rows are cleaned, checked against the database for duplicate
e-mail addresses, and written batch by batch; if any row is at fault the whole transaction is rolled back and
the errors (row and column) are returned instead. A dry run does the same and always rolls back: that is the
preview. New customers are written per batch with one prepared ``INSERT`` run by ``executemany`` on SQLite and
with ``COPY … FROM STDIN`` on PostgreSQL, falling back to ``bulk_create`` on other databases; see
``docs/import.md``.
"""

import datetime as dt
import io
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.imports.columns import DATE_FIELDS
from customers.imports.files import FileProblem, Header, MappingProblem, read_rows
from customers.imports.rows import CleanRow, RowCleaner, RowError
from customers.models import Consent, ConsentEvent, ConsentSource, Customer, Occasion, OccasionKind
from customers.selectors import suppressed_among
from emarketing.bulk_insert import (
    COPY_ESCAPES,
    RowInserter,
    WriteBehind,
    copy_rows,
    copy_text,
    ids_by_value,
    reserve_ids,
)
from emarketing.cells import choose_date_format
from emarketing.table_limits import shorten_message
from emarketing.tables import Preset

logger = logging.getLogger(__name__)

ON_DUPLICATE_UPDATE = "update"
ON_DUPLICATE_REFUSE = "refuse"


class _Rollback(Exception):
    pass


class _Cancelled(_Rollback):
    pass


# Called after each batch with (rows read, errors so far); answering False cancels the import (nothing is kept).
Progress = Callable[[int, int], bool]


@dataclass
class ImportResult:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    consents_recorded: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the file's own column names
    mapping: list[str] = field(default_factory=list)  # the field each of them fills ("" for none)
    preset: Preset | None = None  # the layout detected by the headers
    date_formats: dict[str, str] = field(default_factory=dict)
    ambiguous_dates: list[str] = field(default_factory=list)  # date fields read in the default day/month order
    sample: list[CleanRow] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    truncated: bool = False  # a preview that looked at the first rows only
    cancelled: bool = False
    file_problem: str = ""  # why the file as a whole was refused (unreadable, over a limit): a job has failed

    def refuse_file(self, problem: FileProblem, limit: int) -> None:
        """The file as a whole cannot be read: its one error, and the reason a background job reports."""
        if not isinstance(problem, MappingProblem):
            self.file_problem = str(problem)
        self.add_error(RowError(problem.row, "—", str(problem)), limit)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

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
            return _("%(rows)d rows: %(created)d new customers, %(updated)d updated.") % {
                "rows": self.rows_read,
                "created": self.created,
                "updated": self.updated,
            }
        return _("%(count)d errors in %(rows)d rows; nothing was changed.") % {
            "count": self.error_count,
            "rows": self.rows_read,
        }


# ---------------------------------------------------------------------------------------------------------------
# Writing new customers fast


class _CustomerInserter:
    """Inserts plain rows into the customer table: each row a copy of one row of defaults with the file's values
    set, through :class:`RowInserter` on SQLite and one ``COPY`` per batch on PostgreSQL."""

    def __init__(self, *, now: dt.datetime, fast: bool, behind: WriteBehind) -> None:
        self.now, self.behind = now, behind
        self.fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default():
                default = f.get_default()
                self.defaults[f.attname] = now if callable(f.default) and isinstance(default, dt.datetime) else default
            else:
                self.defaults[f.attname] = None if f.null else ""
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.template = [self.defaults[f.attname] for f in self.fields]
        self.vendor = connection.vendor
        self.rows = RowInserter(Customer, [f.attname for f in self.fields], fast=fast, behind=behind)
        self.fast = self.rows.fast
        if self.vendor == "postgresql":
            # COPY in text format, the defaults written out once; the ids are taken from the table's sequence.
            self.copy_template = [copy_text(value) for value in self.template]
            table = connection.ops.quote_name(Customer._meta.db_table)
            # A concrete field always has its column; the stubs type it as optional (unset before the model is built).
            fields = [Customer._meta.pk, *self.fields]
            columns = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
            self.sql = f"COPY {table} ({columns}) FROM STDIN"

    def _row(self, values: dict[str, Any]) -> list[Any]:
        row = self.template.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return row

    def _copy(self, rows: list[dict[str, Any]]) -> list[int]:
        self.behind.wait()  # the connection is this thread's again
        ids = reserve_ids(Customer, len(rows))
        index = self.index
        buffer = io.StringIO()
        for cid, values in zip(ids, rows, strict=True):
            row = self.copy_template.copy()
            for name, value in values.items():
                row[index[name]] = value.translate(COPY_ESCAPES) if value.__class__ is str else copy_text(value)
            buffer.write(f"{cid}\t")
            buffer.write("\t".join(row))
            buffer.write("\n")
        copy_rows(self.sql, buffer, behind=self.behind)
        return ids

    def wait(self) -> None:
        """Return when the rows given so far are written (before this thread uses the connection again)."""
        self.behind.wait()

    def insert(self, rows: list[dict[str, Any]], *, need_ids: bool) -> list[int] | None:
        """Insert ``rows`` (field values); return their ids in order when ``need_ids``."""
        if not rows:
            return []
        if not self.fast:
            self.behind.wait()
            objs = Customer.objects.bulk_create([Customer(**{**self.defaults, **r}) for r in rows])
            return [o.pk for o in objs]
        if self.vendor == "postgresql":
            return self._copy(rows)
        ids = self.rows.insert([self._row(r) for r in rows], need_ids=need_ids)
        return ids if need_ids else None


# ---------------------------------------------------------------------------------------------------------------
# Consents and birthdays


def _record_consents(
    pairs: list[tuple[int, CleanRow]], *, by: User | None, now: dt.datetime, known_new: set[int], note: str
) -> int:
    """Current consent and its history for every explicit answer; only real changes are recorded."""
    wanted = {(cid, channel): granted for cid, row in pairs for channel, granted in row.consents.items()}
    if not wanted:
        return 0
    existing = {}
    old_ids = {cid for cid, _ in wanted if cid not in known_new}
    if old_ids:
        for consent in Consent.objects.filter(customer_id__in=old_ids):
            existing[(consent.customer_id, consent.channel)] = consent
    to_create, to_update, events = [], [], []
    for (cid, channel), granted in wanted.items():
        current = existing.get((cid, channel))
        if current is None:
            to_create.append(Consent(customer_id=cid, channel=channel, granted=granted, updated_at=now))
        elif current.granted != granted:
            current.granted, current.updated_at = granted, now
            to_update.append(current)
        else:
            continue
        events.append(
            ConsentEvent(
                customer_id=cid,
                channel=channel,
                granted=granted,
                source=ConsentSource.IMPORT,
                occurred_at=now,
                recorded_by=by,
                note=note,
            )
        )
    Consent.objects.bulk_create(to_create)
    Consent.objects.bulk_update(to_update, ["granted", "updated_at"])
    ConsentEvent.objects.bulk_create(events)
    return len(events)


def _record_birthdays(pairs: list[tuple[int, CleanRow]]) -> None:
    occasions = [
        Occasion(
            customer_id=cid,
            kind=OccasionKind.BIRTHDAY,
            label="",
            month=row.birthday.month,
            day=row.birthday.day,
            year=row.birthday.year,
        )
        for cid, row in pairs
        if row.birthday
    ]
    Occasion.objects.bulk_create(occasions, ignore_conflicts=True)


# ---------------------------------------------------------------------------------------------------------------
# The import


def _aware_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _apply_batch(
    batch: list[CleanRow],
    *,
    result: ImportResult,
    inserter: _CustomerInserter,
    on_duplicate: str,
    watermark: int,
    by: User | None,
    now: dt.datetime,
    update_fields: list[str],
    error_limit: int,
    note: str,
) -> None:
    emails = [r.customer["email"] for r in batch if r.customer["email"]]
    inserter.wait()  # the batches before are in the table: their addresses count as taken
    existing = ids_by_value(Customer, "email", emails, skip_empty=True)
    first_in_batch: dict[str, int] = {}
    new_rows, updates = [], []
    for row in batch:
        email = row.customer["email"]
        if email:
            if email in first_in_batch or existing.get(email, 0) > watermark:
                earlier = first_in_batch.get(email)
                message = (
                    _("This e-mail address already appears in row %(row)d.") % {"row": earlier}
                    if earlier
                    else _("This e-mail address already appears earlier in the file.")
                )
                result.add_error(RowError(row.number, "email", message), error_limit)
                continue
            first_in_batch[email] = row.number
            if email in existing:
                if on_duplicate == ON_DUPLICATE_REFUSE:
                    result.add_error(
                        RowError(
                            row.number,
                            "email",
                            _("A customer with this e-mail address already exists; this import refuses duplicates."),
                        ),
                        error_limit,
                    )
                else:
                    updates.append((existing[email], row))
                continue
        new_rows.append(row)
    if result.error_count:
        # Nothing will be kept: stop writing, keep checking the rest of the file for errors.
        return

    created_values = []
    # New customers whose address is on the suppression list start suppressed: one look-up per batch.
    listed = suppressed_among(r.customer["email"] for r in new_rows if r.customer["email"])
    for row in new_rows:
        values = dict(row.customer)
        since = values.pop("created_at", None)
        if since is not None:
            values["created_at"] = _aware_midnight(since)
        if listed and values.get("email") in listed:
            values["suppressed"] = True
        created_values.append(values)
    need_ids = any(r.consents or r.birthday for r in new_rows)
    ids = inserter.insert(created_values, need_ids=need_ids)
    result.created += len(new_rows)
    pairs = list(zip(ids, new_rows, strict=True)) if need_ids and ids is not None else []
    new_ids = {cid for cid, _ in pairs}
    if updates or pairs:
        inserter.wait()

    if updates:
        objs = Customer.objects.in_bulk([cid for cid, _ in updates])
        changed = []
        for cid, row in updates:
            obj = objs[cid]
            for name in update_fields:
                value = row.customer.get(name)
                if value in (None, ""):
                    continue
                if name == "created_at":
                    value = _aware_midnight(value)
                setattr(obj, name, value)
            obj.updated_at = now
            changed.append(obj)
        Customer.objects.bulk_update(changed, [*update_fields, "updated_at"], batch_size=500)
        result.updated += len(changed)
        pairs += [(cid, row) for cid, row in updates if row.consents or row.birthday]

    if pairs:
        result.consents_recorded += _record_consents(pairs, by=by, now=now, known_new=new_ids, note=note)
        _record_birthdays(pairs)


GUESS_ROWS = 20_000  # date values looked at to choose a column's format
GUESS_CHARS = 64  # of each value: no date is longer, and 20,000 cells of a file's longest would take gigabytes


def _date_formats(
    stream: IO[bytes], name: str, header: Header, given: dict[str, str], presets: list[Preset]
) -> tuple[dict[str, str], list[str]]:
    """The format of each date column: as given, else as the layout fixes it, else the one its values fit.

    Returns the formats and the fields read in the default order because both day/month and month/day fit.
    """
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
            values[f].append(str(raw.values.get(f) or "").strip().lstrip("'")[:GUESS_CHARS])
    stream.seek(0)
    for f in missing:
        fmt, was_ambiguous = choose_date_format(values[f], allow_no_year=DATE_FIELDS[f])
        if fmt:
            formats[f] = fmt
        if was_ambiguous:
            ambiguous.append(f)
    return formats, ambiguous


def customers_import(
    *,
    stream: IO[bytes],
    name: str = "",
    columns: list[str] | None = None,
    date_formats: dict[str, str] | None = None,
    presets: list[Preset] | None = None,
    on_duplicate: str = ON_DUPLICATE_UPDATE,
    by: User | AnonymousUser | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    batch_size: int | None = None,
    sample_size: int = 10,
    error_limit: int = 500,
    fast: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Import customers from a CSV or Excel file, all or nothing.

    ``on_duplicate`` says what happens to a row whose e-mail address is already a customer's: ``"update"``
    fills in the values the file gives (empty cells keep what is stored), ``"refuse"`` makes it an error.
    Consent is recorded only from explicit consent columns (source “import”). ``dry_run`` checks everything
    and changes nothing (the preview); ``limit`` looks at the first rows only. The result lists each error
    with its row and column; ``applied`` is True only when every row was written.
    """
    if on_duplicate not in (ON_DUPLICATE_UPDATE, ON_DUPLICATE_REFUSE):
        raise ValueError(on_duplicate)
    batch_size = batch_size or settings.CUSTOMER_IMPORT_BATCH_SIZE
    # (An AnonymousUser is never authenticated: named first so that ``by`` is a User or None from here on.)
    if isinstance(by, AnonymousUser) or (by is not None and not getattr(by, "is_authenticated", False)):
        by = None
    result = ImportResult(dry_run=dry_run)
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
    except FileProblem as problem:
        if isinstance(problem, MappingProblem):
            result.header, result.mapping, result.preset = problem.names, problem.columns, problem.preset
        result.refuse_file(problem, error_limit)
        return result
    result.header, result.mapping, result.preset = header.names, header.columns, header.preset
    result.date_formats = formats
    note = _("Customer import: %(file)s") % {"file": name} if name else _("Customer import")
    result.ignored_columns = header.ignored
    result.columns = [c for c in header.columns if c]
    update_fields = [c for c in result.columns if c in {f.attname for f in Customer._meta.concrete_fields}]
    if "customer_since" in result.columns:
        update_fields.append("created_at")
    if "full_name" in result.columns:
        update_fields += [f for f in ("first_name", "last_name") if f not in update_fields]
    now = timezone.now()
    if limit is not None:
        rows = itertools.islice(rows, limit)
        result.truncated = True

    try:
        # Writing behind: the database writes one batch while the next is read and cleaned.
        with transaction.atomic(), WriteBehind() as behind:
            watermark = Customer.objects.aggregate(m=Max("id"))["m"] or 0
            inserter = _CustomerInserter(now=now, fast=fast, behind=behind)
            batch: list[CleanRow] = []
            clean_row = RowCleaner(header.present, formats=formats)
            for raw in rows:
                result.rows_read += 1
                row, errors = clean_row(raw)
                for error in errors:
                    result.add_error(error, error_limit)
                if row is None:
                    continue
                if len(result.sample) < sample_size:
                    result.sample.append(row)
                batch.append(row)
                if len(batch) >= batch_size:
                    _apply_batch(
                        batch,
                        result=result,
                        inserter=inserter,
                        on_duplicate=on_duplicate,
                        watermark=watermark,
                        by=by,
                        now=now,
                        update_fields=update_fields,
                        error_limit=error_limit,
                        note=note,
                    )
                    batch = []
                    if progress is not None and not progress(result.rows_read, result.error_count):
                        raise _Cancelled
            _apply_batch(
                batch,
                result=result,
                inserter=inserter,
                on_duplicate=on_duplicate,
                watermark=watermark,
                by=by,
                now=now,
                update_fields=update_fields,
                error_limit=error_limit,
                note=note,
            )
            if result.error_count or dry_run:
                raise _Rollback
    except FileProblem as problem:  # the file broke off in the middle, or went over a limit: nothing is kept
        result.refuse_file(problem, error_limit)
    except _Cancelled:
        result.cancelled = True
    except _Rollback:
        pass
    if result.truncated and limit is not None and result.rows_read < limit:
        result.truncated = False
    if result.rows_read == 0 and not result.error_count:
        result.add_error(RowError(2, "—", _("The file has no data rows.")), error_limit)
    if progress is not None and not result.cancelled:
        progress(result.rows_read, result.error_count)
    result.applied = result.ok and not dry_run and not result.cancelled
    if not result.ok or result.cancelled:
        result.created = result.updated = result.consents_recorded = 0
    return result
