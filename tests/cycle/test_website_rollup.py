"""The website's daily rollup and its dashboard: traffic per day and source, and conversion by source."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import WebEvent, WebEventKind
from cycle.models import WebsiteDaily
from cycle.selectors.dashboards import DASHBOARDS, Filters
from cycle.services.rollups import rollups_rebuild, rollups_refresh
from orders.models import OrderStatus
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _event(kind, *, source="direct", visitor="v" * 10, customer=None, at=None):
    return WebEvent.objects.create(
        hit_id=uuid.uuid4(),
        kind=kind,
        source=source,
        visitor_id=visitor,
        customer=customer,
        occurred_at=at or timezone.now() - dt.timedelta(hours=1),
    )


def test_the_rollup_counts_visitors_and_events_per_day_and_source_and_who_bought():
    buyer, browser = CustomerFactory(), CustomerFactory()
    _event(WebEventKind.PAGE_VIEW, source="instagram", visitor="visitor-a1", customer=buyer)
    _event(WebEventKind.PRODUCT_VIEW, source="instagram", visitor="visitor-a1", customer=buyer)
    _event(WebEventKind.ADD_TO_CART, source="instagram", visitor="visitor-b2", customer=browser)
    _event(WebEventKind.PAGE_VIEW, visitor="visitor-c3")
    _event(WebEventKind.SEARCH, visitor="visitor-c3")
    _event(WebEventKind.CHECKOUT_STARTED, visitor="visitor-c3")
    OrderFactory(customer=buyer, total=Decimal("80.00"))
    rollups_refresh()

    rows = {r.source: r for r in WebsiteDaily.objects.all()}
    assert set(rows) == {"instagram", "direct"}
    insta, direct = rows["instagram"], rows["direct"]
    assert (insta.visitors, insta.page_views, insta.product_views, insta.carts) == (2, 1, 1, 1)
    assert (insta.customers, insta.buyers) == (2, 1)
    assert (direct.visitors, direct.searches, direct.checkouts, direct.customers) == (1, 1, 1, 0)

    board = DASHBOARDS["website"](Filters.default())
    table = board.table("website_sources")
    assert table.rows[0][:2] == ["instagram", 2]
    assert table.rows[0][-1] == Decimal("50.00")  # one of the two known customers bought


def test_an_order_placed_after_the_refresh_converts_the_day_of_the_visit():
    customer = CustomerFactory()
    _event(WebEventKind.PRODUCT_VIEW, source="google.com", customer=customer, at=timezone.now() - dt.timedelta(days=9))
    rollups_refresh()
    assert WebsiteDaily.objects.get().buyers == 0
    OrderFactory(customer=customer)
    rollups_refresh()
    assert WebsiteDaily.objects.get().buyers == 1
    rollups_rebuild()  # a rebuild from the whole table agrees
    assert WebsiteDaily.objects.get().buyers == 1


def test_a_refresh_twice_changes_nothing_twice():
    _event(WebEventKind.PAGE_VIEW, visitor="visitor-x1")
    rollups_refresh()
    rollups_refresh()
    assert WebsiteDaily.objects.get().page_views == 1
    _event(WebEventKind.PAGE_VIEW, visitor="visitor-x2")
    rollups_refresh()
    assert (WebsiteDaily.objects.get().page_views, WebsiteDaily.objects.get().visitors) == (2, 2)


def test_a_cancelled_order_does_not_convert():
    customer = CustomerFactory()
    _event(WebEventKind.ADD_TO_CART, customer=customer)
    OrderFactory(customer=customer, status=OrderStatus.CANCELLED)
    rollups_refresh()
    assert WebsiteDaily.objects.get().buyers == 0


def test_the_website_page_shows_traffic_by_source(manager_client):
    _event(WebEventKind.PAGE_VIEW, source="newsletter", visitor="visitor-n1")
    rollups_refresh()
    body = manager_client.get(reverse("dashboards:website")).content.decode()
    assert "Traffic and conversion by source" in body and "newsletter" in body
