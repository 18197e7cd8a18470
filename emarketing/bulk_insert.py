"""Plain rows into one table, fast: ``INSERT`` statements of many rows each on SQLite, ``COPY … FROM STDIN``
on PostgreSQL (psycopg2), ``bulk_create`` elsewhere or when asked (``fast=False``).

Rows are sequences of Python values in the order of the ``fields`` given; no model instance is built on the fast
paths, no ``save()`` runs and no signal is sent. The caller validates the values first; the database's
constraints still hold. When the ids are needed they are returned in the rows' order: on PostgreSQL they are
taken from the table's sequence before the ``COPY``; on SQLite they are the consecutive rowids the statements get
under the transaction's write lock (checked).
"""

import datetime as dt
import io
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

# Rows in one SQLite ``INSERT … VALUES (…), (…)``: one statement for many rows costs the database about half of
# what ``executemany`` of a one-row statement does; the number of "?" in a statement is also bounded.
SQLITE_ROWS_PER_STATEMENT = 1000

COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def ids_by_value(
    model: type[models.Model], field: str, values: Iterable[str], *, skip_empty: bool = False
) -> dict[str, int]:
    """``{value: id}`` of the rows whose ``field`` holds one of ``values``; where rows share a value, the oldest.

    One query per batch, written out because building a thousand-value ``IN`` through the ORM costs more than
    running it. On PostgreSQL each value is looked up in the index by a subquery: with an ``IN`` list the planner,
    going by statistics from before the import, scans the whole table that the import is filling (12 ms against
    3 ms for 1,000 addresses among 100,000 customers). ``skip_empty`` repeats a partial index's
    ``NOT (field = '')`` so that the index is used.
    """
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return {}
    quote = connection.ops.quote_name
    column = quote(cast(str, cast("models.Field[Any, Any]", model._meta.get_field(field)).column))
    table, pk = quote(model._meta.db_table), quote(cast(str, model._meta.pk.column))
    condition = f" AND NOT (t.{column} = '')" if skip_empty else ""
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = (
                f"SELECT v.value, (SELECT min(t.{pk}) FROM {table} t WHERE t.{column} = v.value{condition}) "  # noqa: S608
                "FROM unnest(%s::text[]) AS v(value)"
            )
            cursor.execute(sql, [wanted])
            return {value: pk_ for value, pk_ in cursor.fetchall() if pk_ is not None}
        size = connection.features.max_query_params or 999
        for start in range(0, len(wanted), size):
            chunk = wanted[start : start + size]
            placeholders = ", ".join(["%s"] * len(chunk))
            sql = (
                f"SELECT t.{column}, t.{pk} FROM {table} t WHERE t.{column} IN ({placeholders}){condition} "  # noqa: S608
                f"ORDER BY t.{pk} DESC"
            )
            cursor.execute(sql, chunk)
            found.update(cursor.fetchall())  # the oldest row comes last and stays
    return found


# The COPY text of a value, by its exact class (anything else: ``copy_text``).
_COPY_FORMATS: dict[type, Callable[[Any], str]] = {
    str: lambda v: v.translate(COPY_ESCAPES),
    int: int.__str__,
    float: float.__repr__,
    Decimal: Decimal.__str__,
    type(None): lambda v: "\\N",
    bool: lambda v: "t" if v else "f",
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
}


