"""What preparation holds about a customer: the profile, value scores, consent and its history, occasions, the
needs they told us, segments, tier and lifecycle history, recommendations, what they sent through capture forms
and the suppression list.

Staff notes on the customer are part of the profile: they are personal data about the customer, and staff write
them knowing the customer may ask to read them. Who recorded a consent change (a staff member) is not.
"""

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from customers.access.registry import Column, Row, Section, choice_label, field, fields, in_pages, labelled
from customers.models import (
    AcquisitionSource,
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentSource,
    Customer,
    CustomerHistory,
    CustomerValue,
    FormSubmission,
    Language,
    LifecycleStage,
    Need,
    NeedCategory,
    NeedKind,
    NeedMention,
    NeedSource,
    Occasion,
    OccasionKind,
    ProductRecommendation,
    ProfileAttribute,
    RatedBy,
    RecommendationKind,
    Segment,
    SegmentMembership,
    SuppressedAddress,
    SuppressionReason,
    ValueTier,
    address_hash,
)
from emarketing.localized import in_language_expression

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "other_phone",
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
    "at_risk",
    "referral_candidate",
    "suppressed",
    "notes",
    "created_at",
    "updated_at",
)
PROFILE_CHOICES: dict[str, Any] = {
    "preferred_language": Language,
    "acquisition_source": AcquisitionSource,
    "value_tier": ValueTier,
    "lifecycle_stage": LifecycleStage,
}
VALUE_FIELDS = (
    "computed_at",
    "rated_by",
    "first_order_at",
    "last_order_at",
    "purchases",
    "spend",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "probability_alive",
    "expected_purchases",
    "predicted_value",
)


def _profile(customer: Customer) -> Iterator[Row]:
    return labelled(Customer.objects.filter(pk=customer.pk).values(*PROFILE_FIELDS), PROFILE_CHOICES)


def _value(customer: Customer) -> Iterator[Row]:
    return labelled(CustomerValue.objects.filter(customer_id=customer.pk).values(*VALUE_FIELDS), {"rated_by": RatedBy})


def _consent(customer: Customer) -> Iterator[Row]:
    rows = (
        Consent.objects.filter(customer_id=customer.pk).order_by("channel").values("channel", "granted", "updated_at")
    )
    return labelled(rows, {"channel": ConsentChannel})


def _consent_history(customer: Customer) -> Iterator[Row]:
    rows = ConsentEvent.objects.filter(customer_id=customer.pk).values(
        "id", "occurred_at", "channel", "granted", "source", "note"
    )
    return labelled(in_pages(rows), {"channel": ConsentChannel, "source": ConsentSource})


def _occasions(customer: Customer) -> Iterator[Row]:
    rows = Occasion.objects.filter(customer_id=customer.pk).values("kind", "label", "month", "day", "year")
    return labelled(rows.order_by("month", "day", "id"), {"kind": OccasionKind})


def _needs(customer: Customer) -> Iterator[Row]:
    rows = NeedMention.objects.filter(customer_id=customer.pk).values(
        "id",
        "heard_at",
        "source",
        "excerpt",
        need_title=F("need__title"),
        kind=F("need__kind"),
        category=F("need__category"),
    )
    return labelled(in_pages(rows), {"source": NeedSource, "kind": NeedKind, "category": NeedCategory})


def _segments(customer: Customer) -> Iterator[Row]:
    rows = SegmentMembership.objects.filter(customer_id=customer.pk).values(
        "id", "added_at", segment_name=F("segment__name")
    )
    return in_pages(rows)


def _history(customer: Customer) -> Iterator[Row]:
    rows = CustomerHistory.objects.filter(customer_id=customer.pk).values(
        "id", "changed_at", "attribute", "old_value", "new_value", "reason"
    )
    for row in in_pages(rows):
        kind = ValueTier if row["attribute"] == ProfileAttribute.VALUE_TIER else LifecycleStage
        row["old_value"], row["new_value"] = choice_label(kind, row["old_value"]), choice_label(kind, row["new_value"])
        row["attribute"] = choice_label(ProfileAttribute, row["attribute"])
        yield row


