"""The base every stage's API views build on: key, scope, rate limit, ``updated_after``, cursor paging, errors.

A write handler wraps its work in :func:`emarketing.api.idempotency.idempotent`, so an ``Idempotency-Key`` makes it
happen once.
"""

from rest_framework import viewsets

from emarketing.api.filters import UpdatedAfterFilter


class ApiViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A stage's viewset: set ``api_resource`` (the scope's resource) and, where rows have no ``updated_at``,
    ``cursor_field`` (the field syncs and pages follow)."""

    api_resource: str = ""
    cursor_field = "updated_at"
    filter_backends = [UpdatedAfterFilter]
