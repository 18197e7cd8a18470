"""Erasing from the admin: a permission of its own (Managers have it, Marketers and agents do not), a confirmation
page that counts what will go, a bulk action done in the background, and a read-only record."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from aftersales.models import Review
from customers.models import Customer, Erasure, ErasureSource
from cycle.demo.users import _agents_group
from tests.aftersales.factories import ReviewFactory
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory
from tests.orders.factories import AgentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:customers_customer_changelist")


def _erase_url(customer):
    return reverse("admin:customers_customer_erase", args=[customer.pk])


def _change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


def _login(client, group_name):
    user = UserFactory(username=f"member-{group_name.lower()}", is_staff=True)
    group = _agents_group() if group_name == "Agents" else Group.objects.get(name=group_name)
    user.groups.add(group)
    if group_name == "Agents":
        AgentFactory(user=user)
    client.force_login(user)
    return user


@pytest.fixture
def customer(db):
    customer = CustomerFactory(first_name="Parvaneh", email="parvaneh@example.com")
    ReviewFactory(customer=customer, title="Lovely", body="Parvaneh's words")
    return customer


def test_a_manager_sees_what_will_go_then_erases(client, customer, django_capture_on_commit_callbacks):
    manager = _login(client, "Managers")
    page = client.get(_change_url(customer)).content.decode()
    assert _erase_url(customer) in page

    preview = client.get(_erase_url(customer))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "review titles and texts" in text and "cannot be undone" in text
    assert Review.objects.get().body == "Parvaneh's words"  # looking erases nothing
    assert not Erasure.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_erase_url(customer), follow=True)

    assert response.redirect_chain[-1][0] == _change_url(customer)
    assert f"Customer #{customer.pk} was erased" in response.content.decode()
    erasure = Erasure.objects.get()
    assert (erasure.customer_id, erasure.source, erasure.requested_by) == (customer.pk, ErasureSource.ADMIN, manager)
    assert Review.objects.get().body == ""
    # The erased customer's page is read-only, says so, and offers no second erasure.
    page = client.get(_change_url(customer)).content.decode()
    assert "personal data was erased" in page and _erase_url(customer) not in page
    assert 'name="_save"' not in page
    again = client.post(_erase_url(customer), follow=True)
    assert "already erased" in again.content.decode() and Erasure.objects.count() == 1


@pytest.mark.parametrize("group", ["Marketers", "Agents"])
def test_marketers_and_agents_cannot_erase(client, customer, group):
    _login(client, group)
    assert client.get(_erase_url(customer)).status_code == 403
    assert client.post(_erase_url(customer)).status_code == 403
    page = client.get(CHANGELIST).content.decode()
    assert "erase_selected" not in page
    response = client.post(CHANGELIST, {"action": "erase_selected", ACTION_CHECKBOX_NAME: [customer.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    customer.refresh_from_db()
    assert customer.erased_at is None and customer.email == "parvaneh@example.com"
    assert not Erasure.objects.exists()
    assert client.get(reverse("admin:customers_erasure_changelist")).status_code == 403


def test_the_bulk_action_asks_first_then_erases_in_the_background(client, django_capture_on_commit_callbacks):
    manager = _login(client, "Managers")
    chosen = [CustomerFactory(), CustomerFactory()]
    left = CustomerFactory()
    form = {"action": "erase_selected", ACTION_CHECKBOX_NAME: [c.pk for c in chosen]}
    assert 'value="erase_selected"' in client.get(CHANGELIST).content.decode()

    confirm = client.post(CHANGELIST, form)
    assert confirm.status_code == 200
    assert "2 customers will be erased" in confirm.content.decode()
    assert not Erasure.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(CHANGELIST, {**form, "post": "yes"}, follow=True)

    assert "2 customers are queued for erasure" in done.content.decode()
    assert set(Erasure.objects.values_list("customer_id", "source", "requested_by")) == {
        (c.pk, ErasureSource.ADMIN_BULK, manager.pk) for c in chosen
    }
    assert Customer.objects.get(pk=left.pk).erased_at is None
    # Asked again (a double click, a task delivered twice): nobody is erased twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {**form, "post": "yes"})
    assert Erasure.objects.count() == 2


def test_the_bulk_action_over_every_customer_of_a_filter(client, django_capture_on_commit_callbacks):
    _login(client, "Managers")
    persians = [CustomerFactory(persian=True) for _ in range(3)]
    english = CustomerFactory()
    url = f"{CHANGELIST}?preferred_language__exact=fa"
    form = {"action": "erase_selected", ACTION_CHECKBOX_NAME: [persians[0].pk], "select_across": "1"}

    assert "3 customers will be erased" in client.post(url, form).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "post": "yes"})

    assert set(Erasure.objects.values_list("customer_id", flat=True)) == {c.pk for c in persians}
    assert Customer.objects.get(pk=english.pk).erased_at is None


def test_the_record_of_erasures_is_read_only_and_holds_no_data(client, customer, django_capture_on_commit_callbacks):
    _login(client, "Managers")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_erase_url(customer))
    erasure = Erasure.objects.get()

    listing = client.get(reverse("admin:customers_erasure_changelist")).content.decode()
    detail = client.get(reverse("admin:customers_erasure_change", args=[erasure.pk])).content.decode()

    assert f"Erased customer #{customer.pk}" in listing
    assert "review titles and texts" in detail
    assert "parvaneh" not in (listing + detail).lower()
    assert client.get(reverse("admin:customers_erasure_add")).status_code == 403
    assert 'name="_save"' not in detail


def test_only_managers_hold_the_erase_permission():
    def codenames(group):
        return set(group.permissions.values_list("codename", flat=True))

    assert {"erase_customer", "view_erasure"} <= codenames(Group.objects.get(name="Managers"))
    assert not {"erase_customer", "view_erasure"} & codenames(Group.objects.get(name="Marketers"))
    assert "erase_customer" not in codenames(_agents_group())
