"""What drf-spectacular adds to every operation: the bearer key, the error shape, the Idempotency-Key header."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from emarketing.api.idempotency import HEADER

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": serializers.CharField(help_text="A stable machine code: invalid, not_found, throttled…"),
        "message": serializers.CharField(help_text="For people, in the request's language."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Each field at fault with its messages; empty when the error is not about fields.",
        ),
    },
)

WRITES = ("POST", "PUT", "PATCH", "DELETE")


class ApiSchema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method in WRITES:
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Any unique string (a UUID): the same request sent again with it is done once.",
                )
            )
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        codes = ["400", "401", "403", "429"]
        if self.method in WRITES:
            codes.append("409")
        if self._is_detail():
            codes.append("404")
        for code in codes:
            bodies.setdefault(code, self._get_response_for_code(ErrorSerializer, code))  # type: ignore[no-untyped-call]
        return bodies

    def _is_detail(self) -> bool:
        return "{" in self.path


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "emarketing.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer emk_<prefix>_<secret>"}
