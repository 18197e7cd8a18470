"""Segments and their members; the rule form's rows are in ``segment_rules``."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models.customers import Customer


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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

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


class SegmentDeparture(models.Model):
    """A customer leaving a segment, and when: what "left the segment" (a journey's trigger) is read from. Written by
    the segment refresh and by removals from a hand-kept segment, never typed in."""

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="departures")
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+")
    left_at = models.DateTimeField(_("left at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment departure")
        verbose_name_plural = _("segment departures")
        indexes = [models.Index(fields=["segment", "left_at"], name="segment_departure_time")]

    def __str__(self):
        return f"{self.customer_id} ← {self.segment}"
