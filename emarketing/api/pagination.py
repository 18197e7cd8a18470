"""Cursor paging by ``(updated_at, id)``: a sync reads every row changed since its last run, page after page, and a
row changed meanwhile comes again on a later page instead of being skipped (an offset would shift under it).

The cursor is opaque to clients: the last row's ``updated_at`` and id, base64-encoded. A page costs one indexed
query whatever its depth.
"""

import base64
import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 500


def cursor_encode(updated_at: dt.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = text.rsplit("|", 1)
        return dt.datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError({"cursor": [_("This cursor is not one the API gave.")]}, code="invalid_cursor") from error


class UpdatedCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    ordering_field = "updated_at"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        field = getattr(view, "cursor_field", self.ordering_field)
        self.field = field
        size = self.page_size
        if request.query_params.get(self.page_size_query_param):
            try:
                size = int(request.query_params[self.page_size_query_param])
            except ValueError as error:
                raise ValidationError(
                    {"page_size": [_("A whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}]}
                ) from error
            if not 1 <= size <= MAX_PAGE_SIZE:
                raise ValidationError({"page_size": [_("A whole number from 1 to %(max)d.") % {"max": MAX_PAGE_SIZE}]})
        queryset = queryset.order_by(field, "pk")
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            stamp, pk = cursor_decode(cursor)
            queryset = queryset.filter(Q(**{f"{field}__gt": stamp}) | Q(**{field: stamp, "pk__gt": pk}))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        return rows

    def next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        cursor = cursor_encode(getattr(self.last, self.field), self.last.pk)
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the next page starts: the cursor in the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows on a page (1 to {MAX_PAGE_SIZE}; 50 unless given).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
