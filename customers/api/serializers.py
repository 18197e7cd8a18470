from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from customers.models import ConsentChannel, ConsentSource, Customer, Language, Need, Occasion, Segment


class OccasionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occasion
        fields = ("kind", "label", "month", "day", "year")


class CustomerSerializer(serializers.ModelSerializer):
    consent = serializers.SerializerMethodField(help_text="Each channel: true when given, false when withdrawn.")
    occasions = OccasionSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = (
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "external_id",
            "preferred_language",
            "country",
            "region",
            "city",
            "time_zone",
            "acquisition_source",
            "value_tier",
            "lifecycle_stage",
            "satisfaction",
            "last_nps",
            "suppressed",
            "erased_at",
            "created_at",
            "updated_at",
            "consent",
            "occasions",
        )
        read_only_fields = fields

    def get_consent(self, customer: Customer) -> dict[str, bool]:
        return {c.channel: c.granted for c in customer.consents.all()}


class CustomerInput(serializers.Serializer):
    """A customer met by an integration: found by e-mail, or created; consent recorded only when stated."""

    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    consent = serializers.DictField(
        child=serializers.BooleanField(), required=False, help_text="Channels to give (true) or withdraw (false)."
    )
    consent_source = serializers.ChoiceField(choices=ConsentSource.choices, default=ConsentSource.WEB_FORM)

    def validate_consent(self, value: dict[str, Any]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(ConsentChannel.values))
        if unknown:
            raise serializers.ValidationError(_("Unknown channels: %(channels)s") % {"channels": ", ".join(unknown)})
        return value


class CustomerChange(serializers.Serializer):
    """The profile fields an integration may change; those left out stay as they are."""

    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)}
            )
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class ConsentInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConsentChannel.choices)
    granted = serializers.BooleanField()
    source = serializers.ChoiceField(choices=ConsentSource.choices, default=ConsentSource.WEB_FORM)  # type: ignore[assignment]
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ("id", "name", "description", "is_dynamic", "member_count", "refreshed_at", "created_at", "updated_at")


class SegmentMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("id", "first_name", "last_name", "email", "phone", "updated_at")


class NeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = (
            "id",
            "kind",
            "category",
            "title",
            "product",
            "segment",
            "source",
            "status",
            "mention_count",
            "first_heard_at",
            "last_heard_at",
            "updated_at",
        )
