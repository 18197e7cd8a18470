"""Customers (read; found or created, their profile changed, consent given or withdrawn), segments and their
members, needs (read)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer, Need, Segment
from customers.selectors import customers_for_api, segment_members
from customers.services import consent_set, customer_get_or_create, customer_update
from emarketing.api.idempotency import idempotent
from emarketing.api.views import ApiViewSet

from .serializers import (
    ConsentInput,
    CustomerChange,
    CustomerInput,
    CustomerSerializer,
    NeedSerializer,
    SegmentMemberSerializer,
    SegmentSerializer,
)


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "customers"
    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        return customers_for_api()

    def get_serializer_class(self) -> Any:
        inputs = {"create": CustomerInput, "partial_update": CustomerChange, "consent": ConsentInput}
        return inputs.get(self.action or "", CustomerSerializer)

    def _fresh(self, customer: Customer) -> dict[str, Any]:
        return dict(CustomerSerializer(customers_for_api().get(pk=customer.pk)).data)

    @extend_schema(request=CustomerInput, responses={201: CustomerSerializer, 200: CustomerSerializer})
    def create(self, request: Request) -> Response:
        """The customer with this e-mail (200), or a new one (201); consent changed only for the channels named."""

        def write() -> Response:
            data = CustomerInput(data=request.data)
            data.is_valid(raise_exception=True)
            given = data.validated_data
            customer, created = customer_get_or_create(
                email=given["email"],
                first_name=given["first_name"],
                last_name=given.get("last_name", ""),
                phone=given.get("phone", ""),
                preferred_language=given.get("preferred_language", "en"),
            )
            for channel, granted in sorted(given.get("consent", {}).items()):
                consent_set(
                    customer=customer,
                    channel=channel,
                    granted=granted,
                    source=given["consent_source"],
                    by=request.user,
                )
            return Response(self._fresh(customer), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

        return idempotent(request, write)

    @extend_schema(request=CustomerChange, responses={200: CustomerSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the profile fields sent (names, phone, language, place, time zone); the others stay."""
        customer = self.get_object()

        def write() -> Response:
            data = CustomerChange(data=request.data)
            data.is_valid(raise_exception=True)
            customer_update(customer=customer, changes=data.validated_data)  # its ValidationError answers 400
            return Response(self._fresh(customer))

        return idempotent(request, write)

    @extend_schema(request=ConsentInput, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def consent(self, request: Request, pk: str) -> Response:
        """Give or withdraw consent for one channel (recorded in the customer's consent history)."""
        customer = self.get_object()

        def write() -> Response:
            data = ConsentInput(data=request.data)
            data.is_valid(raise_exception=True)
            consent_set(customer=customer, by=request.user, **data.validated_data)
            return Response(self._fresh(customer))

        return idempotent(request, write)


class SegmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "segments"
    serializer_class = SegmentSerializer
    queryset = Segment.objects.all()

    @extend_schema(responses=SegmentMemberSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=SegmentMemberSerializer)
    def members(self, request: Request, pk: str) -> Response:
        """The segment's customers, paged like every list (``updated_after`` and ``cursor``)."""
        members = self.filter_queryset(segment_members(segment=self.get_object()))
        page = self.paginate_queryset(members)
        return self.get_paginated_response(SegmentMemberSerializer(page, many=True).data)


class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "needs"
    serializer_class = NeedSerializer
    queryset = Need.objects.all()
