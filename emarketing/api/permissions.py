"""Scopes: a view names its resource (``api_resource``); reading needs ``<resource>:read``, writing
``<resource>:write``."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.request import Request

from emarketing.api.models import ApiKey
from emarketing.api.scopes import scope_of


class HasScope(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            self.message = _("Send an API key: Authorization: Bearer emk_…")
            return False
        resource = getattr(view, "api_resource", None)
        if resource is None:
            return False
        scope = scope_of(resource, write=request.method not in permissions.SAFE_METHODS)
        self.message = _("This API key lacks the scope %(scope)s.") % {"scope": scope}
        return key.allows(scope)
