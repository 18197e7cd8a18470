"""Pages over big tables stay cheap without losing what they offer: the date drill-down and the filters still list
what there is, a long thread or status history shows its latest rows, the tier rules page counts on request."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from customers.models import TierPolicy
from orders.models import OrderStatusChange
from tests.aftersales.factories import TicketFactory, TicketMessageFactory
from tests.orders.factories import OrderFactory, PaymentFactory


def test_the_date_drill_down_lists_the_years_and_months_of_the_orders(admin_client):
    OrderFactory(placed_at=dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC))
    OrderFactory(placed_at=dt.datetime(2026, 7, 2, 12, tzinfo=dt.UTC))
    url = reverse("admin:orders_order_changelist")

    years = admin_client.get(url).content.decode()
    months = admin_client.get(url, {"placed_at__year": "2026"}).content.decode()

    assert "placed_at__year=2024" in years and "placed_at__year=2026" in years
    assert "placed_at__month=7" in months
    assert "placed_at__month=6" not in months and "placed_at__month=8" not in months


def test_the_currency_filter_lists_the_currencies_of_the_payments(admin_client):
    PaymentFactory(currency="EUR", amount=Decimal("10.00"))
    PaymentFactory(currency="USD", amount=Decimal("10.00"))

    page = admin_client.get(reverse("admin:orders_payment_changelist")).content.decode()

    assert "currency=EUR" in page and "currency=USD" in page


def test_a_long_thread_shows_its_latest_messages_in_order(admin_client):
    ticket = TicketFactory()
    for i in range(60):
        TicketMessageFactory(ticket=ticket, body=f"message number {i:02d}")

    page = admin_client.get(reverse("admin:aftersales_ticket_change", args=[ticket.pk])).content.decode()

    assert "message number 00" not in page
    assert page.index("message number 10") < page.index("message number 59")


def test_a_long_status_history_shows_its_newest_moves(admin_client):
    order = OrderFactory()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    OrderStatusChange.objects.bulk_create(
        OrderStatusChange(
            subject=order,
            from_status="new",
            to_status="confirmed",
            note=f"move {i:02d}",
            changed_at=start + dt.timedelta(hours=i),
        )
        for i in range(60)
    )

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "move 59" in page and "move 10" in page
    assert "move 09" not in page


def test_the_tier_rules_page_counts_only_when_asked(admin_client):
    policy = TierPolicy.objects.get()

    page = admin_client.get(reverse("admin:customers_tierpolicy_change", args=[policy.pk]))

    assert page.status_code == 200
    assert "preview" not in page.context
    assert 'name="_preview"' in page.content.decode()
