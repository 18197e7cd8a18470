"""The six-monthly report kept with its plan review: the PDF made for senior management and investors."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

REPORT_LANGUAGES = (("en", _("English")), ("fa", _("Persian")), ("ar", _("Arabic")))


def report_upload_to(instance: "ReviewReport", filename: str) -> str:
    return f"review_reports/{instance.review_id}/{filename}"


class ReviewReport(models.Model):
    """One PDF of a review's report, in one language. Preparing it again adds a new one: the older ones are kept, as
    what was shown to the board on a given day."""

    review = models.ForeignKey(
        "cycle.PlanReview", verbose_name=_("plan review"), on_delete=models.CASCADE, related_name="reports"
    )
    language = models.CharField(_("language"), max_length=8, choices=REPORT_LANGUAGES)
    # The private (default) storage: the file is served only through the review's admin page, to managers.
    file = models.FileField(_("PDF"), upload_to=report_upload_to, max_length=255)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    generated_at = models.DateTimeField(_("prepared at"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["-generated_at", "-id"]
        permissions = [("prepare_reviewreport", _("Can prepare and download a plan review's report"))]

    def __str__(self) -> str:
        return f"{self.review} ({self.language}, {self.generated_at:%Y-%m-%d %H:%M})"
