"""The admin in Persian shows dates in the Solar Hijri calendar with Persian digits; English and Arabic do not."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

PLACED = dt.datetime(2026, 11, 22, 10, 42, tzinfo=dt.UTC)


def _get(client, url, language, **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _text(html):
    return re.sub(r"<[^>]+>", "", html).strip()


def _cell(body, css_class):
    """The text of the first changelist cell with this class."""
    match = re.search(rf'<(td|th) class="{css_class}[^"]*"[^>]*>(.*?)</\1>', body, re.S)
    assert match, css_class
    return _text(match.group(2))


def _readonly(body, css_class):
    """The text of the first read-only field (of a change page or of an inline row) with this class."""
    match = re.search(rf'class="[^"]*\b{css_class}\b[^"]*">.*?(?:class="readonly">|<p>)(.*?)</(?:div|p)>', body, re.S)
    assert match, css_class
    return _text(match.group(1))


def test_the_orders_changelist_shows_the_solar_hijri_date_in_persian_only(admin_client):
    OrderFactory(number="EM-1", placed_at=PLACED)
    url = reverse("admin:orders_order_changelist")
    body = _get(admin_client, url, "fa")
    assert _cell(body, "field-placed_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    # The column keeps its header, its class and its sorting.
    assert re.search(r'<th scope="col" class="sortable[^"]*column-placed_at[^"]*">.*?ثبت‌شده در', body, re.S)
    # English and Arabic are as they were.
    assert _cell(_get(admin_client, url, "en"), "field-placed_at") == "Nov. 22, 2026, 10:42 a.m."
    arabic = _cell(_get(admin_client, url, "ar"), "field-placed_at")
    assert "2026" in arabic and "آذر" not in arabic and "۱۴۰۵" not in arabic


def test_the_changelist_can_still_be_sorted_by_the_date(admin_client):
    OrderFactory(number="EM-OLD", placed_at=PLACED - dt.timedelta(days=41))
    OrderFactory(number="EM-NEW", placed_at=PLACED)
    url = reverse("admin:orders_order_changelist")
    list_display = admin.site._registry[Order].list_display
    column = list_display.index("placed_at") + 1  # after the action checkbox
    ascending = _get(admin_client, url, "fa", o=str(column))
    descending = _get(admin_client, url, "fa", o=f"-{column}")
    assert ascending.index("EM-OLD") < ascending.index("EM-NEW")
    assert descending.index("EM-NEW") < descending.index("EM-OLD")
    assert "۲۰ مهر ۱۴۰۵، ۱۰:۴۲" in ascending  # 2026-10-12


def test_datetimes_are_shown_in_the_current_time_zone(admin_client, settings):
    settings.TIME_ZONE = "Asia/Tehran"
    OrderFactory(number="EM-1", placed_at=dt.datetime(2026, 11, 22, 21, 0, tzinfo=dt.UTC))
    body = _get(admin_client, reverse("admin:orders_order_changelist"), "fa")
    assert _cell(body, "field-placed_at") == "۲ آذر ۱۴۰۵، ۰۰:۳۰"


def test_a_date_column_that_is_the_link_to_the_row_stays_a_link(admin_client):
    from orders.models import PaymentNotification

    notification = PaymentNotification.objects.create(provider="test", event_id="evt-1", reference="r", status="x")
    PaymentNotification.objects.filter(pk=notification.pk).update(received_at=PLACED)
    body = _get(admin_client, reverse("admin:orders_paymentnotification_changelist"), "fa")
    link = reverse("admin:orders_paymentnotification_change", args=[notification.pk])
    assert re.search(rf'<th class="field-received_at[^"]*"><a href="{link}[^"]*">۱ آذر ۱۴۰۵، ۱۰:۴۲</a>', body)


def test_read_only_dates_of_a_change_page_are_solar_hijri_in_persian(admin_client):
    customer = CustomerFactory(created_at=PLACED)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    body = _get(admin_client, url, "fa")
    assert _readonly(body, "field-created_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    assert "<label>ایجادشده در:</label>" in body
    assert _readonly(_get(admin_client, url, "en"), "field-created_at") == "Nov. 22, 2026, 10:42 a.m."


def test_the_status_history_of_an_order_is_solar_hijri_in_persian(admin_client):
    order = OrderFactory(placed_at=PLACED)
    order.status_changes.create(from_status="new", to_status="confirmed")
    order.status_changes.update(changed_at=PLACED)
    body = _get(admin_client, reverse("admin:orders_order_change", args=[order.pk]), "fa")
    assert _readonly(body, "field-changed_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    assert re.search(r'<th class="column-changed_at">\s*تغییر', body)
    # The order's own placed-at stays an editable Gregorian date input, as Django's date picker expects.
    placed = re.search(r'<input[^>]*name="placed_at_0"[^>]*>', body).group(0)
    assert 'value="2026-11-22"' in placed


def test_a_page_the_user_may_only_view_shows_every_date_in_solar_hijri(client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_order", "view_orderstatuschange"]))
    client.force_login(viewer)
    order = OrderFactory(placed_at=PLACED)
    order.status_changes.create(from_status="new", to_status="confirmed")
    order.status_changes.update(changed_at=PLACED)
    body = _get(client, reverse("admin:orders_order_change", args=[order.pk]), "fa")
    assert 'name="placed_at_0"' not in body
    assert _readonly(body, "field-placed_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    assert _readonly(body, "field-changed_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    english = _get(client, reverse("admin:orders_order_change", args=[order.pk]), "en")
    assert _readonly(english, "field-placed_at") == "Nov. 22, 2026, 10:42 a.m."


def test_a_change_page_in_persian_shows_solar_hijri_dates_and_still_saves_its_own(admin_client):
    order = OrderFactory(number="EM-7", placed_at=PLACED)
    order.status_changes.create(from_status="new", to_status="confirmed")
    order.status_changes.update(changed_at=PLACED)
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fa")
    assert _readonly(page.content.decode(), "field-changed_at") == "۱ آذر ۱۴۰۵، ۱۰:۴۲"
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("placed_at", "total")}
    data.update({"placed_at_0": "2026-11-20", "placed_at_1": "09:30:00", "total": ""})
    for prefix, formset in [(f.formset.prefix, f.formset) for f in page.context["inline_admin_formsets"]]:
        management = formset.management_form
        data.update({f"{prefix}-{k}": management[k].value() for k in management.fields})
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"]  # no new rows
    response = admin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="fa")
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.placed_at == dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def test_every_admin_page_opens_in_persian_with_its_date_columns_in_solar_hijri(admin_client):
    call_command("seed_demo", customers=10, verbosity=0)
    date_cells = 0
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), HTTP_ACCEPT_LANGUAGE="fa")
        assert response.status_code == 200, f"changelist of {model._meta.label}"
        body = response.content.decode()
        for name in model_admin.list_display:
            field = next((f for f in model._meta.concrete_fields if f.name == name), None)
            if isinstance(field, models.DateField):
                for cell in re.findall(rf'<t[dh] class="field-{name}[^"]*">(.*?)</t[dh]>', body, re.S):
                    assert not re.search(r"[0-9]", _text(cell)), (model._meta.label, name, cell)
                    date_cells += 1
        if model_admin.has_add_permission(response.wsgi_request):
            response = admin_client.get(reverse("admin:{}_{}_add".format(*info)), HTTP_ACCEPT_LANGUAGE="fa")
            assert response.status_code == 200, f"add page of {model._meta.label}"
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fa")
            assert response.status_code == 200, f"change page of {model._meta.label}"
    assert date_cells > 20
