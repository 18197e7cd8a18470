"""Content that works: the marketer's scores of a creative on the five dimensions of content, and free tags.

Seed 000 studies five dimensions of content: entertainment, interaction, being up to date, customisation and word of
mouth. Each is scored by the marketer from 0 (not at all) to 5 (as much as content can); blank means not scored, and a
blank is never read as 0. Tags are free labels (a table of its own, so the design works on SQLite and PostgreSQL
alike). The cycle's Content board relates the scores to the AIDA steps that follow (docs/content.md).
"""

from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models.campaigns import Creative

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SCORE_MIN = 0
SCORE_MAX = 5


class ContentDimension(models.TextChoices):
    ENTERTAINMENT = "entertainment", _("Entertainment")
    INTERACTION = "interaction", _("Interaction")
    UP_TO_DATE = "up_to_date", _("Being up to date")
    CUSTOMISATION = "customisation", _("Customisation")
    WORD_OF_MOUTH = "word_of_mouth", _("Word of mouth")


# The score fields of :class:`CreativeContent`, one per dimension and named after it, in the seed's order.
CONTENT_DIMENSIONS = list(ContentDimension)


def _score_field(label: "StrOrPromise") -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)],
        help_text=_("0 (not at all) to 5 (as much as content can); blank if not scored."),
    )


class ContentTag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("content tag")
        verbose_name_plural = _("content tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CreativeContent(models.Model):
    """The marketer's judgement of one creative's content."""

    creative = models.OneToOneField(
        Creative, verbose_name=_("creative"), on_delete=models.CASCADE, related_name="content", primary_key=True
    )
    entertainment = _score_field(_("entertainment"))
    interaction = _score_field(_("interaction"))
    up_to_date = _score_field(_("being up to date"))
    customisation = _score_field(_("customisation"))
    word_of_mouth = _score_field(_("word of mouth"))
    tags = models.ManyToManyField(ContentTag, verbose_name=_("tags"), blank=True, related_name="contents")

    class Meta:
        verbose_name = _("content score")
        verbose_name_plural = _("content scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{d.value}__isnull": True}) | Q(**{f"{d.value}__lte": SCORE_MAX}),
                name=f"creative_content_{d.value}_at_most_{SCORE_MAX}",
            )
            for d in ContentDimension
        ]

    def __str__(self):
        return str(self.creative)

    def scores(self) -> dict[str, int | None]:
        return {d.value: getattr(self, d.value) for d in ContentDimension}
