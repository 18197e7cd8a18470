"""Every admin page asks the database the same number of questions however much data there is: each changelist on a
small demo company and on a bigger one, and the change page of a row with one row of each kind hanging on it and
with many."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

STAGE_APPS = ("customers", "campaigns", "orders", "aftersales", "cycle")
# How many rows of each kind the grown row gains (a page of rows shown in full, or a capped inline, either way).
MORE = 6


def _pages(first_rows):
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in STAGE_APPS:
            continue
        name = f"{meta.app_label}_{meta.model_name}"
        yield f"{meta.label} list", reverse(f"admin:{name}_changelist")
        if meta.label in first_rows:
            yield f"{meta.label} change", reverse(f"admin:{name}_change", args=[first_rows[meta.label]])


def _first_rows():
    found = {}
    for model in admin.site._registry:
        if model._meta.app_label in STAGE_APPS:
            pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                found[model._meta.label] = pk
    return found


def _model(label):
    return next(model for model in admin.site._registry if model._meta.label == label)


def _queries(client, urls):
    counts = {}
    for label, url in urls:
        client.get(url)  # what is read once per process (content types, the session) is read here
        with CaptureQueriesContext(transaction.get_connection()) as captured:
            response = client.get(url)
        assert response.status_code == 200, label
        counts[label] = len(captured.captured_queries)
    return counts


def _grow(model, pk, more):
    """``more`` copies of rows of every kind that hang on the row ``pk`` of ``model``, where they can be made."""
    obj = model._default_manager.get(pk=pk)
    for relation in model._meta.related_objects:
        related = relation.related_model
        if not relation.one_to_many or related._meta.app_label not in STAGE_APPS:
            continue
        sample = list(related._default_manager.order_by("-pk")[:more])
        for row in sample:
            row.pk = None
            row._state.adding = True
            setattr(row, relation.field.name, obj)
            try:
                with transaction.atomic():
                    row.save()
            except (IntegrityError, ValueError):
                pass  # a row that may exist once only (one consent per channel, one message per recipient)


@pytest.mark.django_db
def test_no_admin_page_asks_more_as_the_data_grows(admin_client):
    call_command("seed_demo", customers=4, verbosity=0)
    small = _queries(admin_client, _pages({}))  # every changelist of a small company

    call_command("seed_demo", customers=16, verbosity=0)
    first = _first_rows()
    for label, pk in first.items():  # a row of each kind on the row opened, so no kind is first seen when grown
        _grow(_model(label), pk, 1)
    small |= _queries(admin_client, ((label, url) for label, url in _pages(first) if label.endswith("change")))

    for label, pk in first.items():
        _grow(_model(label), pk, MORE)
    grown = _queries(admin_client, _pages(first))

    grew = {label: (small[label], grown.get(label)) for label in small if grown.get(label) != small[label]}
    assert grew == {}
    assert len(small) > 80  # every changelist, and nearly every change page