def _sqlite_datetime(value: dt.datetime) -> str:
    """What Django's SQLite backend stores for a moment (``adapt_datetimefield_value``): UTC, without the offset."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(" ")


def has_copy() -> bool:
    try:
        import psycopg2  # type: ignore[import-untyped]  # noqa: F401  - only probed for; no stubs installed
    except ImportError:
        return False
    return True


def _chunk_sizes(total: int, size: int) -> list[int]:
    """``total`` rows as full statements of ``size`` rows, the rest in powers of two: SQLite compiles and keeps
    each distinct statement, so a batch of any length uses at most a dozen shapes (a shape per length would keep
    a hundred large compiled statements, tens of megabytes)."""
    sizes = [size] * (total // size)
    rest = total % size
    bit = 1 << rest.bit_length()
    while rest:
        bit >>= 1
        if rest & bit:
            sizes.append(bit)
            rest -= bit
    return sizes


class RowInserter:
    """Inserts rows of ``fields`` (attribute names, e.g. ``customer_id``) into ``model``'s table."""

    def __init__(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        *,
        fast: bool = True,
        behind: "WriteBehind | None" = None,
    ) -> None:
        self.model = model
        self.behind = behind
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        # Fields the model stamps on every save (``updated_at``: auto_now, auto_now_add) and the rows do not name
        # get the time of the insert, as ``save()`` and ``bulk_create()`` would give them.
        self.stamped = [
            name
            for name, f in by_name.items()
            if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and name not in fields
        ]
        self.fields = [*fields, *self.stamped]
        self.datetimes = [i for i, name in enumerate(self.fields) if isinstance(by_name[name], models.DateTimeField)]
        self.vendor = connection.vendor
        self.fast = fast and (self.vendor == "sqlite" or (self.vendor == "postgresql" and has_copy()))
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        # A concrete field always has its column; the stubs type it as optional.
        self.columns = [quote(cast(str, by_name[name].column)) for name in self.fields]
        self.pk = quote(cast(str, model._meta.pk.column))
        self._per_statement: int | None = None
        self._statements: dict[int, str] = {}

    def insert(self, rows: Sequence[Sequence[Any]], *, need_ids: bool = False) -> list[int]:
        """Insert ``rows``; their ids in order when ``need_ids`` (else an empty list)."""
        if not rows:
            return []
        if self.stamped:
            now = timezone.now()
            stamps = (now,) * len(self.stamped)
            rows = [(*row, *stamps) for row in rows]
        if not self.fast:
            if self.behind is not None:
                self.behind.wait()
            objs = self.model._default_manager.bulk_create(
                [self.model(**dict(zip(self.fields, row, strict=True))) for row in rows]
            )
            return [cast(int, o.pk) for o in objs] if need_ids else []
        if self.vendor == "postgresql":
            return self._copy(rows, need_ids=need_ids)
        return self._sqlite(rows, need_ids=need_ids)

    def _sqlite(self, rows: Sequence[Sequence[Any]], *, need_ids: bool) -> list[int]:
        datetimes = self.datetimes

        def values(chunk: Sequence[Sequence[Any]]) -> list[Any]:
            flat = [value for row in chunk for value in row]
            if datetimes:
                width = len(self.fields)
                for start in range(0, len(flat), width):
                    for i in datetimes:
                        value = flat[start + i]
                        if value is not None:
                            flat[start + i] = _sqlite_datetime(value)
            return flat

        connection.ensure_connection()
        raw = connection.connection
        size = self._rows_per_statement(raw)
        # The driver's own connection, with "?" placeholders: Django's cursor would rewrite every "%s" of a long
        # statement. The database runs each statement without holding the GIL.
        statements, start = [], 0
        for count in _chunk_sizes(len(rows), size):
            statements.append((self._statement(count), values(rows[start : start + count])))
            start += count
        if self.behind is not None:
            if not need_ids:  # behind the writes given before, in order
                self.behind.submit(_run_statements, raw, statements)
                return []
            self.behind.wait()  # the rows written before come first: the ids follow theirs
        _run_statements(raw, statements)
        if not need_ids:
            return []
        with connection.wrap_database_errors:
            last = raw.execute("SELECT last_insert_rowid()").fetchone()[0]
        # The statements ran one after another under the transaction's write lock: SQLite numbered the rows
        # consecutively (checked).
        ids = list(range(last - len(rows) + 1, last + 1))
        manager = self.model._default_manager
        if manager.filter(pk__gte=ids[0], pk__lte=ids[-1]).count() != len(ids):  # pragma: no cover
            raise RuntimeError(f"{self.model.__name__} ids were not assigned consecutively")
        return ids

    def _rows_per_statement(self, raw: Any) -> int:
        if self._per_statement is None:
            try:
                limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            except AttributeError:  # pragma: no cover - Python before 3.11
                limit = 999
            self._per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // len(self.fields)))
        return self._per_statement

    def _statement(self, count: int) -> str:
        sql = self._statements.get(count)
        if sql is None:
            row = "(" + ", ".join(["?"] * len(self.fields)) + ")"
            sql = f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES {', '.join([row] * count)}"  # noqa: S608
            self._statements[count] = sql
        return sql

    def _copy(self, rows: Sequence[Sequence[Any]], *, need_ids: bool) -> list[int]:
        ids: list[int] = []
        if need_ids:
            if self.behind is not None:
                self.behind.wait()  # the connection is the caller's again
            ids = reserve_ids(self.model, len(rows))
        buffer = io.StringIO()
        write = buffer.write
        formats = _COPY_FORMATS
        for n, row in enumerate(rows):
            cells = [formats.get(v.__class__, copy_text)(v) for v in row]
            if need_ids:
                write(f"{ids[n]}\t")
            write("\t".join(cells))
            write("\n")
        columns = ", ".join([self.pk, *self.columns] if need_ids else self.columns)
        copy_rows(f"COPY {self.table} ({columns}) FROM STDIN", buffer, behind=self.behind)
        return ids


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new ids from ``model``'s sequence on PostgreSQL (the rows are then written with them)."""
    meta = model._meta
    sequence = _SEQUENCES.get(meta.db_table)
    with connection.cursor() as cursor:
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            sequence = _SEQUENCES[meta.db_table] = cursor.fetchone()[0]
        # The sequence named once, not per row: three times faster for a batch of 1,000.
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [r[0] for r in cursor.fetchall()]


