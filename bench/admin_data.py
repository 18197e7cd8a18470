"""The heavy rows ``bench/admin.py`` adds to the dashboard's data: the rows whose change pages carry the most.

Imported once Django is set up. Each heavy row is found again by a name of its own, so ``--reuse`` finds them.
"""

import datetime as dt
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice

from django.db import connection
from django.db.models import Max

from aftersales.models import SurveyResponse, Ticket, TicketMessage
from bench.dashboard_data import insert_rows, log
from campaigns.models import Campaign, Message, Touch
from customers.models import Consent, Customer, CustomerHistory, CustomerValue, Segment, SegmentMembership
from orders.models import Order, OrderLine, OrderStatusChange, Product

HEAVY_EMAIL = "heavy@bench.example"
HEAVY_CAMPAIGN = "Heavy campaign"
HEAVY_ORDER = "HEAVY-000001"
HEAVY_TICKET = "Heavy ticket"
HEAVY_SEGMENT = "Heavy segment"


def _first(model, **lookup) -> Callable[[], int | None]:
    return lambda: model._default_manager.filter(**lookup).order_by("pk").values_list("pk", flat=True).first()


# The heaviest row of a model, by its label.
HEAVY: dict[str, Callable[[], int | None]] = {
    "customers.Customer": _first(Customer, email=HEAVY_EMAIL),
    "campaigns.Campaign": _first(Campaign, name=HEAVY_CAMPAIGN),
    "orders.Order": _first(Order, number=HEAVY_ORDER),
    "aftersales.Ticket": _first(Ticket, subject=HEAVY_TICKET),
    "customers.Segment": _first(Segment, name=HEAVY_SEGMENT),
}


def heavy_ready() -> bool:
    return Segment.objects.filter(name=HEAVY_SEGMENT).exists()


def add_customer_values() -> None:
    """Every buyer's value row, as the value refresh writes it (the customer page explains it against the others)."""
    table, orders = CustomerValue._meta.db_table, Order._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (customer_id, computed_at, rated_by, first_order_at, last_order_at, purchases,
                  spend, recency_score, frequency_score, monetary_score, predicted_value)
                SELECT customer_id, MAX(placed_at), 'rfm', MIN(placed_at), MAX(placed_at), COUNT(*), SUM(total),
                  1 + customer_id %% 5, 1 + customer_id %% 4, 1 + customer_id %% 3, SUM(total)
                FROM {orders} GROUP BY customer_id""",
            [],
        )


def _batches(rows: Iterator, size: int = 5000) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def add_heavy_rows(*, touches: int, seed: int = 21) -> None:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    top = Customer.objects.aggregate(m=Max("pk"))["m"] or 0
    heavy = Customer.objects.create(first_name="زهرا", last_name="محمدی", email=HEAVY_EMAIL, preferred_language="fa")
    campaigns = list(Campaign.objects.values_list("pk", flat=True)[:300])
    log(f"a customer with {touches:,} touches")
    insert_rows(
        Touch,
        [
            "customer",
            "campaign",
            "step",
            "kind",
            "source",
            "occurred_at",
            "is_automated",
            "user_agent",
            "referrer",
            "detail",
            "agent",
        ],
        (
            (
                heavy.pk,
                rng.choice(campaigns),
                "attention",
                "email_open",
                "email",
                now - dt.timedelta(seconds=rng.randrange(365 * 86400)),
                False,
                "",
                "",
                "",
                "person",
            )
            for _ in range(touches)
        ),
    )
    product = Product.objects.create(sku="BENCH-1", name="Bench product", price=Decimal("10.00"))
    more = Product.objects.bulk_create(
        Product(sku=f"BENCH-{i}", name=f"Product {i}", price=Decimal(10 + i)) for i in range(2, 41)
    )
    products = [product, *more]
    orders = Order.objects.bulk_create(
        Order(
            number=f"HEAVY-{i:06d}",
            customer=heavy,
            total=Decimal("120.00"),
            placed_at=now - dt.timedelta(days=rng.randrange(365)),
        )
        for i in range(1, 201)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=orders[0], product=products[i % len(products)], quantity=1 + i % 3, unit_price=Decimal(10))
        for i in range(200)
    )
    OrderStatusChange.objects.bulk_create(
        OrderStatusChange(subject=orders[0], from_status="new", to_status="confirmed", note=f"move {i}")
        for i in range(100)
    )
    Message.objects.bulk_create(
        Message(campaign_id=c, customer=heavy, status="sent", created_at=now - dt.timedelta(days=i))
        for i, c in enumerate(campaigns)
    )
    tickets = Ticket.objects.bulk_create(
        Ticket(customer=heavy, subject=HEAVY_TICKET if i == 0 else f"Question {i}", language="fa") for i in range(20)
    )
    TicketMessage.objects.bulk_create(TicketMessage(ticket=tickets[0], body=f"پیام {i}") for i in range(500))
    SurveyResponse.objects.bulk_create(
        SurveyResponse(customer=heavy, csat=1 + i % 5, nps=i % 11, comment="دیر و گران") for i in range(20)
    )
    Consent.objects.bulk_create(Consent(customer=heavy, channel=c, granted=True) for c in ("email", "sms"))
    CustomerHistory.objects.bulk_create(
        CustomerHistory(customer=heavy, attribute="lifecycle_stage", old_value="selection", new_value="retention")
        for _ in range(300)
    )
    campaign = Campaign.objects.create(name=HEAVY_CAMPAIGN, budget=Decimal(1000))
    log(f"a campaign with a message to one customer in five ({top // 5:,})")
    for chunk in _batches(Message(campaign=campaign, customer_id=pk, status="sent") for pk in range(1, top + 1, 5)):
        Message.objects.bulk_create(chunk)
    segment = Segment.objects.create(name=HEAVY_SEGMENT, is_dynamic=False)
    log(f"a segment with one customer in ten ({top // 10:,})")
    for chunk in _batches(SegmentMembership(segment=segment, customer_id=pk) for pk in range(1, top + 1, 10)):
        SegmentMembership.objects.bulk_create(chunk)
    Segment.objects.filter(pk=segment.pk).update(member_count=top // 10)
    log("every buyer's value row")
    add_customer_values()
