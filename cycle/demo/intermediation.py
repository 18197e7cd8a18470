"""The demo company's money and departments: agents' commissions, SMS prices and the campaigns' recorded costs, so
the Money board has something to say; two departments (logistics, finance), each handed a need or a ticket through
the product's own services. Idempotent: what is there already is left as it is."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from aftersales.models import Ticket, TicketHandover
from aftersales.services.handovers import ticket_hand_over
from campaigns.models import Campaign, SmsProviderName, SmsSender
from customers.models import Department, Need, NeedHandover
from customers.services import need_hand_over
from orders.models import Agent

DEPARTMENTS = [
    ("Logistics", "لجستیک", "الخدمات اللوجستية", "logistics@demo.example"),
    ("Finance", "مالی", "المالية", "finance@demo.example"),
]
# Commission per agent kind of the demo (percent of the sale).
COMMISSION = Decimal("8")


def seed_intermediation(*, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    Agent.objects.filter(commission_rate=0).update(commission_rate=COMMISSION)
    for country, price in (("IR", "0.0150"), ("", "0.0400")):
        SmsSender.objects.get_or_create(
            provider=SmsProviderName.CONSOLE,
            country=country,
            defaults={"sender": "10004346", "price_per_part": Decimal(price)},
        )
    # A recorded cost (design, media) for the campaigns that have none yet: a third of their budget.
    for campaign in Campaign.objects.filter(cost=0, budget__gt=0).exclude(started_at=None):
        Campaign.objects.filter(pk=campaign.pk).update(cost=(campaign.budget / 3).quantize(Decimal("0.01")))
    staff = list(User.objects.filter(is_staff=True, is_active=True).order_by("pk")[:2])
    departments = []
    for name, name_fa, name_ar, email in DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            name=name, defaults={"name_fa": name_fa, "name_ar": name_ar, "email": email}
        )
        if created and staff:
            department.members.add(*staff)
        departments.append(department)
    logistics, finance = departments
    today = timezone.localdate()
    need = Need.objects.order_by("-mention_count", "pk").first()
    if need is not None and not NeedHandover.objects.exists():
        need_hand_over(
            need=need, department=logistics, due_on=today + dt.timedelta(days=7), note="How fast can we do it?"
        )
    ticket = Ticket.objects.order_by("pk").first()
    if ticket is not None and not TicketHandover.objects.exists():
        ticket_hand_over(ticket=ticket, department=finance, due_on=today + dt.timedelta(days=2), note="Refund check")
