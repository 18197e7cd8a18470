from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from campaigns.models import Campaign, TouchKind, TouchSource
from customers.models import Customer

MAX_EVENTS = 500


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = (
            "id",
            "name",
            "channel",
            "status",
            "objective",
            "segments",
            "scheduled_at",
            "ends_at",
            "started_at",
            "finished_at",
            "budget",
            "cost",
            "currency",
            "occasion_kind",
            "created_at",
            "updated_at",
        )


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    customers = serializers.IntegerField()
    conversion = serializers.FloatField(allow_null=True, help_text="Share of the previous step, in percent.")


class CampaignStatsSerializer(serializers.Serializer):
    messages = serializers.DictField(child=serializers.IntegerField(), help_text="total, sent, failed, queued, sending")
    delivery = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="sent, refused, hard_bounces, soft_bounces, bounced, complaints, bounce_rate, complaint_rate",
    )
    funnel = FunnelStepSerializer(many=True)
    proxy_opens = serializers.IntegerField()


class EventInput(serializers.Serializer):
    id = serializers.CharField(
        max_length=100,
        required=False,
        help_text="Your id for the event: the same id (with the same occurred_at) is stored once.",
    )
    kind = serializers.ChoiceField(choices=TouchKind.choices)
    source = serializers.ChoiceField(choices=TouchSource.choices, default=TouchSource.WEBSITE)  # type: ignore[assignment]
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    campaign = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    occurred_at = serializers.DateTimeField(required=False)
    detail = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    referrer = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    user_agent = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EventsInput(serializers.Serializer):
    events = EventInput(many=True, allow_empty=False, max_length=MAX_EVENTS)  # type: ignore[call-arg]

    def validate_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Customers and campaigns named must exist (two queries for the lot)."""
        errors: dict[str, list[str]] = {}
        for name, model in (("customer", Customer), ("campaign", Campaign)):
            wanted = {e[name] for e in events if e.get(name)}
            known = set(model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
            for i, event in enumerate(events):
                if event.get(name) and event[name] not in known:
                    errors[f"[{i}].{name}"] = [_("No such %(name)s.") % {"name": model._meta.verbose_name}]
        if errors:
            raise serializers.ValidationError(errors)
        return events


class EventsAccepted(serializers.Serializer):
    accepted = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.UUIDField(), help_text="The stored hit id of each event.")
