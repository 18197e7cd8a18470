"""Tickets and survey responses (read). An agent's key sees only those about the agent's own orders."""

from django.db.models import QuerySet
from rest_framework import mixins

from aftersales.models import SurveyResponse, Ticket
from emarketing.api.views import ApiViewSet

from .serializers import SurveyResponseSerializer, TicketSerializer


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "tickets"
    serializer_class = TicketSerializer

    def get_queryset(self) -> QuerySet[Ticket]:
        agent_id = getattr(self.request.auth, "agent_id", None)
        tickets = Ticket.objects.all()
        return tickets if agent_id is None else tickets.filter(order__agent_id=agent_id)


class SurveyResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Responses are never changed once given: synced by the time they were given."""

    api_resource = "surveys"
    serializer_class = SurveyResponseSerializer
    cursor_field = "created_at"

    def get_queryset(self) -> QuerySet[SurveyResponse]:
        agent_id = getattr(self.request.auth, "agent_id", None)
        responses = SurveyResponse.objects.all()
        return responses if agent_id is None else responses.filter(order__agent_id=agent_id)
