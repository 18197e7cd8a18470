"""Plain rows into one table, fast: one prepared ``INSERT`` run by ``executemany`` on SQLite, ``COPY … FROM STDIN``
on PostgreSQL (psycopg2), ``bulk_create`` elsewhere or when asked (``fast=False``).

Rows are sequences of Python values in the order of the ``fields`` given; no model instance is built on the fast
paths, no ``save()`` runs and no signal is sent. The caller validates the values first; the database's
constraints still hold. When the ids are needed they are returned in the rows' order: on PostgreSQL they are
taken from the table's sequence before the ``COPY``; on SQLite they are the consecutive rowids one
``executemany`` gets under the transaction's write lock (checked).
"""

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def has_copy() -> bool:
    try:
        import psycopg2  # type: ignore[import-untyped]  # noqa: F401  - only probed for; no stubs installed
    except ImportError:
        return False
    return True


class RowInserter:
    """Inserts rows of ``fields`` (attribute names, e.g. ``customer_id``) into ``model``'s table."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, fast: bool = True) -> None:
        self.model = model
        self.fields = list(fields)
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        self.datetimes = [i for i, name in enumerate(self.fields) if isinstance(by_name[name], models.DateTimeField)]
        self.vendor = connection.vendor
        self.fast = fast and (self.vendor == "sqlite" or (self.vendor == "postgresql" and has_copy()))
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        # A concrete field always has its column; the stubs type it as optional.
        self.columns = [quote(cast(str, by_name[name].column)) for name in self.fields]
        self.pk = quote(cast(str, model._meta.pk.column))
        placeholders = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({placeholders})"  # noqa: S608

    def insert(self, rows: Sequence[Sequence[Any]], *, need_ids: bool = False) -> list[int]:
        """Insert ``rows``; their ids in order when ``need_ids`` (else an empty list)."""
        if not rows:
            return []
        if not self.fast:
            objs = self.model._default_manager.bulk_create(
                [self.model(**dict(zip(self.fields, row, strict=True))) for row in rows]
            )
            return [cast(int, o.pk) for o in objs] if need_ids else []
        if self.vendor == "postgresql":
            return self._copy(rows, need_ids=need_ids)
        return self._executemany(rows, need_ids=need_ids)

    def _executemany(self, rows: Sequence[Sequence[Any]], *, need_ids: bool) -> list[int]:
        def adapt(value: dt.datetime) -> str:
            # What Django's SQLite backend stores (``adapt_datetimefield_value``): UTC, without the offset.
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.isoformat(" ")

        if self.datetimes:
            params: list[list[Any]] = []
            for row in rows:
                values = list(row)
                for i in self.datetimes:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                params.append(values)
        else:
            params = [list(row) for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
            if not need_ids:
                return []
            cursor.execute("SELECT last_insert_rowid()")
            last = cursor.fetchone()[0]
        ids = list(range(last - len(rows) + 1, last + 1))
        manager = self.model._default_manager
        if manager.filter(pk__gte=ids[0], pk__lte=ids[-1]).count() != len(ids):  # pragma: no cover
            raise RuntimeError(f"{self.model.__name__} ids were not assigned consecutively")
        return ids

    def _copy(self, rows: Sequence[Sequence[Any]], *, need_ids: bool) -> list[int]:
        meta = self.model._meta
        with connection.cursor() as cursor:
            ids: list[int] = []
            if need_ids:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
            buffer = io.StringIO()
            write = buffer.write
            for n, row in enumerate(rows):
                cells = [
                    v.translate(_COPY_ESCAPES)
                    if v.__class__ is str
                    else str(v)
                    if v.__class__ is Decimal
                    else copy_text(v)
                    for v in row
                ]
                if need_ids:
                    write(f"{ids[n]}\t")
                write("\t".join(cells))
                write("\n")
            buffer.seek(0)
            columns = ", ".join([self.pk, *self.columns] if need_ids else self.columns)
            cursor.cursor.copy_expert(f"COPY {self.table} ({columns}) FROM STDIN", buffer)
        return ids
