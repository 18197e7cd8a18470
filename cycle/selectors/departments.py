"""Intermediation with the company's departments: each one's queue of handed needs and tickets, and the handover
counts the cycle board shows. A fixed number of queries whatever the size of the queues."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from aftersales.models import TicketHandover
from customers.models import Department, NeedHandover, overdue_q

QUEUE_ROWS = 200


@dataclass
class QueueItem:
    kind: str  # "need" or "ticket"
    title: str
    department: str
    due_on: dt.date
    overdue: bool
    handed_at: dt.datetime
    note: str
    url: str  # the need's or ticket's admin page


def _items(today: dt.date, *, department: Department | None, only_overdue: bool) -> list[QueueItem]:
    items: list[QueueItem] = []
    sources: list[tuple[str, Any, str, str, str]] = [
        ("need", NeedHandover.objects.select_related("need", "department"), "need", "admin:customers_need_change", ""),
        (
            "ticket",
            TicketHandover.objects.select_related("ticket", "department"),
            "ticket",
            "admin:aftersales_ticket_change",
            "#",
        ),
    ]
    for kind, rows, field, url_name, prefix in sources:
        rows = rows.filter(overdue_q(today)) if only_overdue else rows.filter(done_at__isnull=True)
        if department is not None:
            rows = rows.filter(department=department)
        for h in rows.order_by("due_on", "id")[:QUEUE_ROWS]:
            subject = getattr(h, field)
            title = f"{prefix}{subject.pk} {subject.subject}" if kind == "ticket" else subject.title
            items.append(
                QueueItem(
                    kind,
                    title,
                    str(h.department),
                    h.due_on,
                    h.due_on < today,
                    h.handed_at,
                    h.note,
                    reverse(url_name, args=[subject.pk]),
                )
            )
    return sorted(items, key=lambda i: (i.due_on, i.kind))


def department_queue(department: Department, *, today: dt.date | None = None) -> list[QueueItem]:
    """The department's open handovers, needs and tickets together: the most overdue first, then by due day."""
    return _items(today or timezone.localdate(), department=department, only_overdue=False)


def overdue_handovers(*, today: dt.date | None = None) -> list[QueueItem]:
    """Every department's handovers past their due day, the oldest first."""
    return _items(today or timezone.localdate(), department=None, only_overdue=True)


def handover_counts(lower: dt.datetime, upper: dt.datetime, *, today: dt.date | None = None) -> dict[str, int]:
    """Handed over and done in the period, and overdue now, needs and tickets together (a query per kind)."""
    today = today or timezone.localdate()
    counts = {"handed": 0, "done": 0, "overdue": 0}
    for model in (NeedHandover, TicketHandover):
        row = model.objects.aggregate(
            handed=Count("pk", filter=Q(handed_at__gte=lower, handed_at__lt=upper)),
            done=Count("pk", filter=Q(done_at__gte=lower, done_at__lt=upper)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        for key in counts:
            counts[key] += row[key] or 0
    return counts


def departments_with_counts(*, today: dt.date | None = None) -> list[tuple[Department, int, int]]:
    """Every department with its open and its overdue handovers, needs and tickets together: three queries."""
    today = today or timezone.localdate()
    open_: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for model in (NeedHandover, TicketHandover):
        rows = (
            model.objects.filter(done_at__isnull=True)
            .values("department_id")
            .annotate(n=Count("pk"), late=Count("pk", filter=overdue_q(today)))
            .order_by()
        )
        for row in rows:
            open_[row["department_id"]] = open_.get(row["department_id"], 0) + row["n"]
            overdue[row["department_id"]] = overdue.get(row["department_id"], 0) + row["late"]
    return [(d, open_.get(d.pk, 0), overdue.get(d.pk, 0)) for d in Department.objects.order_by("name")]