def _recommendations(customer: Customer) -> Iterator[Row]:
    rows = ProductRecommendation.objects.filter(customer_id=customer.pk).values(
        "id",
        "kind",
        "computed_at",
        product_name=in_language_expression("product__name"),
        because_of_name=in_language_expression("because_of__name"),
    )
    return labelled(in_pages(rows), {"kind": RecommendationKind})


def _form_submissions(customer: Customer) -> Iterator[Row]:
    rows = FormSubmission.objects.filter(customer_id=customer.pk).values(
        "id", "created_at", "form__name", "email", "language", "data", "channels", "ip", "confirmed_at", "confirmed_ip"
    )
    for row in in_pages(rows):
        row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
        row["channels"] = ", ".join(row["channels"])
        yield row


def _suppression(customer: Customer) -> Iterator[Row]:
    if not customer.email:
        return iter(())
    rows = SuppressedAddress.objects.filter(address_hash=address_hash(customer.email)).values("reason", "created_at")
    return labelled(rows, {"reason": SuppressionReason})


def preparation_sections(customer: Customer) -> list[Section]:
    """Preparation's exporter, registered first (``customers.apps``)."""
    return [
        Section("profile", _("Profile"), fields(Customer, *PROFILE_FIELDS), lambda: _profile(customer)),
        Section(
            "value", CustomerValue._meta.verbose_name, fields(CustomerValue, *VALUE_FIELDS), lambda: _value(customer)
        ),
        Section(
            "consent",
            Consent._meta.verbose_name_plural,
            fields(Consent, "channel", "granted", "updated_at"),
            lambda: _consent(customer),
        ),
        Section(
            "consent_history",
            ConsentEvent._meta.verbose_name_plural,
            fields(ConsentEvent, "occurred_at", "channel", "granted", "source", "note"),
            lambda: _consent_history(customer),
        ),
        Section(
            "occasions",
            Occasion._meta.verbose_name_plural,
            fields(Occasion, "kind", "label", "month", "day", "year"),
            lambda: _occasions(customer),
        ),
        Section(
            "needs",
            Need._meta.verbose_name_plural,
            (
                field(NeedMention, "heard_at"),
                Column("need_title", Need._meta.verbose_name),
                field(Need, "kind"),
                field(Need, "category"),
                field(NeedMention, "source"),
                field(NeedMention, "excerpt"),
            ),
            lambda: _needs(customer),
        ),
        Section(
            "segments",
            Segment._meta.verbose_name_plural,
            (Column("segment_name", Segment._meta.verbose_name), field(SegmentMembership, "added_at")),
            lambda: _segments(customer),
        ),
        Section(
            "history",
            CustomerHistory._meta.verbose_name_plural,
            fields(CustomerHistory, "changed_at", "attribute", "old_value", "new_value", "reason"),
            lambda: _history(customer),
        ),
        Section(
            "recommendations",
            ProductRecommendation._meta.verbose_name_plural,
            (
                field(ProductRecommendation, "product", key="product_name"),
                field(ProductRecommendation, "kind"),
                field(ProductRecommendation, "because_of", key="because_of_name"),
                field(ProductRecommendation, "computed_at"),
            ),
            lambda: _recommendations(customer),
        ),
        Section(
            "form_submissions",
            FormSubmission._meta.verbose_name_plural,
            (
                field(FormSubmission, "created_at"),
                field(FormSubmission, "form", key="form__name"),
                *fields(FormSubmission, "email", "language", "data", "channels", "ip", "confirmed_at", "confirmed_ip"),
            ),
            lambda: _form_submissions(customer),
        ),
        Section(
            "suppression",
            SuppressedAddress._meta.verbose_name_plural,
            fields(SuppressedAddress, "reason", "created_at"),
            lambda: _suppression(customer),
        ),
    ]
