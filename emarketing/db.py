"""Database helpers shared by every stage (model-free)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def relaxed_commits() -> Iterator[None]:
    """Commits that survive a killed client but skip the disk flush each: only a crash of the database server
    itself could lose the last fraction of a second of them.

    SQLite in WAL mode with ``synchronous=NORMAL`` and PostgreSQL with ``synchronous_commit=off`` keep every
    committed row when the *client* dies, which is what per-message sending marks and spooled touches guard
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
