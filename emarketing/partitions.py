"""Monthly partitions for the append-only tables that grow into the hundreds of millions (touches, website events).

On PostgreSQL such a table is partitioned by month on its time column (declarative partitioning): one partition
per calendar month (UTC), named ``<table>_pYYYYMM``, and a default partition for a row outside every month made so
far (a hit stamped in the distant past, say). A daily job creates the months ahead (``PARTITIONS_MONTHS_AHEAD``),
so rows always land in their own month; retention drops whole months at once instead of deleting row by row; and
queries bounded in time read only the months they name. Dashboards keep reading the rollups.

The table's primary key becomes ``(id, <time>)`` and any unique key must include the time: PostgreSQL can only
enforce uniqueness within a partition. The model keeps ``id`` as its primary key for Django (ids come from one
sequence, so they stay unique), and no table may point a foreign key at a partitioned one.

SQLite has no partitions: every function here does nothing there. This module imports no stage: a stage names its
table in a migration (:func:`partition_table_by_month`) and registers it for the daily job
(:func:`partitioned_register`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Partitioned:
    table: str
    column: str
    # Whole months older than this many months are dropped by the daily job; 0 keeps every month.
    retention_setting: str = ""


_tables: dict[str, Partitioned] = {}


def partitioned_register(table: str, column: str, *, retention_setting: str = "") -> None:
    _tables[table] = Partitioned(table, column, retention_setting)


def partitioned_tables() -> list[Partitioned]:
    return list(_tables.values())


def _month(day: dt.date | dt.datetime) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _next(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(table: str) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s", [table]
        )
        return cursor.fetchone() is not None


def partitions_of(table: str) -> list[tuple[str, dt.date | None]]:
    """The partitions of ``table``, oldest month first, then the default partition (month None)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    months: list[tuple[str, dt.date | None]] = []
    for name in names:
        suffix = name.removeprefix(f"{table}_p")
        if suffix.isdigit() and len(suffix) == 6:
            months.append((name, dt.date(int(suffix[:4]), int(suffix[4:]), 1)))
    months.sort(key=lambda item: item[1] or dt.date.min)
    return months + [(name, None) for name in names if name == f"{table}_default"]


def _create_month(cursor: Any, table: str, column: str, month: dt.date) -> bool:
    """Create the partition of ``month`` unless it exists; rows of that month waiting in the default partition move
    into it. True when it was created."""
    name = _name(table, month)
    cursor.execute("SELECT to_regclass(%s)", [name])
    if cursor.fetchone()[0] is not None:
        return False
    q = connection.ops.quote_name
    start, end = f"{month:%Y-%m-%d} 00:00:00+00", f"{_next(month):%Y-%m-%d} 00:00:00+00"
    default = f"{table}_default"
    cursor.execute("SELECT to_regclass(%s)", [default])
    has_default = cursor.fetchone()[0] is not None
    cursor.execute(f"CREATE TABLE {q(name)} (LIKE {q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    if has_default:
        # A month cannot be attached while the default partition holds rows of it: move them first.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {q(default)} WHERE {q(column)} >= %s AND {q(column)} < %s RETURNING *)"  # noqa: S608
            f" INSERT INTO {q(name)} SELECT * FROM moved",
            [start, end],
        )
    cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(name)} FOR VALUES FROM (%s) TO (%s)", [start, end])
    return True


def partitions_ensure(*, table: str, column: str, through: dt.date, since: dt.date | None = None) -> list[str]:
    """Create the monthly partitions of ``table`` from ``since`` (default: this month) through ``through``."""
    if not is_partitioned(table):
        return []
    made: list[str] = []
    month = _month(since or dt.datetime.now(dt.UTC))
    with transaction.atomic(), connection.cursor() as cursor:
        while month <= _month(through):
            if _create_month(cursor, table, column, month):
                made.append(_name(table, month))
            month = _next(month)
    return made


def partitions_drop_before(*, table: str, before: dt.date) -> list[str]:
    """Drop the monthly partitions of ``table`` whose whole month is before ``before``: retention of whole months,
    one statement each instead of deleting millions of rows."""
    if not is_partitioned(table):
        return []
    q = connection.ops.quote_name
    dropped: list[str] = []
    for name, month in partitions_of(table):
        if month is not None and _next(month) <= _month(before):
            with transaction.atomic(), connection.cursor() as cursor:
                # Deferred foreign-key checks of rows written earlier in this transaction run now, not after the drop.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {q(table)} DETACH PARTITION {q(name)}")
                cursor.execute(f"DROP TABLE {q(name)}")
            dropped.append(name)
    return dropped


