from rest_framework import serializers

from aftersales.models import SurveyResponse, Ticket


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = (
            "id",
            "customer",
            "channel",
            "subject",
            "status",
            "priority",
            "order",
            "product",
            "created_at",
            "first_response_at",
            "resolved_at",
            "updated_at",
        )


class SurveyResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyResponse
        fields = ("id", "customer", "order", "product", "csat", "nps", "comment", "product_opinion", "created_at")
