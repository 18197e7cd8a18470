"""The OpenAPI schema against the live API (schemathesis): every operation, with data generated from the schema,
answers with a status, content type and body its schema documents, and never a server error."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.customers.factories import CustomerFactory, SegmentFactory
from tests.orders.factories import OrderLineFactory

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    from emarketing.wsgi import application

    # The schema view reads no table: loading it while tests are collected needs no database.
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


schema = _schema()


@pytest.fixture
def _connections_kept():
    """Called as a WSGI application, Django closes the database connection after each request, as a server must;
    inside a test's transaction that would end the test's connection (PostgreSQL). Django's test client keeps it
    open the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def rows(db, _connections_kept):
    """A few rows for the reads to find (ids 1… as the generated paths often name them)."""
    segment = SegmentFactory()
    for customer in CustomerFactory.create_batch(2):
        segment.memberships.create(customer=customer)
    OrderLineFactory()


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_schema_says(case, make_key, rows):
    _key, token = make_key(rate_limit=0)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
