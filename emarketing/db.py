"""Database helpers shared by every stage (model-free)."""

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)


@contextmanager
def relaxed_commits() -> Iterator[None]:
    """Commits that survive a killed client but skip the disk flush each: only a crash of the database server
    itself could lose the last fraction of a second of them.

    SQLite in WAL mode with ``synchronous=NORMAL`` and PostgreSQL with ``synchronous_commit=off`` keep every
    committed row when the *client* dies, which is what per-message sending marks guard
    against. The connection's own setting is restored afterwards.
    """
    vendor = connection.vendor
    previous = 2  # FULL, SQLite's default
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            row = cursor.fetchone()
            previous = int(row[0]) if row else previous
            cursor.execute("PRAGMA synchronous=NORMAL")
        elif vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute(f"PRAGMA synchronous={int(previous)}")
            elif vendor == "postgresql":
                cursor.execute("RESET synchronous_commit")


def settled_max_id(table: str, *, wait_seconds: float, fallback: int) -> int:
    """The highest id of an append-only table below which no row can still appear.

    On PostgreSQL ids are drawn when a row is inserted but become visible when its transaction commits, so a
    transaction with a lower id can commit after a higher id is read: a reader that moves a watermark to the highest
    id it sees would skip that row for good. An INSERT locks its table (``RowExclusiveLock``) before it draws its ids
    and keeps the lock until it ends; so the highest id is read first, then the transactions holding that lock on
    the table are listed: any that drew a lower id and has not committed is among them. This waits, at most
    ``wait_seconds``, until each has ended; if one has not, ``fallback`` (the previous watermark) is returned and the
    next run tries again. Only writers of this table in this database are waited for, never a long transaction
    elsewhere. SQLite has one writer at a time: its highest id is settled.
    """
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 (a table name of ours)
        top = int(cursor.fetchone()[0])
        if connection.vendor != "postgresql":
            return top
        writers = (
            "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()"
        )
        cursor.execute(writers, [table])
        waiting = {row[0] for row in cursor.fetchall()}
        deadline = time.monotonic() + wait_seconds
        while waiting:
            if time.monotonic() > deadline:
                logger.warning("Rows of %s up to id %s are not settled yet; they are read on the next run", table, top)
                return fallback
            time.sleep(0.05)
            cursor.execute(writers, [table])
            waiting &= {row[0] for row in cursor.fetchall()}  # a transaction that ended never comes back
        return top


def insert_once(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, key: Sequence[str]) -> int:
    """Insert ``rows`` (values of ``columns``, adapted) in one prepared statement, skipping any whose ``key`` is
    already stored (``ON CONFLICT … DO NOTHING``: an event delivered again is stored once); returns how many were
    stored. Runs in the caller's transaction."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)})"  # noqa: S608 (names of ours)
        f" VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT ({', '.join(quote(c) for c in key)}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return max(int(cursor.rowcount), 0)