def partitions_maintain(*, today: dt.date | None = None) -> dict[str, dict[str, list[str]]]:
    """The daily job: for each registered table, the months ahead created and the months past retention dropped."""
    today = today or dt.datetime.now(dt.UTC).date()
    ahead = today
    for _ in range(settings.PARTITIONS_MONTHS_AHEAD):
        ahead = _next(_month(ahead))
    report: dict[str, dict[str, list[str]]] = {}
    for item in partitioned_tables():
        created = partitions_ensure(table=item.table, column=item.column, through=ahead, since=today)
        dropped: list[str] = []
        months = int(getattr(settings, item.retention_setting, 0) or 0) if item.retention_setting else 0
        if months:
            keep_from = _month(today)
            for _ in range(months):
                keep_from = _month(keep_from - dt.timedelta(days=1))
            dropped = partitions_drop_before(table=item.table, before=keep_from)
        report[item.table] = {"created": created, "dropped": dropped}
        if created or dropped:
            logger.info("Partitions of %s: created %s, dropped %s", item.table, created, dropped)
    return report


def partition_table_by_month(schema_editor: BaseDatabaseSchemaEditor, *, table: str, column: str) -> None:
    """Turn an existing table into one partitioned by month on ``column`` (a migration step; PostgreSQL only).

    The rows are copied into monthly partitions covering the months they span (and this month and the ones ahead),
    the indexes, unique constraints and foreign keys are made again under their own names on the partitioned table
    (so later migrations find them), the primary key becomes ``(id, column)``, and ids carry on from the same
    number. Runs inside the migration's transaction: it happens whole or not at all.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    q = schema_editor.quote_name
    old = f"{table}_unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s", [table]
        )
        if cursor.fetchone():  # already partitioned (migrated back past this step, whose reverse keeps it): done
            return
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype IN ('f', 'u', 'p')",
            [table],
        )
        constraints = cursor.fetchall()
        named = {name for name, _kind, _definition in constraints}
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in named]
        cursor.execute(f"SELECT MIN({q(column)}), MAX({q(column)}), COALESCE(MAX(id), 0) FROM {q(table)}")  # noqa: S608
        first, last, top = cursor.fetchone()
        # Free the names (indexes and constraints' indexes are global): the old table and what it holds are renamed,
        # then dropped once copied.
        for name, kind, _definition in constraints:
            if kind in "up":
                cursor.execute(f"ALTER TABLE {q(table)} RENAME CONSTRAINT {q(name)} TO {q(name + '_old')}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(name + '_old')}")
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        cursor.execute(
            f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
            f" PARTITION BY RANGE ({q(column)})"
        )
        # Identity columns cannot be partitioned before PostgreSQL 17: a sequence of the table's own, carrying on
        # from the old one's last value (ids drawn and rolled back are never given again).
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [old])
        (previous,) = cursor.fetchone()
        if previous:
            cursor.execute(f"SELECT last_value FROM {previous}")  # noqa: S608 (a name PostgreSQL gave)
            top = max(int(top), int(cursor.fetchone()[0]))
            cursor.execute(f"ALTER TABLE {q(old)} ALTER COLUMN id DROP IDENTITY IF EXISTS")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {previous}")
        sequence = f"{table}_id_seq"
        cursor.execute(f"CREATE SEQUENCE {q(sequence)} OWNED BY {q(table)}.id")
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(int(top), 1), bool(top)])
        cursor.execute(f"ALTER TABLE {q(table)} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)", [sequence])
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(table + '_pkey')} PRIMARY KEY (id, {q(column)})")
        cursor.execute(f"CREATE TABLE {q(table + '_default')} PARTITION OF {q(table)} DEFAULT")
        today = dt.datetime.now(dt.UTC).date()
        month = _month(first if first else today)
        through = max(_month(last) if last else today, _month(today))
        for _ in range(settings.PARTITIONS_MONTHS_AHEAD):
            through = _next(through)
        while month <= through:
            _create_month(cursor, table, column, month)
            month = _next(month)
        for name, definition in indexes:
            kind = "UNIQUE INDEX" if definition.startswith("CREATE UNIQUE") else "INDEX"
            cursor.execute(f"CREATE {kind} {q(name)} ON {q(table)} {definition[definition.index('(') :]}")
        for name, kind, definition in constraints:
            if kind != "p":
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"INSERT INTO {q(table)} SELECT * FROM {q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(old)}")
