"""A dashboard is rendered once per refresh of the rollups and served from the cache until the next one; what a
manager changes in the plan shows at once, and each language gets its own page."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.models import TicketStatus
from cycle.models import Kpi
from cycle.services.rollups import rollups_refresh
from tests.aftersales.factories import TicketFactory
from tests.cycle.factories import ObjectiveFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _get(client, name, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"dashboards:{name}"), params)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _figure(html, label):
    """The value shown on the figure card labelled ``label``."""
    card = rf'<div class="small text-muted">{re.escape(label)}</div>\s*<div class="[^"]*">([^<]*)</div>'
    match = re.search(card, html)
    return match.group(1).strip() if match else None


def test_a_second_look_is_served_from_the_cache_and_a_refresh_brings_new_figures(manager_client):
    OrderFactory(total=Decimal("100.00"))
    rollups_refresh()
    first, first_queries = _get(manager_client, "transfer")
    again, again_queries = _get(manager_client, "transfer")
    assert _figure(first, "Orders") == _figure(again, "Orders") == "1"
    assert again_queries < first_queries

    OrderFactory(total=Decimal("50.00"))
    assert _figure(_get(manager_client, "transfer")[0], "Orders") == "1"  # as of the last refresh, as it says
    rollups_refresh()
    assert _figure(_get(manager_client, "transfer")[0], "Orders") == "2"


def test_open_tickets_are_never_older_than_the_cache_time(manager_client, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0  # nothing kept
    rollups_refresh()
    assert _figure(_get(manager_client, "aftersales")[0], "Open tickets now") == "0"
    TicketFactory(status=TicketStatus.NEW)
    assert _figure(_get(manager_client, "aftersales")[0], "Open tickets now") == "1"


def test_a_change_to_the_plan_shows_at_once(manager_client):
    objective = ObjectiveFactory(title="More revenue", kpi=Kpi.REVENUE, target=Decimal("100"))
    rollups_refresh()
    assert "More revenue" in _get(manager_client, "plan")[0]
    objective.title = "Revenue from the Gulf"
    objective.save()
    html = _get(manager_client, "plan")[0]
    assert "Revenue from the Gulf" in html
    assert "More revenue" not in html


def test_each_language_gets_its_own_page(manager_client):
    OrderFactory()
    rollups_refresh()
    english = _get(manager_client, "transfer")[0]
    manager_client.post(reverse("set_language"), {"language": "fa", "next": "/dashboards/transfer/"})
    persian = _get(manager_client, "transfer")[0]
    assert "Download CSV" in english
    assert "Download CSV" not in persian
    assert 'dir="rtl"' in persian
    assert _figure(persian, "سفارش‌ها") == "۱"


def test_the_period_chosen_is_part_of_the_page(manager_client):
    OrderFactory()
    rollups_refresh()
    last_month = _get(manager_client, "transfer")[0]
    long_ago = _get(manager_client, "transfer", start="2020-01-01", end="2020-01-31")[0]
    assert _figure(last_month, "Orders") == "1"
    assert _figure(long_ago, "Orders") == "0"


def test_a_page_served_from_the_cache_reads_neither_figures_nor_filter_choices(manager_client):
    """Served from the cache, every page costs the same few queries: the session, the user and their permissions,
    and the time of the last refresh."""
    ObjectiveFactory()
    OrderFactory()
    rollups_refresh()
    served = {}
    for page in ("cycle", "funnel", "plan", "transfer", "aftersales", "boni"):
        _html, rendered = _get(manager_client, page)
        with CaptureQueriesContext(connection) as ctx:
            assert manager_client.get(reverse(f"dashboards:{page}")).status_code == 200
        served[page] = [q["sql"] for q in ctx.captured_queries]
        assert len(served[page]) < rendered, page
    assert len({len(queries) for queries in served.values()}) == 1
    everything = " ".join(sql for queries in served.values() for sql in queries)
    for table in ("campaigns_campaign", "customers_segment", "cycle_marketingplan", "cycle_orderdaily"):
        assert table not in everything
