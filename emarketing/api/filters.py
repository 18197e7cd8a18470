"""``?updated_after=<ISO 8601>``: only rows changed after that moment, for a sync that runs again."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request


class UpdatedAfterFilter(BaseFilterBackend):
    param = "updated_after"

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        value = request.query_params.get(self.param)
        if not value:
            return queryset
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError({self.param: [_("A date and time in ISO 8601, e.g. 2026-03-21T08:00:00Z.")]})
        try:
            if is_naive(moment):
                moment = make_aware(moment)
            # In UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601 (and Python) allow.
            moment = moment.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            moment = None
        if moment is None:
            raise ValidationError({self.param: [_("A date and time in ISO 8601, e.g. 2026-03-21T08:00:00Z.")]})
        field = getattr(view, "cursor_field", "updated_at")
        return queryset.filter(**{f"{field}__gt": moment})

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "Only rows changed after this moment (ISO 8601), for a sync that runs again.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
