"""Capacity through the API: a product's stock and production, delivery regions' shipments per day.

Writes go through the same services as the admin; a POST carries an Idempotency-Key like every write.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from emarketing.api.idempotency import idempotent
from emarketing.api.views import ApiViewSet
from orders.models import DeliveryRegion, Product, ProductCapacity
from orders.services.capacity import delivery_region_save, product_capacity_set


class ProductCapacitySerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)

    class Meta:
        model = ProductCapacity
        fields = ("id", "product", "sku", "stock_on_hand", "production_per_week", "updated_at")
        read_only_fields = ("id", "updated_at")
        # The service says what is wrong with a figure (its validators would only repeat it).
        extra_kwargs: dict[str, dict[str, Any]] = {
            "stock_on_hand": {"validators": []},
            "production_per_week": {"validators": []},
        }


class DeliveryRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryRegion
        fields = ("id", "name", "country", "province", "shipments_per_day", "updated_at")
        read_only_fields = ("id", "updated_at")
        extra_kwargs: dict[str, dict[str, Any]] = {"shipments_per_day": {"validators": []}, "name": {"validators": []}}
        validators: list[Any] = []


def _answer(write: Any) -> Any:
    try:
        return write()
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error


class ProductCapacityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """POST sets a product's figures (201 the first time, 200 after); PATCH changes the figures sent."""

    api_resource = "capacity"
    serializer_class = ProductCapacitySerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ProductCapacity]:
        return ProductCapacity.objects.select_related("product").order_by("updated_at", "id")

    @extend_schema(request=ProductCapacitySerializer, responses={201: ProductCapacitySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def write() -> Response:
            data = ProductCapacitySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            product: Product = data.validated_data["product"]
            existed = ProductCapacity.objects.filter(product=product).exists()
            capacity = _answer(
                lambda: product_capacity_set(
                    product=product,
                    stock_on_hand=data.validated_data.get("stock_on_hand"),
                    production_per_week=data.validated_data.get("production_per_week"),
                )
            )
            code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
            return Response(ProductCapacitySerializer(capacity).data, status=code)

        return idempotent(request, write)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        capacity = self.get_object()

        def write() -> Response:
            data = ProductCapacitySerializer(capacity, data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            saved = _answer(
                lambda: product_capacity_set(
                    product=capacity.product,
                    stock_on_hand=data.validated_data.get("stock_on_hand"),
                    production_per_week=data.validated_data.get("production_per_week"),
                )
            )
            return Response(ProductCapacitySerializer(saved).data)

        return idempotent(request, write)


class DeliveryRegionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    api_resource = "capacity"
    serializer_class = DeliveryRegionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DeliveryRegion]:
        return DeliveryRegion.objects.order_by("updated_at", "id")

    @extend_schema(request=DeliveryRegionSerializer, responses={201: DeliveryRegionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def write() -> Response:
            data = DeliveryRegionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            region = _answer(lambda: delivery_region_save(**data.validated_data))
            return Response(DeliveryRegionSerializer(region).data, status=status.HTTP_201_CREATED)

        return idempotent(request, write)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        region = self.get_object()

        def write() -> Response:
            data = DeliveryRegionSerializer(region, data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            saved = _answer(lambda: delivery_region_save(region=region, **data.validated_data))
            return Response(DeliveryRegionSerializer(saved).data)

        return idempotent(request, write)
