"""Orders (read, and placed), products (read). An agent's key sees and places only the agent's own orders."""

import hashlib
import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from emarketing.api.idempotency import idempotent
from emarketing.api.views import ApiViewSet
from orders.forms import order_payload_clean
from orders.models import Order, Product, SalesChannel
from orders.selectors import orders_for_api
from orders.services import order_from_webhook

from .serializers import OrderInput, OrderSerializer, ProductSerializer


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "products"
    serializer_class = ProductSerializer
    queryset = Product.objects.all()


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "orders"
    serializer_class = OrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        return orders_for_api(agent_id=getattr(self.request.auth, "agent_id", None))

    def get_serializer_class(self) -> Any:
        return OrderInput if self.action == "create" else OrderSerializer

    @extend_schema(request=OrderInput, responses={201: OrderSerializer, 200: OrderSerializer})
    def create(self, request: Request) -> Response:
        """Place an order: 201, or 200 with the order already placed under this Idempotency-Key."""
        return idempotent(request, lambda: self._place(request))

    def _place(self, request: Request) -> Response:
        shape = OrderInput(data=request.data)
        shape.is_valid(raise_exception=True)
        payload = dict(request.data)
        # The order's own key: the request's Idempotency-Key when sent, so the same order is never placed twice.
        sent = request.headers.get("Idempotency-Key")
        digest = hashlib.sha256(sent.encode()).hexdigest()[:40] if sent else uuid.uuid4().hex
        payload["idempotency_key"] = f"api-{getattr(request.auth, 'pk', 0)}-{digest}"
        cleaned, errors = order_payload_clean(payload)
        if errors:
            raise ValidationError(errors)
        agent = getattr(request.auth, "agent", None)
        outcome = order_from_webhook(
            cleaned=cleaned,
            channel=shape.validated_data.get("channel") or SalesChannel.WEB,
            agent=agent,
            by=request.user,
        )
        order = orders_for_api().get(pk=outcome.order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED if outcome.created else 200)
