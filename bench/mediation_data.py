"""Capacity and demand for the demand and capacity board in ``bench/dashboard.py``: 20 products with stock and
production (each featured by a tenth of the orders' lines), five delivery regions the customers are spread over,
four service teams, needs with mentions, and five scheduled e-mail campaigns whose segment holds a tenth of the
customers (with e-mail consent), beside the sent campaigns the history is read from."""

import datetime as dt

from django.db import connection, transaction

from aftersales.models import ServiceTeam
from campaigns.models import Campaign, CampaignStatus, Channel
from customers.models import Consent, ConsentChannel, Customer, Need, NeedCategory, Segment, SegmentMembership
from orders.models import DeliveryRegion, Order, OrderLine, Product, ProductCapacity

PROVINCES = ["Tehran", "Isfahan", "Fars", "Khorasan", "Gilan"]


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


@transaction.atomic
def generate_capacity(now: dt.datetime) -> dict[str, int]:
    products = [Product.objects.create(sku=f"BENCH-{n:03d}", name=f"Product {n}", price=10) for n in range(20)]
    ProductCapacity.objects.bulk_create(
        ProductCapacity(product=p, stock_on_hand=100 * n, production_per_week=50) for n, p in enumerate(products)
    )
    for province in PROVINCES:
        DeliveryRegion.objects.create(name=province, country="IR", province=province, shipments_per_day=500)
    for name in ("Contact line", "Chat", "E-mail", "Phone"):
        ServiceTeam.objects.create(name=name, tickets_per_day=200, chats_at_once=5)
    cases = " ".join(f"WHEN {i} THEN '{p}'" for i, p in enumerate(PROVINCES))
    first = products[0].pk
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table(Customer)} SET region = CASE id %% 5 {cases} END", [])
        cursor.execute(
            f"INSERT INTO {_table(OrderLine)} (order_id, product_id, quantity, unit_price) "
            f"SELECT id, {first} + id %% 20, 1 + id %% 3, 10 FROM {_table(Order)} WHERE id %% 10 = 0",
            [],
        )
    segment = Segment.objects.create(name="Bench audience")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(SegmentMembership)} (segment_id, customer_id, added_at) "
            f"SELECT %s, id, %s FROM {_table(Customer)} WHERE id %% 10 = 0",
            [segment.pk, now],
        )
        cursor.execute(
            f"INSERT INTO {_table(Consent)} (customer_id, channel, granted, updated_at) "
            f"SELECT id, %s, %s, %s FROM {_table(Customer)} WHERE id %% 10 = 0",
            [ConsentChannel.EMAIL, True, now],
        )
    for n in range(5):
        campaign = Campaign.objects.create(
            name=f"Scheduled {n}",
            channel=Channel.EMAIL,
            status=CampaignStatus.SCHEDULED,
            scheduled_at=now + dt.timedelta(days=3 + 7 * n),
        )
        campaign.segments.set([segment])
        campaign.products.set(products[n * 4 : n * 4 + 4])
    for n, product in enumerate(products):
        Need.objects.create(category=NeedCategory.PRODUCT_REQUEST, title=f"More {product}", product=product,
                            source="survey", mention_count=n)  # fmt: skip
    sent = Campaign.objects.filter(status=CampaignStatus.SENT).count()
    return {"products": len(products), "regions": len(PROVINCES), "scheduled": 5, "sent campaigns": sent}
