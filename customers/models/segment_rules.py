"""A segment's rules as marketers write them: the fields and lookups a condition can use, and its rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models.needs import Need
from customers.models.segments import Segment


class SegmentField(models.TextChoices):
    """What a segment condition can look at; ``customers.segments`` knows how each one is compiled."""

    FIRST_NAME = "first_name", _("First name")
    LAST_NAME = "last_name", _("Last name")
    EMAIL = "email", _("E-mail")
    LANGUAGE = "preferred_language", _("Preferred language")
    COUNTRY = "country", _("Country")
    REGION = "region", _("Region / province")
    CITY = "city", _("City")
    ACQUISITION_SOURCE = "acquisition_source", _("Acquisition source")
    CREATED_AT = "created_at", _("Customer since")
    VALUE_TIER = "value_tier", _("Value tier")
    LIFECYCLE_STAGE = "lifecycle_stage", _("Lifecycle stage")
    SATISFACTION = "satisfaction", _("Satisfaction (CSAT average)")
    LAST_NPS = "last_nps", _("Last NPS answer")
    AT_RISK = "at_risk", _("At risk")
    REFERRAL_CANDIDATE = "referral_candidate", _("Referral candidate")
    AIDA_STEP = "aida_step", _("AIDA step reached in a campaign")
    PRODUCT_BOUGHT = "product_bought", _("Bought the product")
    PRODUCT_CATEGORY_BOUGHT = "product_category_bought", _("Bought in the product category")
    NEED = "need", _("Expressed the need")
    NEED_CATEGORY = "need_category", _("Expressed a need of the category")
    UPCOMING_OCCASION = "upcoming_occasion", _("Occasion in the next days")
    CONSENT = "consent", _("Consent given for the channel")
    FIRST_ORDER = "first_order", _("First purchase")
    LAST_ORDER = "last_order", _("Last purchase")
    ORDER_COUNT = "order_count", _("Number of purchases")
    TOTAL_SPEND = "total_spend", _("Total spend")
    AVERAGE_SPEND = "average_spend", _("Average spend per purchase")
    RECENCY_SCORE = "recency_score", _("R score (recency, 1–5)")
    FREQUENCY_SCORE = "frequency_score", _("F score (frequency, 1–5)")
    MONETARY_SCORE = "monetary_score", _("M score (spend, 1–5)")
    PREDICTED_VALUE = "predicted_value", _("Predicted value")
    PROBABILITY_ALIVE = "probability_alive", _("Probability still a customer (0–1)")
    PRODUCT_VIEWED = "product_viewed", _("Viewed the product on the website")
    CART_ABANDONED = "cart_abandoned", _("Abandoned a cart on the website")


class SegmentLookup(models.TextChoices):
    IS = "is", _("is / is one of")
    IS_NOT = "is_not", _("is not / none of")
    CONTAINS = "contains", _("contains")
    GTE = "gte", _("at least")
    LTE = "lte", _("at most")
    IS_EMPTY = "is_empty", _("is empty")
    LAST_DAYS = "last_days", _("in the last … days")
    OVER_DAYS_AGO = "over_days_ago", _("more than … days ago")
    DAYS_AGO_BETWEEN = "days_ago_between", _("between … and … days ago")


# The lookups of a date that count days back from the customer's today: they move with the calendar.
RELATIVE_DATE_LOOKUPS = (SegmentLookup.LAST_DAYS, SegmentLookup.OVER_DAYS_AGO, SegmentLookup.DAYS_AGO_BETWEEN)


class SegmentCondition(models.Model):
    """One row of a segment's rule form: rows of the same group must all hold (AND), groups are alternatives (OR).

    The rows are the form a marketer edits; the compiled, validated rules are kept in ``Segment.rules``.
    """

    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="conditions")
    group = models.PositiveSmallIntegerField(
        _("group"), default=1, help_text=_("Rows with the same group must all hold; any one group is enough.")
    )
    field = models.CharField(_("field"), max_length=32, choices=SegmentField.choices)
    lookup = models.CharField(_("condition"), max_length=16, choices=SegmentLookup.choices, default=SegmentLookup.IS)
    value = models.CharField(
        _("value"),
        max_length=500,
        blank=True,
        help_text=_(
            "Picked from the list the field offers; a date, or a number of days (two for “between”) for dates; "
            "days ahead for occasions."
        ),
    )
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    need = models.ForeignKey(
        Need, verbose_name=_("need"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions (same group: all of them; different groups: any of them)")
        ordering = ["group", "id"]

    def __str__(self):
        from customers.segments import RuleError, describe_condition, normalize_condition

        values = [v for v in (self.value, self.product_id, self.need_id) if v not in (None, "")]
        raw: dict[str, object] = {"field": self.field, "lookup": self.lookup, "value": ", ".join(map(str, values))}
        if self.campaign_id:
            raw["campaign"] = self.campaign_id
        try:
            return describe_condition(normalize_condition(raw))
        except (RuleError, KeyError):  # a row that no longer fits the rules: as it was written
            return f"{self.get_field_display()} {self.get_lookup_display()} {self.value}".strip()
