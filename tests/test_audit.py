"""The audit log: who changed what, and when, in customers, consent, campaigns, the plan and permissions; read by
managers, not by marketers; blanked for an erased customer; never holding a secret; not flooded by bulk jobs."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from campaigns.models import DkimKey, SendingDomain
from customers.models import Consent, Customer, SuppressedAddress
from customers.services import consent_set, customers_refresh_profiles
from customers.services.suppression import suppression_add
from emarketing.audit import ERASED, audit_forget
from tests.customers.factories import CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INLINES = ("occasions", "consents", "consent_events", "memberships", "history", "recommendations")


def entries_of(obj):
    return LogEntry.objects.get_for_object(obj).order_by("pk")


def staff_in(group_name, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def customer_form(customer, **overrides):
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "preferred_language": customer.preferred_language,
        "country": customer.country,
        "region": "",
        "city": "",
        "time_zone": customer.time_zone,
        "acquisition_source": customer.acquisition_source,
        "notes": "",
    }
    for prefix in INLINES:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_a_marketers_edit_of_a_customer_is_logged_with_who_and_what(client):
    marketer = staff_in("Marketers", "mina")
    customer = CustomerFactory(first_name="زهرا", city="")
    client.force_login(marketer)

    response = client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]), customer_form(customer, city="شیراز")
    )

    assert response.status_code == 302
    entry = entries_of(customer).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == marketer
    assert entry.changes["city"] == ["", "شیراز"]
    assert "updated_at" not in entry.changes  # moves with every save: not a change anybody made


def test_managers_read_the_log_and_a_customers_history_marketers_do_not(client):
    customer = CustomerFactory(first_name="Sara")
    marketer, manager = staff_in("Marketers", "mina"), staff_in("Managers", "omid")
    client.force_login(marketer)
    client.post(reverse("admin:customers_customer_change", args=[customer.pk]), customer_form(customer, city="Yazd"))
    history_url = reverse("admin:customers_customer_history", args=[customer.pk])

    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 403
    assert "Yazd" not in client.get(history_url).content.decode()  # Django's own history, of admin edits

    client.force_login(manager)
    listing = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert listing.status_code == 200 and "Sara" in listing.content.decode()
    history = client.get(history_url).content.decode()
    assert "Yazd" in history and "mina" in history


def test_a_created_customer_is_logged_with_its_own_fields_only():
    customer = CustomerFactory(first_name="Sara", city="Yazd")

    created = entries_of(customer).get()

    assert created.changes["first_name"] == ["None", "Sara"] and created.changes["city"] == ["None", "Yazd"]
    assert not {"orders", "touches", "consents", "updated_at"} & set(created.changes)


def test_the_log_is_listed_under_its_kind_of_row_and_refuses_a_forged_filter(admin_client):
    customer = CustomerFactory(first_name="Sara")
    SendingDomain.objects.create(domain="mail.example.com")
    customer_type = ContentType.objects.get_for_model(Customer)
    url = reverse("admin:auditlog_logentry_changelist")

    only_customers = admin_client.get(url, {"model": customer_type.pk}).content.decode()
    assert str(customer) in only_customers and "mail.example.com" not in only_customers
    forged = admin_client.get(url, {"model": "1 OR 1=1"})
    assert (forged.status_code, forged["Location"]) == (302, f"{url}?e=1")  # Django's answer to a bad filter


def test_consent_changed_without_anybody_signed_in_has_no_actor():
    customer = CustomerFactory()

    consent_set(customer=customer, channel="email", granted=True, source="preference_centre")

    entry = entries_of(Consent.objects.get(customer=customer)).get()
    assert entry.actor is None and entry.action == LogEntry.Action.CREATE


def test_the_preference_centre_is_logged_whatever_headers_a_visitor_sends(client):
    from campaigns import tokens

    customer = CustomerFactory()
    url = reverse("campaigns:preferences", args=[tokens.preferences_token(customer_id=customer.pk)])

    response = client.post(
        url,
        {"channels": ["sms"]},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="not-an-address, 10.0.0.1",
        HTTP_X_FORWARDED_PORT="-5",
        HTTP_X_CORRELATION_ID="x" * 5000,
    )

    assert response.status_code == 200
    entry = entries_of(Consent.objects.get(customer=customer, channel="sms")).get()
    assert (entry.actor, entry.remote_addr, entry.remote_port, entry.cid) == (None, "203.0.113.9", None, None)


def test_refreshing_every_customers_tier_and_stage_writes_nothing_to_the_log():
    # Customers without a purchase, marked as if they had bought: the refresh moves every one of them.
    CustomerFactory.create_batch(30, value_tier="most_valuable", lifecycle_stage="extension")
    before = LogEntry.objects.count()

    done = customers_refresh_profiles()

    assert done.tiers.changed == 30 and done.stages.changed == 30
    assert LogEntry.objects.count() == before


def test_permissions_and_groups_are_logged_passwords_never(admin_client):
    staff = UserFactory(username="reza", is_staff=True)
    managers = Group.objects.get(name="Managers")
    permission = Permission.objects.get(codename="export_customer")

    staff.groups.add(managers)
    staff.user_permissions.add(permission)
    staff.set_password("a brand new secret 123")
    staff.save()

    changes = [entry.changes for entry in entries_of(staff)]
    assert {"groups": {"type": "m2m", "operation": "add", "objects": ["Managers"]}} in changes
    assert any(change.get("user_permissions", {}).get("operation") == "add" for change in changes)
    assert not any("password" in change or "last_login" in change for change in changes)

    before = entries_of(managers).count()
    managers.permissions.remove(permission)
    assert entries_of(managers).count() == before + 1
    assert entries_of(managers).last().changes["permissions"]["operation"] == "delete"


def test_no_secret_lands_in_the_log():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from campaigns.services.domains import sending_domain_create

    domain = sending_domain_create(domain="mail.example.com")
    key = DkimKey.objects.get(domain=domain)
    device = TOTPDevice.objects.create(user=UserFactory(), name="phone", confirmed=True)

    assert not LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(DkimKey)).exists()
    stored = " ".join(str(row) for row in LogEntry.objects.values_list("changes", "serialized_data", "object_repr"))
    assert device.key not in stored
    assert key.private_key_encrypted not in stored


def test_forgetting_a_customer_blanks_their_entries_and_keeps_who_changed_what_when(client):
    marketer = staff_in("Marketers", "mina")
    customer = CustomerFactory(first_name="زهرا", last_name="رضایی", email="zahra@example.com")
    other = CustomerFactory(first_name="Sara", email="sara@example.com")
    client.force_login(marketer)
    client.post(reverse("admin:customers_customer_change", args=[customer.pk]), customer_form(customer, city="Tabriz"))
    # The erasure blanks the row first (that change is logged too, with the values it removed), then the log.
    customer.refresh_from_db()
    customer.first_name, customer.last_name, customer.email, customer.city = "-", "", "", ""
    customer.save()
    assert "zahra@example.com" in str(entries_of(customer).last().changes)

    blanked = audit_forget(model=Customer, pks=[customer.pk])

    entries = list(entries_of(customer))
    assert blanked == len(entries) == 3
    stored = " ".join(str((e.changes, e.object_repr, e.changes_text, e.serialized_data)) for e in entries)
    for personal in ("زهرا", "رضایی", "zahra@example.com", "Tabriz"):
        assert personal not in stored
    created, edited, _erased = entries
    assert created.action == LogEntry.Action.CREATE and created.changes["email"] == [ERASED, ERASED]
    assert edited.actor == marketer and set(edited.changes) == {"city"} and edited.timestamp
    assert "Sara" in entries_of(other).get().object_repr  # nobody else's entries
    assert audit_forget(model=Customer, pks=[]) == 0


def test_forgetting_an_address_on_the_suppression_list():
    assert suppression_add(address="Zahra@Example.com", reason="manual")
    entry = SuppressedAddress.objects.get()
    assert "zahra" in str(entries_of(entry).get().changes).lower()

    assert audit_forget(model=SuppressedAddress, pks=[entry.pk]) == 1

    assert "zahra" not in str(list(LogEntry.objects.values_list("changes", "object_repr"))).lower()
