"""``brand`` in every template: the brand in the active language (``emarketing.brand.selectors.brand_in``), read
when a template first uses it."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from emarketing.brand.selectors import brand_in


def brand(request: HttpRequest) -> dict[str, Any]:
    return {"brand": SimpleLazyObject(brand_in)}
