"""``Authorization: Bearer emk_<prefix>_<secret>``: the request is made with that key, in its owner's name."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from emarketing.api.models import ApiKey
from emarketing.api.services import api_key_for_token


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is “Bearer” and one key."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked.")) from error
        key = api_key_for_token(token)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked."))
        return (key.owner or AnonymousUser()), key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
