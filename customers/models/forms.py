"""Capture forms: the forms marketers build to acquire leads, what visitors submitted, and how each form converts.

A form asks the first name and the e-mail address, a choice of the profile fields in :class:`FormField`, and
consent for the channels it names, each in the wording stored per language (:class:`FormConsentWording`). A
submission is kept as it came (:class:`FormSubmission`) and applied to the customer's record only when the link
e-mailed to the address is followed (double opt-in), so nothing reaches another customer's record unconfirmed.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.consent import ConsentChannel
from customers.models.customers import Customer, Language


class FormField(models.TextChoices):
    """The profile fields a form may ask besides the first name and the e-mail address, which every form asks."""

    LAST_NAME = "last_name", _("Last name")
    PHONE = "phone", _("Phone")
    COUNTRY = "country", _("Country")
    CITY = "city", _("City")
    BIRTHDAY = "birthday", _("Birthday")
    WEDDING_ANNIVERSARY = "wedding_anniversary", _("Wedding anniversary")
    TOPICS = "topics", _("Topics of interest")


# The fields of a submission that are the customer's profile (the rest are occasions and topics).
PROFILE_FIELDS = ("first_name", "last_name", "phone", "country", "city")
OCCASION_FIELDS = {FormField.BIRTHDAY.value: "birthday", FormField.WEDDING_ANNIVERSARY.value: "wedding_anniversary"}


def wording_version(text: str) -> str:
    """The version of a consent wording: the first 16 hex digits of its SHA-256, so the same words are the same
    version in any form, and any change of a character is a new one."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]


class CaptureForm(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_("For the team; visitors see the title."))
    slug = models.SlugField(_("address"), unique=True, help_text=_("The form's page is /f/<address>/."))
    active = models.BooleanField(_("active"), default=True)
    fields = models.JSONField(_("fields asked"), default=list, blank=True)
    channels = models.JSONField(_("consent asked for"), default=list, blank=True)
    double_opt_in = models.BooleanField(
        _("double opt-in"),
        default=True,
        help_text=_(
            "Consent is given only when the visitor follows the link in the confirmation e-mail. Off, a new "
            "address is a lead at once; an address the product already knows is always confirmed by e-mail."
        ),
    )
    proof_of_work = models.BooleanField(
        _("proof of work"),
        default=False,
        help_text=_("The visitor's browser solves a small puzzle before the form is sent (no outside service)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("capture form")
        verbose_name_plural = _("capture forms")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("customers:form", args=[self.slug])

    def clean(self):
        unknown = [f for f in self.fields or [] if f not in FormField.values]
        if unknown:
            raise ValidationError({"fields": _("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)}})
        unknown = [c for c in self.channels or [] if c not in ConsentChannel.values]
        if unknown:
            raise ValidationError({"channels": _("Unknown channels: %(fields)s") % {"fields": ", ".join(unknown)}})


class CaptureFormText(models.Model):
    """What the form says in one language; a visitor whose language has none reads the first one written."""

    form = models.ForeignKey(CaptureForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    thank_you = models.TextField(
        _("thank-you text"), blank=True, help_text=_("Shown once the form is sent; a default says to check the inbox.")
    )

    class Meta:
        verbose_name = _("text")
        verbose_name_plural = _("texts")
        ordering = ["form", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "language"], name="capture_form_text_per_language")]

    def __str__(self):
        return f"{self.form} ({self.get_language_display()})"


class FormConsentWording(models.Model):
    """The exact words a visitor agrees to for one channel, in one language; each version of them is kept with the
    submissions that showed it, so a consent can always be traced to what was read."""

    form = models.ForeignKey(CaptureForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="wordings")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    text = models.TextField(_("wording"))

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")
        ordering = ["form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "language", "channel"], name="form_consent_wording_unique")
        ]

    def __str__(self):
        return f"{self.get_channel_display()} ({self.get_language_display()})"

    @property
    def version(self) -> str:
        return wording_version(self.text)


class FormSubmission(models.Model):
    """One submission of a form, kept as it came until the address confirms it (then applied to the customer).

    ``customer`` is the lead the submission created, or the customer who already had the address: that customer's
    record is not touched before confirmation. The confirmation itself is recorded here: when, and from which
    network address, for which form and which wording.
    """

    form = models.ForeignKey(CaptureForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="submissions")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="form_submissions"
    )
    lead_created = models.BooleanField(_("created the lead"), default=False)
    email = models.CharField(_("e-mail"), max_length=254)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    data = models.JSONField(_("answers"), default=dict, blank=True)
    channels = models.JSONField(_("consent given for"), default=list, blank=True)
    wordings = models.JSONField(_("wordings shown"), default=dict, blank=True)
    nonce = models.CharField(max_length=32, editable=False)
    ip = models.GenericIPAddressField(_("sent from"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(_("confirmed from"), null=True, blank=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        ordering = ["-id"]
        indexes = [
            # The nightly clean-up reads the old unconfirmed ones only.
            models.Index(fields=["created_at"], name="form_submission_unconfirmed", condition=Q(confirmed_at=None)),
        ]

    def __str__(self):
        return _("Submission #%(id)s of %(form)s") % {"id": self.pk, "form": self.form_id}

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class FormDaily(models.Model):
    """Each form's views, submissions and confirmations per day: counters raised in the database (``F() + 1``),
    so concurrent requests on any number of processes count exactly."""

    form = models.ForeignKey(CaptureForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="daily")
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)
    submissions = models.PositiveIntegerField(_("submissions"), default=0)
    confirmations = models.PositiveIntegerField(_("confirmations"), default=0)

    class Meta:
        verbose_name = _("form figures of a day")
        verbose_name_plural = _("form figures per day")
        constraints = [models.UniqueConstraint(fields=["form", "day"], name="form_daily_unique")]
        indexes = [models.Index(fields=["day"], name="form_daily_day")]

    def __str__(self):
        return f"{self.form_id} {self.day}"
