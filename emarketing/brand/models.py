"""The brand: one row, edited in the admin. Wording per language follows ``emarketing.localized`` (the English
field, with a Persian and an Arabic twin that fall back to it when blank)."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from emarketing.media import public_media_storage

# A colour as #RRGGBB: the only form that reaches a stylesheet or an e-mail, so nothing else can be written there.
COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"
colour_validator = RegexValidator(COLOUR_PATTERN, _("Enter a colour as #RRGGBB, for example #1A237E."))
DEFAULT_PRIMARY = "#1A237E"
DEFAULT_ACCENT = "#0D6EFD"
# The one row there is (a singleton: the admin edits it, never adds a second).
SINGLETON_ID = 1


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=120, help_text=_("The company's name, as customers know it."))
    name_fa = models.CharField(_("name (Persian)"), max_length=120, blank=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=120, blank=True)
    sender_name = models.CharField(
        _("sender name"), max_length=120, blank=True, help_text=_("The From name of e-mails; blank: the name.")
    )
    sender_name_fa = models.CharField(_("sender name (Persian)"), max_length=120, blank=True)
    sender_name_ar = models.CharField(_("sender name (Arabic)"), max_length=120, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    address_fa = models.TextField(_("address (Persian)"), max_length=500, blank=True)
    address_ar = models.TextField(_("address (Arabic)"), max_length=500, blank=True)
    footer = models.TextField(
        _("footer text"), max_length=500, blank=True, help_text=_("A line under every public page and e-mail.")
    )
    footer_fa = models.TextField(_("footer text (Persian)"), max_length=500, blank=True)
    footer_ar = models.TextField(_("footer text (Arabic)"), max_length=500, blank=True)
    logo = models.ImageField(_("logo"), upload_to="brand/", blank=True, storage=public_media_storage)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default=DEFAULT_PRIMARY, validators=[colour_validator]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default=DEFAULT_ACCENT, validators=[colour_validator]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brand")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=SINGLETON_ID), name="brand_single_row"),
            models.CheckConstraint(condition=models.Q(primary_colour__regex=COLOUR_PATTERN), name="brand_primary_rgb"),
            models.CheckConstraint(condition=models.Q(accent_colour__regex=COLOUR_PATTERN), name="brand_accent_rgb"),
        ]

    def __str__(self) -> str:
        return self.name
