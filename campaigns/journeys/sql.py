"""``INSERT … SELECT … ON CONFLICT DO NOTHING``: rows made from a queryset in the database, none twice."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


def insert_select(table: str, columns: Sequence[str], rows: "QuerySet[Any]", *, extra: Sequence[Any] = ()) -> int:
    """Insert into ``table`` one row per row of ``rows`` (a ``values_list`` whose columns are the first of
    ``columns``), each followed by the constants ``extra`` (the last of ``columns``); rows that a unique key
    already holds are skipped. No row travels to Python. Returns how many were inserted."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (``pk__in=[]``)
        return 0
    quote = connection.ops.quote_name
    marks = "".join(", %s" for _value in extra)
    statement = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)})"  # noqa: S608 (names of ours)
        f" SELECT src.*{marks} FROM ({sql}) src WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        # The constants come first in the statement's text (in the select list), the subquery's parameters after.
        cursor.execute(statement, [*(_adapt(value) for value in extra), *params])
        return max(int(cursor.rowcount), 0)


def _adapt(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else value
