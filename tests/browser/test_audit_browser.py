"""A manager in a real browser reads the audit log and a customer's history: who changed what, and when."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_log_and_a_customers_history(page, live_server, manager, screenshot):
    importlib.import_module("cycle.migrations.0007_audit_view_to_managers").grant(apps, None)
    manager.set_password("pass-word-123")
    manager.save()
    customer = CustomerFactory(first_name="زهرا", last_name="محمدی", persian=True)
    customer.city = "شیراز"
    customer.save()

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mina")
    page.fill("#id_password", "pass-word-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + reverse("admin:auditlog_logentry_changelist"))
    assert page.locator("#result_list").get_by_text("زهرا", exact=False).count() >= 1
    screenshot("audit-log-en")

    page.goto(live_server.url + reverse("admin:customers_customer_change", args=[customer.pk]))
    page.click("a.historylink")
    page.wait_for_selector("#audit-history")
    assert page.locator("#audit-history").get_by_text("شیراز").count() == 1
    screenshot("audit-history-en")
