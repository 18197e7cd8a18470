"""Preparation: who the customers are, what they consented to and what they need."""

import contextlib
import hashlib
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

from emarketing.contacts import InvalidEmail, InvalidPhone, normalise_email, normalise_phone, validate_email_address


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    PERSIAN = "fa", _("Persian")
    ARABIC = "ar", _("Arabic")


class AcquisitionSource(models.TextChoices):
    WEBSITE = "web", _("Website")
    EMAIL = "email", _("E-mail")
    BANNER = "banner", _("Banner")
    SEARCH = "search", _("Search engine")
    SOCIAL = "social", _("Social media")
    REFERRAL = "referral", _("Referral / word of mouth")
    AGENT = "agent", _("Agent or representative")
    PHONE = "phone", _("Phone")
    STORE = "store", _("Store / face to face")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class ValueTier(models.TextChoices):
    MOST_VALUABLE = "most_valuable", _("Most valuable")
    POTENTIAL = "potential", _("Potential")
    LOW_VALUE = "low_value", _("Low value")
    UNRATED = "unrated", _("Not yet rated")


class LifecycleStage(models.TextChoices):
    SELECTION = "selection", _("Selection")
    ACQUISITION = "acquisition", _("Acquisition")
    RETENTION = "retention", _("Retention")
    EXTENSION = "extension", _("Extension")
    WIN_BACK = "win_back", _("Win-back")  # a buyer the company is probably losing


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Customer(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    # Not an EmailField: Django's validator refuses internationalised addresses (josé@…, زهرا@مثال.ایران).
    email = models.CharField(_("e-mail"), max_length=254, blank=True, validators=[validate_email_address])
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("Stored in E.164, e.g. +989123456789."))
    other_phone = models.CharField(_("other phone"), max_length=32, blank=True)
    external_id = models.CharField(
        _("id in the previous tool"),
        max_length=64,
        blank=True,
        help_text=_(
            "The customer's id in the tool their data came from (a shop, a CRM); order history imports use it."
        ),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. IR."))
    region = models.CharField(_("region / province"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    acquisition_source = models.CharField(
        _("acquisition source"), max_length=16, choices=AcquisitionSource.choices, default=AcquisitionSource.WEBSITE
    )
    value_tier = models.CharField(_("value tier"), max_length=16, choices=ValueTier.choices, default=ValueTier.UNRATED)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.SELECTION,
    )
    satisfaction = models.DecimalField(
        _("satisfaction (CSAT average)"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    last_nps = models.PositiveSmallIntegerField(
        _("last NPS answer"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    at_risk = models.BooleanField(
        _("at risk"), default=False, help_text=_("A detractor or unhappy customer to win back.")
    )
    referral_candidate = models.BooleanField(
        _("referral candidate"), default=False, help_text=_("A promoter to ask for word of mouth.")
    )
    suppressed = models.BooleanField(
        _("suppressed"), default=False, help_text=_("Never contacted: hard bounce, complaint or legal request.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="customer_email_unique"),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="customer_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(last_nps__isnull=True) | Q(last_nps__gte=0, last_nps__lte=10),
                name="customer_last_nps_0_10",
            ),
            models.CheckConstraint(condition=~Q(email="") | ~Q(phone=""), name="customer_has_email_or_phone"),
        ]
        indexes = [
            models.Index(fields=["phone"]),
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["external_id"], name="customer_external_id", condition=~Q(external_id="")),
            # Declared here rather than with db_index: PostgreSQL then builds no second "LIKE" index for a choice.
            models.Index(fields=["value_tier"], name="customer_value_tier"),
            models.Index(fields=["lifecycle_stage"], name="customer_lifecycle_stage"),
            # The few time zones customers live in, read by skipping through it (segments count days in them).
            models.Index(fields=["time_zone"], name="customer_time_zone"),
            # An address found whatever its case (customer_get_or_create, a bounce or complaint naming it).
            models.Index(Upper("email"), name="customer_email_upper"),
            # The few customers at risk are looked up; the rest need no entry.
            models.Index(fields=["at_risk"], name="customer_at_risk", condition=Q(at_risk=True)),
        ]

    def __str__(self):
        return self.full_name or self.email or self.phone

    def get_absolute_url(self):
        return reverse("admin:customers_customer_change", args=[self.pk])

    def clean(self):
        """Phone in E.164 (national forms read in the customer's country) and the address normalised."""
        try:
            self.phone = normalise_phone(self.phone, country=self.country)
        except InvalidPhone as error:
            raise ValidationError({"phone": str(error)}) from error
        with contextlib.suppress(InvalidEmail):  # an invalid address: the field's validator says so, on the field
            self.email = normalise_email(self.email)
        if not self.email and not self.phone:
            raise ValidationError(_("Give at least an e-mail address or a phone number."))

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class OccasionKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday")
    WEDDING_ANNIVERSARY = "wedding_anniversary", _("Wedding anniversary")
    OTHER = "other", _("Other")


class Occasion(models.Model):
    """A yearly date worth an offer: the year may be unknown, the month and day are not."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="occasions"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=OccasionKind.choices)
    label = models.CharField(_("label"), max_length=100, blank=True)
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    day = models.PositiveSmallIntegerField(_("day"), validators=[MinValueValidator(1), MaxValueValidator(31)])
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("occasion")
        verbose_name_plural = _("occasions")
        ordering = ["month", "day"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="occasion_month_1_12"),
            models.CheckConstraint(condition=Q(day__gte=1, day__lte=31), name="occasion_day_1_31"),
            models.UniqueConstraint(fields=["customer", "kind", "label"], name="occasion_unique_per_customer"),
        ]
        indexes = [models.Index(fields=["month", "day"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.month:02d}-{self.day:02d}"

    def clean(self):
        days_in_month = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
        if self.month and self.day and self.day > days_in_month.get(self.month, 31):
            raise ValidationError({"day": _("That month has no such day.")})
        if (
            self.year
            and self.month == 2
            and self.day == 29
            and not (self.year % 4 == 0 and (self.year % 100 != 0 or self.year % 400 == 0))
        ):
            raise ValidationError({"day": _("%(year)s was not a leap year.") % {"year": self.year}})


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone calls")
    POST = "post", _("Direct mail")
    PROFILING = "profiling", _("Use of data for personal offers")


class ConsentSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    PREFERENCE_CENTRE = "preference_centre", _("Preference centre")
    UNSUBSCRIBE_LINK = "unsubscribe", _("Unsubscribe link")
    CHECKOUT = "checkout", _("During purchase")
    AGENT = "agent", _("Agent")
    PHONE = "phone", _("Phone")
    IMPORT = "import", _("Import")
    ADMIN = "admin", _("Entered by staff")
    # The customer marked a message as spam in their mailbox; the provider told us (a feedback loop).
    COMPLAINT = "complaint", _("Spam complaint")


class Consent(models.Model):
    """The current consent of a customer for one channel; its history is in ConsentEvent."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["customer", "channel"], name="consent_one_per_channel")]
        indexes = [models.Index(fields=["channel", "granted", "customer"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        state = _("given") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()}: {state}"


class ConsentEvent(models.Model):
    """Append-only history: every time consent was given or withdrawn, when and how."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consent_events"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("how"), max_length=24, choices=ConsentSource.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent history")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        action = _("given") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()} {action}"


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_dynamic = models.BooleanField(
        _("refreshed by rules"), default=False, help_text=_("Membership is rebuilt from the rules by a job.")
    )
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    members = models.ManyToManyField(
        Customer, verbose_name=_("members"), through="SegmentMembership", related_name="segments", blank=True
    )
    member_count = models.PositiveIntegerField(_("members"), default=0, editable=False)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SegmentMembership(models.Model):
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="memberships"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="memberships"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_once")]

    def __str__(self):
        return f"{self.segment} ∋ {self.customer}"


class NeedKind(models.TextChoices):
    NEED = "need", _("Need")
    WANT = "want", _("Want")
    COMPLAINT = "complaint", _("Complaint")


class NeedCategory(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    PRICE = "price", _("Price")
    QUALITY = "quality", _("Product quality")
    PRODUCT_REQUEST = "product_request", _("New product or feature")
    SUPPORT = "support", _("Service and support")
    PAYMENT = "payment", _("Payment")
    WEBSITE = "website", _("Website and navigation")
    INFORMATION = "information", _("Information and content")
    OTHER = "other", _("Other")


class NeedSource(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey")
    TICKET = "ticket", _("Contact line ticket")
    REVIEW = "review", _("Review")
    CAMPAIGN = "campaign", _("Campaign inquiry")
    MARKETER = "marketer", _("Entered by a marketer")
    IMPORT = "import", _("Import")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    PLANNED = "planned", _("Turned into an objective")
    CLOSED = "closed", _("Closed")


class Need(models.Model):
    """A need or want that customers express, counted each time it is heard again."""

    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices, default=NeedKind.NEED)
    category = models.CharField(_("category"), max_length=24, choices=NeedCategory.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        "orders.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    source = models.CharField(_("first heard from"), max_length=16, choices=NeedSource.choices)
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    mention_count = models.PositiveIntegerField(_("times heard"), default=0)
    first_heard_at = models.DateTimeField(_("first heard"), default=timezone.now)
    last_heard_at = models.DateTimeField(_("last heard"), default=timezone.now, db_index=True)
    objective = models.ForeignKey(
        "cycle.Objective",
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )

    class Meta:
        verbose_name = _("need or want")
        verbose_name_plural = _("needs and wants")
        ordering = ["-last_heard_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "product"],
                condition=Q(product__isnull=False),
                name="need_unique_with_product",
            ),
            models.UniqueConstraint(
                fields=["kind", "category"], condition=Q(product__isnull=True), name="need_unique_without_product"
            ),
        ]

    def __str__(self):
        return self.title


class NeedMention(models.Model):
    """One time a need was heard: which customer, from which feedback item. One per feedback item."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="mentions")
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="need_mentions",
    )
    source = models.CharField(_("source"), max_length=16, choices=NeedSource.choices)
    source_id = models.PositiveBigIntegerField(_("source id"))
    excerpt = models.CharField(_("what they said"), max_length=500, blank=True)
    heard_at = models.DateTimeField(_("heard at"), default=timezone.now)

    class Meta:
        verbose_name = _("need mention")
        verbose_name_plural = _("need mentions")
        ordering = ["-heard_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="need_mention_once_per_feedback"),
        ]
        indexes = [models.Index(fields=["need", "heard_at"]), models.Index(fields=["heard_at"])]

    def __str__(self):
        return f"{self.need} ({self.get_source_display()} #{self.source_id})"


class ProfileAttribute(models.TextChoices):
    VALUE_TIER = "value_tier", _("Value tier")
    LIFECYCLE_STAGE = "lifecycle_stage", _("Lifecycle stage")


class CustomerHistory(models.Model):
    """Append-only: every change of a customer's value tier or lifecycle stage, when and why."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="history")
    attribute = models.CharField(_("what changed"), max_length=16, choices=ProfileAttribute.choices)
    old_value = models.CharField(_("from"), max_length=16)
    new_value = models.CharField(_("to"), max_length=16)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.CharField(_("why"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("tier or lifecycle change")
        verbose_name_plural = _("tier and lifecycle history")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["changed_at"])]

    def __str__(self):
        return f"{self.get_attribute_display()}: {self.old_value} → {self.new_value}"

    def _label(self, value):
        choices = ValueTier if self.attribute == ProfileAttribute.VALUE_TIER else LifecycleStage
        try:
            return choices(value).label
        except ValueError:
            return value

    @property
    def old_label(self):
        return self._label(self.old_value)

    @property
    def new_label(self):
        return self._label(self.new_value)


class RatedBy(models.TextChoices):
    MODEL = "model", _("Buy-till-you-die model (BG/NBD and Gamma-Gamma)")
    RFM = "rfm", _("RFM scores only (too little history for the model)")


class CustomerValue(models.Model):
    """What the company's own purchase history says of one customer: RFM scores against the other customers and,
    where the history suffices, the model's probability that they are still a customer and their predicted value.

    Written by the value refresh (``customers.services.valuation``) for every customer with a sale; the value
    tier and lifecycle stage follow from it by the rules of :class:`TierPolicy`.
    """

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), primary_key=True, on_delete=models.CASCADE, related_name="value"
    )
    computed_at = models.DateTimeField(_("computed at"))
    rated_by = models.CharField(_("rated by"), max_length=8, choices=RatedBy.choices)
    first_order_at = models.DateTimeField(_("first purchase"))
    last_order_at = models.DateTimeField(_("last purchase"))
    purchases = models.PositiveIntegerField(
        _("purchases"), help_text=_("Sales: orders neither cancelled nor returned.")
    )
    spend = models.DecimalField(_("spend"), max_digits=14, decimal_places=2)
    recency_score = models.PositiveSmallIntegerField(
        _("R score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    frequency_score = models.PositiveSmallIntegerField(
        _("F score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    monetary_score = models.PositiveSmallIntegerField(
        _("M score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    probability_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    expected_purchases = models.FloatField(_("expected purchases"), null=True, blank=True)
    predicted_value = models.DecimalField(
        _("predicted value"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Expected spend over the policy's horizon; without the model, the spend so far."),
    )

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability_alive__isnull=True) | Q(probability_alive__gte=0, probability_alive__lte=1),
                name="customer_value_probability_0_1",
            ),
        ]
        indexes = [models.Index(fields=["predicted_value"]), models.Index(fields=["probability_alive"])]

    def __str__(self):
        return str(self.customer_id)


class ValueModelFit(models.Model):
    """One fit of the buy-till-you-die models to the company's history (weekly, and after an order history
    import); the latest successful one scores the customers."""

    fitted_at = models.DateTimeField(_("fitted at"), default=timezone.now, db_index=True)
    customers = models.PositiveIntegerField(_("customers fitted on"))
    repeat_customers = models.PositiveIntegerField(_("of them with repeat purchases"))
    succeeded = models.BooleanField(_("fitted"), default=False)
    message = models.CharField(_("why not"), max_length=200, blank=True)
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    log_likelihood = models.FloatField(_("log-likelihood (BG/NBD)"), null=True, blank=True)

    class Meta:
        verbose_name = _("value model fit")
        verbose_name_plural = _("value model fits")
        ordering = ["-fitted_at", "-id"]

    def __str__(self):
        return f"{self.fitted_at:%Y-%m-%d %H:%M}"


def _probability(label: "str | _StrPromise", default: str) -> models.DecimalField:
    """A probability threshold of the tier rules: 0.00 to 1.00."""
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )


class TierPolicy(models.Model):
    """The rules that turn scores into value tiers and lifecycle stages; one row, edited in the admin.

    Read in order: most valuable, then potential; any other buyer is low value. A buyer whose probability of
    still being a customer falls below the churn line is a win-back target, and never potential or better.
    """

    most_valuable_top_percent = models.DecimalField(
        _("most valuable: predicted value in the top (%)"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    most_valuable_min_alive = _probability(_("most valuable: probability still a customer at least"), "0.60")
    potential_min_alive = _probability(_("potential: probability still a customer at least"), "0.50")
    potential_min_score = models.PositiveSmallIntegerField(
        _("potential: F or M score at least"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    churn_below_alive = _probability(_("win-back: probability still a customer below"), "0.30")
    rfm_min_recency_score = models.PositiveSmallIntegerField(
        _("without the model: R score at least (else win-back)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Used while the history is too short for the model; R 1 is the fifth who bought longest ago."),
    )
    horizon_days = models.PositiveIntegerField(
        _("predicted value over (days)"), default=365, validators=[MinValueValidator(7), MaxValueValidator(3650)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tier rules")
        verbose_name_plural = _("tier rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(potential_min_alive__gte=models.F("churn_below_alive")),
                name="tier_policy_potential_not_below_churn",
            )
        ]

    def __str__(self):
        return str(_("Tier rules"))

    def clean(self):
        if (
            self.potential_min_alive is not None
            and self.churn_below_alive is not None
            and self.potential_min_alive < self.churn_below_alive
        ):
            raise ValidationError(
                {"potential_min_alive": _("A potential customer cannot be less likely to stay than a win-back one.")}
            )

    @classmethod
    def current(cls) -> "TierPolicy":
        """The rules in force (the defaults until someone edits them)."""
        return cls.objects.order_by("pk").first() or cls()


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


class RecommendationKind(models.TextChoices):
    CROSS_SELL = "cross_sell", _("Cross-sell: a complementary product")
    UP_SELL = "up_sell", _("Up-sell: a better, dearer product")


class ProductRecommendation(models.Model):
    """A product to propose to a customer, from what customers who bought the same things also bought."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="recommendations"
    )
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="recommendations"
    )
    because_of = models.ForeignKey(
        "orders.Product",
        verbose_name=_("because they bought"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RecommendationKind.choices)
    score = models.FloatField(_("score"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("product recommendation")
        verbose_name_plural = _("product recommendations")
        ordering = ["customer", "-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="recommendation_once_per_product"),
        ]
        indexes = [models.Index(fields=["customer", "score"])]

    def __str__(self):
        return f"{self.product} → {self.customer}"


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Order history")


class ImportPreset(models.Model):
    """A column mapping a marketer saved from an import preview, offered again for files with the same headers."""

    kind = models.CharField(_("import"), max_length=16, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(
        _("columns"), default=dict, help_text=_("Each header of the file, to the field it fills.")
    )
    date_formats = models.JSONField(_("date formats"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="import_preset_name_unique")]

    def __str__(self):
        return self.name


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused: nothing changed")
    CANCELLED = "cancelled", _("Cancelled: nothing changed")
    FAILED = "failed", _("Failed: nothing changed")


class ImportJob(models.Model):
    """A big file applied in the background, all or nothing: who started it, how it went, what it did."""

    FINISHED = (ImportJobStatus.APPLIED, ImportJobStatus.REFUSED, ImportJobStatus.CANCELLED, ImportJobStatus.FAILED)

    kind = models.CharField(_("import"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    path = models.CharField(_("stored file"), max_length=255, unique=True, editable=False)
    options = models.JSONField(_("options"), default=dict, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED, db_index=True
    )
    run = models.CharField(_("run"), max_length=32, blank=True, editable=False)
    rows_total = models.PositiveIntegerField(_("rows (estimated)"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background import")
        verbose_name_plural = _("background imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name

    @property
    def progress_key(self) -> str:
        return f"import-{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


# --- The suppression list ---------------------------------------------------------------------------------------


def suppression_form(address: str) -> str:
    """An address as the suppression list keeps it: normalised as every address is (``normalise_email``); one
    that cannot be read as an address (a bounce may name anything) is kept as written, trimmed."""
    try:
        return normalise_email(address)
    except InvalidEmail:
        return address.strip()


def address_hash(address: str) -> str:
    """The key of an address on the suppression list: SHA-256 (hex) of its normalised, lower-cased form.

    Lower-cased because mail servers and providers report addresses in any case; the hash stays when an erasure
    blanks the address, so a customer erased and imported again is still not written to.
    """
    return hashlib.sha256(suppression_form(address).lower().encode("utf-8")).hexdigest()


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    MANUAL = "manual", _("Added by staff")
    IMPORT = "import", _("Imported list")
    ERASURE = "erasure", _("Erasure request")


class SuppressedAddress(models.Model):
    """An address no message may go to, whoever has it: every send checks the list by hash."""

    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("Blank after an erasure: the hash alone is kept.")
    )
    address_hash = models.CharField(_("address hash (SHA-256)"), max_length=64, unique=True, editable=False)
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The list set the customer's flag (it was clear before): removing the address clears it again, while a flag
    # set for another reason (a legal request entered by hand) stays.
    flagged_customer = models.BooleanField(_("suppressed the customer"), default=False, editable=False)
    created_at = models.DateTimeField(_("added at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.address or _("(erased) %(hash)s…") % {"hash": self.address_hash[:12]}
