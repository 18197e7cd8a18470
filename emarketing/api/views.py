"""The base every stage's API views build on: key, scope, rate limit, ``updated_after``, cursor paging, errors.

A write handler wraps its work in :func:`emarketing.api.idempotency.idempotent`, so an ``Idempotency-Key`` makes it
happen once.
"""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import viewsets

from emarketing.api.exceptions import error_body
from emarketing.api.filters import UpdatedAfterFilter


class ApiViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A stage's viewset: set ``api_resource`` (the scope's resource) and, where rows have no ``updated_at``,
    ``cursor_field`` (the field syncs and pages follow)."""

    api_resource: str = ""
    lookup_value_regex = "[0-9]+"
    cursor_field = "updated_at"
    filter_backends = [UpdatedAfterFilter]


@csrf_exempt  # a key, not a session cookie, authenticates the API: a POST to a wrong path is a 404 too
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any path under the API that names nothing: a 404 in the API's error shape, not the site's HTML page."""
    return JsonResponse(error_body("not_found", gettext("Not found.")), status=404)