_SEQUENCES: dict[str, str] = {}


def copy_rows(sql: str, buffer: io.StringIO, *, behind: "WriteBehind | None" = None) -> None:
    """Run ``COPY … FROM STDIN`` with the rows in ``buffer``: at once, or behind when ``behind`` is given."""
    buffer.seek(0)
    connection.ensure_connection()
    raw = connection.connection
    if behind is None:
        _copy_expert(raw, sql, buffer)
    else:
        behind.submit(_copy_expert, raw, sql, buffer)


def _copy_expert(raw: Any, sql: str, buffer: io.StringIO) -> None:
    with connection.wrap_database_errors, raw.cursor() as cursor:
        # All of it in one read: psycopg2 then waits for the server without holding the GIL.
        cursor.copy_expert(sql, buffer, size=max(len(buffer.getvalue()), 8192))


def _run_statements(raw: Any, statements: list[tuple[str, list[Any]]]) -> None:
    with connection.wrap_database_errors:
        for sql, params in statements:
            raw.execute(sql, params)


@contextmanager
def checked_as_written(*written: type[models.Model]) -> Iterator[None]:
    """Inside a transaction on PostgreSQL: the foreign keys of the tables in ``written`` checked by each statement
    rather than all at the commit.

    Django declares foreign keys ``DEFERRABLE INITIALLY DEFERRED``; for an import of a million rows the checks
    queued for the commit then run at once, in the caller's thread, after everything else. Checked as written they
    run inside the ``COPY`` statements, behind, while the next batch is cleaned. Elsewhere it does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        names = [
            name
            for model in written
            for name, details in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
            if details["foreign_key"]
        ]
    if not names:
        yield
        return
    listed = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {listed} IMMEDIATE")
    try:
        yield
    finally:
        # As Django declared them again, for the rest of the transaction; unless a statement failed, and the
        # transaction (or its savepoint) can only be rolled back.
        if int(connection.connection.info.transaction_status) != _IN_FAILED_TRANSACTION:
            with connection.cursor() as cursor:
                cursor.execute(f"SET CONSTRAINTS {listed} DEFERRED")


_IN_FAILED_TRANSACTION = 3  # libpq's PQTRANS_INERROR, as psycopg2 and psycopg report it


class WriteBehind:
    """Lets the database write one batch while the caller reads and cleans the next.

    Inserts given to it (``RowInserter(..., behind=...)``) that need no ids back run on one helper thread, in the
    order given, on the caller's own connection and so in its transaction. Before the caller uses the connection
    itself (to look rows up, or to commit) it calls :meth:`wait`; an inserter does so before it writes. An error of
    a write is raised by :meth:`wait`. Used as a context manager inside the transaction: leaving it waits for the
    writes, and on an error lets the one running finish before the transaction is rolled back.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-behind")
        self._pending: list[Future[None]] = []
        # A cache kept in the database would use the connection while a write runs (progress reports): then
        # every write runs at once, in the caller's thread.
        self.inline = any("DatabaseCache" in cache.get("BACKEND", "") for cache in settings.CACHES.values())

    def submit(self, function: Callable[..., None], *args: Any) -> None:
        if self.inline:
            function(*args)
        else:
            self._pending.append(self._pool.submit(function, *args))

    def wait(self) -> None:
        """Return when every write given so far is done; raise the first error of one."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def __enter__(self) -> "WriteBehind":
        _shorter_switches(True)
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)
            self._pending = []
            _shorter_switches(False)


# While a write runs behind, the helper thread wants the GIL back each time the database returns; at Python's
# usual switch interval (5 ms) it would wait that long behind the thread that cleans rows. A shorter one while
# any WriteBehind is open makes an import of 100,000 customers about 15% faster on PostgreSQL.
_SWITCH_INTERVAL = 0.0005
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.0


def _shorter_switches(start: bool) -> None:
    global _switch_users, _switch_before  # one process-wide setting, counted
    with _switch_lock:
        if start:
            if _switch_users == 0:
                _switch_before = sys.getswitchinterval()
                sys.setswitchinterval(min(_switch_before, _SWITCH_INTERVAL))
            _switch_users += 1
        else:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)
