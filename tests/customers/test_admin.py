"""The customers admin as a marketer uses it: every page opens, names are found in either script."""

import pytest
from django.contrib import admin
from django.urls import reverse

from customers.models import (
    ConsentEvent,
    Customer,
    CustomerHistory,
    ImportJob,
    ImportPreset,
    Need,
    NeedMention,
    Occasion,
    ProductRecommendation,
    Segment,
    SegmentDeparture,
    SegmentMembership,
)
from tests.customers.factories import CustomerFactory, NeedFactory, OccasionFactory, SegmentFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db

CUSTOMERS_MODELS = [m for m in admin.site._registry if m._meta.app_label == "customers"]


def test_every_customers_model_has_an_admin():
    assert {Customer, Occasion, ConsentEvent, Segment, SegmentMembership, Need, NeedMention} <= set(CUSTOMERS_MODELS)
    assert {CustomerHistory, ProductRecommendation} <= set(CUSTOMERS_MODELS)


@pytest.mark.parametrize("model", CUSTOMERS_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_add_and_change_pages_open(admin_client, model):
    customer = CustomerFactory(persian=True)
    OccasionFactory(customer=customer)
    segment = SegmentFactory()
    SegmentMembership.objects.create(segment=segment, customer=customer)
    SegmentDeparture.objects.create(segment=SegmentFactory(), customer=customer)
    need = NeedFactory()
    NeedMention.objects.create(need=need, customer=customer, source="survey", source_id=1, excerpt="دیر رسید")
    CustomerHistory.objects.create(
        customer=customer, attribute="value_tier", old_value="unrated", new_value="potential"
    )
    ProductRecommendation.objects.create(customer=customer, product=ProductFactory(), kind="cross_sell", score=1.0)
    from customers.services import consent_set

    consent_set(customer=customer, channel="email", granted=True, source="admin")
    ImportPreset.objects.create(kind="customers", name="Old CRM", columns={"vorname": "first_name"})
    from tests.orders.factories import OrderFactory

    OrderFactory(customer=customer)
    OrderFactory(customer=customer)
    from customers.services import customers_refresh_profiles

    customers_refresh_profiles(refit=True)  # a customer value and a (failed, too short) model fit
    ImportJob.objects.create(kind="customers", file_name="big.csv", path="imports/customers/x.csv", rows_total=9)
    from customers.services.suppression import suppression_add

    suppression_add(address=customer.email, reason="hard_bounce")
    from customers.services.erasure import customer_erase

    customer_erase(customer=CustomerFactory(), source="admin", requested_by=None)  # an erasure, and an erased page
    from customers.services import form_submit
    from tests.customers.capture_forms import make_form

    form = make_form()
    form_submit(form=form, email=customer.email, answers={"first_name": "x"}, channels=[], wordings={}, language="fa")
    form_submit(
        form=form, email="lead@example.com", answers={"first_name": "y"}, channels=[], wordings={}, language="en"
    )
    from django.utils import timezone

    from customers.models import Department
    from customers.services import need_hand_over

    department = Department.objects.create(name="Logistics", name_fa="لجستیک")
    need_hand_over(need=need, department=department, due_on=timezone.localdate(), note="زودتر؟")
    info = model._meta.app_label, model._meta.model_name
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    model_admin = admin.site._registry[model]
    request = admin_client.get(reverse("admin:index")).wsgi_request
    if model_admin.has_add_permission(request):
        assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
    obj = model._default_manager.first()
    assert admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == 200


def _search(admin_client, term):
    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"q": term})
    assert response.status_code == 200
    return {c.pk for c in response.context["cl"].result_list}


def test_persian_and_arabic_names_are_searchable_in_either_spelling(admin_client):
    persian = CustomerFactory(first_name="علی", last_name="کریمی")  # Persian ی and ک
    arabic = CustomerFactory(first_name="مريم", last_name="الكعبي")  # Arabic ي and ك
    CustomerFactory(first_name="John", last_name="Smith")

    assert _search(admin_client, "کریمی") == {persian.pk}
    assert _search(admin_client, "كريمي") == {persian.pk}  # typed on an Arabic keyboard
    assert _search(admin_client, "الكعبي") == {arabic.pk}
    assert _search(admin_client, "الکعبی") == {arabic.pk}  # typed on a Persian keyboard
    assert _search(admin_client, "مريم") == {arabic.pk}


def test_phone_search_understands_persian_digits(admin_client):
    customer = CustomerFactory(phone="+989121234567")
    assert _search(admin_client, "۹۱۲۱۲۳۴۵۶۷") == {customer.pk}


def test_customer_changelist_never_counts_the_whole_table(admin_client):
    from customers.admin.customers import CustomerAdmin

    assert CustomerAdmin.show_full_result_count is False
    CustomerFactory.create_batch(3)
    response = admin_client.get(reverse("admin:customers_customer_changelist"))
    assert response.context["cl"].paginator.count == 3


def test_consent_ticked_in_the_admin_is_recorded_with_who_and_how(admin_client, admin_user):
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = admin_client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    form_data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "preferred_language": "en",
        "country": "GB",
        "region": "",
        "city": "",
        "time_zone": "UTC",
        "acquisition_source": "web",
        "notes": "",
        "consent_email": "on",
    }
    for prefix in ("occasions", "consents", "consent_events", "memberships", "history", "recommendations"):
        form_data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    assert data  # the form shows the customer
    response = admin_client.post(url, form_data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.channel, event.granted, event.source, event.recorded_by) == ("email", True, "admin", admin_user)
    assert customer.consents.get(channel="email").granted is True

    form_data.pop("consent_email")
    admin_client.post(url, form_data)
    assert customer.consents.get(channel="email").granted is False
    assert ConsentEvent.objects.filter(customer=customer).count() == 2


def test_customer_list_offers_recompute_and_import(admin_client):
    html = admin_client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert "Recompute tiers and stages now" in html
    assert reverse("admin:customers_customer_refresh_profiles") in html
    assert "Import customers" in html


def test_recording_a_consent_event_in_the_admin_sets_the_consent(admin_client, admin_user):
    customer = CustomerFactory()
    response = admin_client.post(
        reverse("admin:customers_consentevent_add"),
        {"customer": customer.pk, "channel": "sms", "granted": "on", "source": "phone", "note": "Asked on the phone"},
    )
    assert response.status_code == 302
    assert customer.consents.get(channel="sms").granted is True
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.source, event.recorded_by, event.note) == ("phone", admin_user, "Asked on the phone")


def test_a_long_history_shows_its_newest_fifty_and_the_page_still_saves(admin_client):
    import datetime as dt

    from django.utils import timezone

    from customers.models import CustomerHistory

    customer = CustomerFactory(country="GB", time_zone="UTC")
    start = timezone.now() - dt.timedelta(days=200)
    CustomerHistory.objects.bulk_create(
        CustomerHistory(
            customer=customer,
            attribute="value_tier",
            old_value="low",
            new_value="potential",
            changed_at=start + dt.timedelta(days=day),
        )
        for day in range(120)
    )
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = admin_client.get(url)
    history = next(f for f in page.context["inline_admin_formsets"] if f.formset.prefix == "history")
    shown = [form.instance.changed_at for form in history.formset.forms]
    assert len(shown) == 50 and shown == sorted(shown, reverse=True)
    assert shown[0] == start + dt.timedelta(days=119)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    response = admin_client.post(url, {**data, "preferred_language": "en", "notes": "seen"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.notes == "seen" and CustomerHistory.objects.filter(customer=customer).count() == 120
