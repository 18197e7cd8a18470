"""Imports: column mappings saved as presets, and big files applied in the background."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
