"""Service teams' capacity through the API (the same service as the admin)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from aftersales.models import ServiceTeam
from aftersales.services.capacity import service_team_save
from emarketing.api.idempotency import idempotent
from emarketing.api.views import ApiViewSet


class ServiceTeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceTeam
        fields = ("id", "name", "tickets_per_day", "chats_at_once", "updated_at")
        read_only_fields = ("id", "updated_at")
        extra_kwargs: dict[str, dict[str, Any]] = {
            "name": {"validators": []},
            "tickets_per_day": {"validators": []},
            "chats_at_once": {"validators": []},
        }


def _save(**fields: Any) -> ServiceTeam:
    try:
        return service_team_save(**fields)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from error


class ServiceTeamViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    api_resource = "capacity"
    serializer_class = ServiceTeamSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ServiceTeam]:
        return ServiceTeam.objects.order_by("updated_at", "id")

    @extend_schema(request=ServiceTeamSerializer, responses={201: ServiceTeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def write() -> Response:
            data = ServiceTeamSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            team = _save(**data.validated_data)
            return Response(ServiceTeamSerializer(team).data, status=status.HTTP_201_CREATED)

        return idempotent(request, write)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()

        def write() -> Response:
            data = ServiceTeamSerializer(team, data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            return Response(ServiceTeamSerializer(_save(team=team, **data.validated_data)).data)

        return idempotent(request, write)
