"""The company's departments (product, logistics, finance…) and the needs handed to them.

A department is kept here, on the lowest floor that hands work to one (preparation's needs); after-sales hands its
tickets to the same departments through ``aftersales.models.handovers``. ``HandoverBase`` is the shape every
handover shares: the department, a due date, who handed it and when, and who marked it done, when and with what
outcome.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.needs import Need
from emarketing.localized import in_language


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_fa = models.CharField(
        _("name (Persian)"), max_length=100, blank=True, help_text=_("Shown to Persian readers; blank: the name.")
    )
    name_ar = models.CharField(
        _("name (Arabic)"), max_length=100, blank=True, help_text=_("Shown to Arabic readers; blank: the name.")
    )
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Told of every handover, besides its members."))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="departments",
        limit_choices_to={"is_staff": True},
        help_text=_("Staff who work the department's queue."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self):
        return in_language(self, "name")


class HandoverBase(models.Model):
    """Work handed to a department with a due date, and the report back once it is done."""

    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    note = models.TextField(_("what is asked"), blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handed_at = models.DateTimeField(_("handed over at"), default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)

    class Meta:
        abstract = True

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Still open after its due day (the due day itself is not late)."""
        return self.done_at is None and self.due_on < (today or timezone.localdate())


def overdue_q(today: dt.date | None = None) -> Q:
    """Open handovers past their due day: the rule :meth:`HandoverBase.is_overdue` states, for a query."""
    return Q(done_at__isnull=True, due_on__lt=today or timezone.localdate())


class NeedHandover(HandoverBase):
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="handovers")

    class Meta:
        verbose_name = _("need handed to a department")
        verbose_name_plural = _("needs handed to departments")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need"],
                condition=Q(done_at__isnull=True),
                name="need_handover_one_open",
                violation_error_message=_("This need is already with a department."),
            )
        ]
        indexes = [models.Index(fields=["department", "done_at", "due_on"], name="need_handover_queue")]

    def __str__(self):
        return f"{self.need} → {self.department}"
