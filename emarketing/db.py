"""Database helpers shared by every stage (model-free)."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

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


def claim_transaction_id() -> None:
    """Give the current PostgreSQL transaction its id now, before it draws ids from a sequence: from then on any
    snapshot lists it as in progress, which :func:`settled_max_id` relies on. Nothing to do on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")


def settled_max_id(table: str, *, wait_seconds: float, fallback: int) -> int:
    """The highest id of an append-only table below which no row can still appear.

    On PostgreSQL ids are drawn when a row is inserted but become visible when its transaction commits, so a
    transaction with a lower id can commit after a higher id is read: a reader that moves a watermark to the highest
    id it sees would skip that row for good. The highest id is read first, then a snapshot is taken; any transaction
    that drew a lower id and has not committed is in that snapshot's list of transactions in progress. This waits,
    at most ``wait_seconds``, until each of them has finished; if one has not, ``fallback`` (the previous watermark)
    is returned and the next run tries again. SQLite has one writer at a time: its highest id is settled.
    """
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 (a table name of ours)
        top = int(cursor.fetchone()[0])
        if connection.vendor != "postgresql":
            return top
        cursor.execute("SELECT pg_current_snapshot()::text")
        snapshot = cursor.fetchone()[0]
        deadline = time.monotonic() + wait_seconds
        while True:
            cursor.execute(
                # A snapshot never lists the transaction that takes it: the reader's own is not waited for.
                "SELECT COUNT(*) FROM pg_snapshot_xip(%s::pg_snapshot) AS x(xid)"
                " WHERE pg_xact_status(x.xid) = 'in progress'",
                [snapshot],
            )
            if cursor.fetchone()[0] == 0:
                return top
            if time.monotonic() > deadline:
                logger.warning("Rows of %s up to id %s are not settled yet; they are read on the next run", table, top)
                return fallback
            time.sleep(0.05)
