"""Reads of the after-sales stage: service-level targets and their breaches."""

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, Case, DateTimeField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.utils import timezone

from aftersales.models import InboundMail, Ticket, TicketStatus


def _target(hours_by_priority):
    return Case(
        *[When(priority=p, then=Value(dt.timedelta(hours=h))) for p, h in hours_by_priority.items()],
        default=Value(dt.timedelta(hours=max(hours_by_priority.values()))),
        output_field=DurationField(),
    )


def _breach_conditions(now):
    first = Q(first_response_at__isnull=True, first_response_due__lt=now) | Q(
        first_response_at__gt=F("first_response_due")
    )
    resolution = Q(resolved_at__isnull=True, resolution_due__lt=now) & ~Q(status=TicketStatus.CLOSED) | Q(
        resolved_at__gt=F("resolution_due")
    )
    return first, resolution


def tickets_with_targets(queryset=None, *, now=None):
    """Annotate each ticket's first-response and resolution deadlines (settings per priority) and breaches."""
    now = now or timezone.now()
    queryset = Ticket.objects.all() if queryset is None else queryset
    queryset = queryset.annotate(
        first_response_due=ExpressionWrapper(
            F("created_at") + _target(settings.TICKET_FIRST_RESPONSE_HOURS), output_field=DateTimeField()
        ),
        resolution_due=ExpressionWrapper(
            F("created_at") + _target(settings.TICKET_RESOLUTION_HOURS), output_field=DateTimeField()
        ),
    )
    first, resolution = _breach_conditions(now)
    return queryset.annotate(
        first_response_breached=Case(When(first, then=Value(True)), default=Value(False), output_field=BooleanField()),
        resolution_breached=Case(When(resolution, then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def tickets_breaching(queryset=None, *, now=None, which="any"):
    """Tickets that missed (or are missing) a target: ``which`` is "first_response", "resolution" or "any"."""
    now = now or timezone.now()
    first, resolution = _breach_conditions(now)
    condition = {"first_response": first, "resolution": resolution}.get(which, first | resolution)
    return tickets_with_targets(queryset, now=now).filter(condition)


def inbound_mail_waiting_for_a_human(queryset=None):
    queryset = InboundMail.objects.all() if queryset is None else queryset
    return queryset.exclude(error="").filter(handled_at__isnull=True)
