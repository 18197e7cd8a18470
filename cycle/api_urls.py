"""The REST API's URLs, collected from every stage (the top floor may import them all): ``/api/v1/…``; the OpenAPI
schema and its docs sit beside them, under ``/api/`` (see ``emarketing.urls``)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from aftersales.api.capacity import ServiceTeamViewSet
from aftersales.api.views import SurveyResponseViewSet, TicketViewSet
from campaigns.api.views import CampaignViewSet, EventViewSet
from customers.api.views import CustomerViewSet, NeedViewSet, SegmentViewSet
from emarketing.api.views import not_found
from orders.api.capacity import DeliveryRegionViewSet, ProductCapacityViewSet
from orders.api.views import OrderViewSet, ProductViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("segments", SegmentViewSet, basename="segment")
router.register("needs", NeedViewSet, basename="need")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("events", EventViewSet, basename="event")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")
router.register("product-capacity", ProductCapacityViewSet, basename="product-capacity")
router.register("delivery-regions", DeliveryRegionViewSet, basename="delivery-region")
router.register("service-teams", ServiceTeamViewSet, basename="service-team")

app_name = "api"
# A path naming nothing (every id is a number) is answered by the catch-all, in the API's error shape.
urlpatterns = [*router.urls, re_path(r"", not_found)]
