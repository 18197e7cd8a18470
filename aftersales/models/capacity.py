"""What the service teams can handle: tickets answered per day and chats held at once (mediation)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

NOT_NEGATIVE = _("Enter zero or more.")


class ServiceTeam(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    tickets_per_day = models.IntegerField(
        _("tickets per day"), default=0, validators=[MinValueValidator(0, message=NOT_NEGATIVE)]
    )
    chats_at_once = models.IntegerField(
        _("chats at once"), default=0, validators=[MinValueValidator(0, message=NOT_NEGATIVE)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(tickets_per_day__gte=0), name="team_tickets_not_negative"),
            models.CheckConstraint(condition=Q(chats_at_once__gte=0), name="team_chats_not_negative"),
        ]

    def __str__(self):
        return self.name
