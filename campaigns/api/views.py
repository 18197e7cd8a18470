"""Campaigns with their figures (read); events (write), published as tracking touches are."""

import uuid
from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.models import Campaign
from campaigns.selectors import aida_funnel, campaign_delivery_rates, campaign_progress
from campaigns.services.tracking import TOUCH_STREAM, touch_event
from emarketing.api.idempotency import idempotent
from emarketing.api.views import ApiViewSet
from emarketing.streams import event_id, stream_publish

from .serializers import CampaignSerializer, CampaignStatsSerializer, EventsAccepted, EventsInput

# Hit ids of events that name their own id: the same (key, id) always gives the same hit id.
EVENT_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-4f0e-9d51-3b7e2a9c4d10")


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "campaigns"
    serializer_class = CampaignSerializer
    queryset = Campaign.objects.prefetch_related("segments")

    @extend_schema(responses=CampaignStatsSerializer)
    @action(detail=True, methods=["get"])
    def stats(self, request: Request, pk: str) -> Response:
        """Messages sent and failed, bounce and complaint rates, and the AIDA funnel of the campaign."""
        campaign = self.get_object()
        rates = campaign_delivery_rates(campaign=campaign)
        funnel = aida_funnel(campaign_id=campaign.pk)
        delivery: dict[str, Any] = asdict(rates)
        delivery.update(bounce_rate=rates.bounce_rate, complaint_rate=rates.complaint_rate)
        body = {
            "messages": asdict(campaign_progress(campaign_id=campaign.pk)),
            "delivery": delivery,
            "funnel": [asdict(step) for step in funnel.steps],
            "proxy_opens": funnel.proxy_opens,
        }
        return Response(CampaignStatsSerializer(body).data)


class EventViewSet(ApiViewSet):
    """Website and other systems' events about customers: recorded as the tracking links' touches are (onto the
    ``touches`` stream, each with its hit id, stored once)."""

    api_resource = "events"
    serializer_class = EventsInput

    @extend_schema(request=EventsInput, responses={202: EventsAccepted})
    def create(self, request: Request) -> Response:
        def write() -> Response:
            data = EventsInput(data=request.data)
            data.is_valid(raise_exception=True)
            key_id = getattr(request.auth, "pk", 0)
            ids = []
            for given in data.validated_data["events"]:
                own = given.get("id")
                hit = str(uuid.uuid5(EVENT_NAMESPACE, f"{key_id}:{own}")) if own else event_id()
                event = touch_event(
                    kind=given["kind"],
                    source=given["source"],
                    customer_id=given.get("customer"),
                    campaign_id=given.get("campaign"),
                    occurred_at=given.get("occurred_at"),
                    detail=given["detail"],
                    referrer=given["referrer"],
                    user_agent=given["user_agent"],
                )
                stream_publish(TOUCH_STREAM, {**event, "hit_id": hit})
                ids.append(hit)
            return Response({"accepted": len(ids), "ids": ids}, status=status.HTTP_202_ACCEPTED)

        return idempotent(request, write)
