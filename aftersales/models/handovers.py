"""Tickets handed to a department (``customers.models.Department``) with a due date, and the report back."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import HandoverBase


class TicketHandover(HandoverBase):
    ticket = models.ForeignKey(
        "aftersales.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="handovers"
    )

    class Meta:
        verbose_name = _("ticket handed to a department")
        verbose_name_plural = _("tickets handed to departments")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(done_at__isnull=True),
                name="ticket_handover_one_open",
                violation_error_message=_("This ticket is already with a department."),
            )
        ]
        indexes = [models.Index(fields=["department", "done_at", "due_on"], name="ticket_handover_queue")]

    def __str__(self):
        return f"{self.ticket} → {self.department}"
