"""Who the customers are: their contact details, language, place and time zone, and the yearly occasions they have."""

import contextlib
import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emarketing.contacts import InvalidEmail, InvalidPhone, normalise_email, normalise_phone, validate_email_address


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    PERSIAN = "fa", _("Persian")
    ARABIC = "ar", _("Arabic")


class AcquisitionSource(models.TextChoices):
    WEBSITE = "web", _("Website")
    FORM = "form", _("Capture form")
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


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # Read once per process: ``available_timezones()`` walks the whole tz database on disk (tens of milliseconds,
    # on every customer saved through a form or a service).
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value):
    if value not in _known_time_zones():
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
    # Set by the customer's erasure (``customers.services.erasure``): the row stays, for the orders and the
    # dashboards that count it, with nothing personal left on it.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        # Seeing customers one page at a time is not taking the whole base away: the CSV export of e-mails and
        # phones needs this permission of its own (Marketers and Managers have it, sales agents never).
        # Erasing (the right to be forgotten) cannot be undone: a permission of its own, given to Managers.
        permissions = [
            ("export_customer", _("Can export customers (personal data) as CSV")),
            ("erase_customer", _("Can erase customers (the right to be forgotten)")),
        ]
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
            # An erased customer keeps neither.
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone="") | Q(erased_at__isnull=False), name="customer_has_email_or_phone"
            ),
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
        if self.erased_at is not None:
            return _("Erased customer #%(id)s") % {"id": self.pk}
        return self.full_name or self.email or self.phone

    def get_absolute_url(self):
        return reverse("admin:customers_customer_change", args=[self.pk])

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def contact_label(self) -> str:
        """The name with e-mail and phone, so that two customers of the same name can be told apart; the address
        and number each isolated left-to-right (U+2066…U+2069), so that a right-to-left name keeps them whole."""
        if self.erased_at is not None:
            return str(self)
        contacts = [f"\u2066{value}\u2069" for value in (self.email, self.phone) if value]
        return " · ".join([self.full_name, *contacts] if self.full_name else contacts) or str(self)

    def clean(self):
        """Phone in E.164 (national forms read in the customer's country) and the address normalised."""
        try:
            self.phone = normalise_phone(self.phone, country=self.country)
        except InvalidPhone as error:
            raise ValidationError({"phone": str(error)}) from error
        with contextlib.suppress(InvalidEmail):  # an invalid address: the field's validator says so, on the field
            self.email = normalise_email(self.email)
        if not self.email and not self.phone and self.erased_at is None:
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
