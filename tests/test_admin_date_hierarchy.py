"""Date drill-down parameters an outside probe sent to every changelist with a ``date_hierarchy``."""

import pytest
from django.contrib import admin
from django.urls import reverse

BAD = [
    {"year": "0"},
    {"year": "99999"},
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "1"},
    {"year": "1", "month": "1", "day": "1"},
    {"year": "2025", "month": "13"},
    {"year": "2025", "month": "0"},
    {"year": "2025", "month": "2", "day": "30"},
    {"year": "2025", "month": "1", "day": "0"},
    {"year": "99999999999999999999999"},
    {"year": "-1"},
    {"year": "abc"},
    {"year": "2025", "month": "x"},
    {"month": "13"},
    {"day": "0"},
]

HIERARCHIES = sorted(
    (
        (model._meta.label, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model_admin.date_hierarchy
    ),
    key=lambda pair: pair[0],
)


@pytest.mark.django_db
@pytest.mark.parametrize("label,model_admin", HIERARCHIES, ids=[label for label, _ in HIERARCHIES])
def test_bad_date_drill_down_answers_a_page(admin_client, label, model_admin):
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    field = model_admin.date_hierarchy
    for parts in BAD:
        params = {f"{field}__{part}": value for part, value in parts.items()}
        response = admin_client.get(url, params, follow=True)
        assert response.status_code == 200, (label, params, response.status_code)


def test_every_drill_down_is_walked():
    labels = {label for label, _ in HIERARCHIES}
    assert {"orders.Order", "campaigns.Campaign", "cycle.MarketingPlan"} <= labels, labels
