import json
import time
from decimal import Decimal

import pytest
from django.urls import resolve, reverse

from customers.models import Customer
from emarketing.signing import signature_headers
from orders.models import Order, Payment, PaymentNotification, PaymentStatus, Product
from tests.orders.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

SECRET = "website-secret"
PROVIDER_SECRET = "provider-secret"


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.ORDER_WEBHOOK_SECRET = SECRET
    settings.PAYMENT_WEBHOOK_SECRET = PROVIDER_SECRET


def scope_of(url):
    provider = resolve(url).kwargs.get("provider")
    return f"payments/{provider}" if provider else "orders"


def post_signed(client, url, payload, secret, signature=None, idempotency_key="", timestamp=None, **headers):
    """Post as a sender does; ``headers`` are sent as given, after the signed ones (a replay's changes)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = signature_headers(
        body=body, secret=secret, scope=scope_of(url), idempotency_key=idempotency_key, timestamp=timestamp
    )
    if signature is not None:
        signed["X-Signature"] = signature
    return client.post(url, data=body, content_type="application/json", headers={**signed, **headers})


def order_payload(**overrides):
    if not Product.objects.filter(sku="TEA-1").exists():
        ProductFactory(sku="TEA-1", price=Decimal("12.50"))
    payload = {
        "idempotency_key": "web-0001",
        "customer": {
            "email": "Zahra@example.com",
            "first_name": "زهرا",
            "last_name": "رضایی",
            "preferred_language": "fa",
        },
        "lines": [{"sku": "TEA-1", "quantity": 2}],
    }
    payload.update(overrides)
    return payload


def test_a_signed_order_is_stored_with_its_customer_and_total(client):
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(), SECRET)
    assert response.status_code == 201
    order = Order.objects.get(idempotency_key="web-0001")
    assert order.total == Decimal("25.00")
    assert order.channel == "web"
    assert order.customer.email == "zahra@example.com"
    assert order.customer.first_name == "زهرا"
    assert response.json()["order"] == order.number


def test_a_bad_signature_answers_401_and_stores_nothing(client):
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(), SECRET, signature="sha256=00")
    assert response.status_code == 401
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(client):
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(), "guessed")
    assert response.status_code == 401
    assert not Order.objects.exists()


def test_without_a_configured_secret_nothing_is_accepted(client, settings):
    settings.ORDER_WEBHOOK_SECRET = ""
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(), "")
    assert response.status_code == 401


def test_a_duplicate_answers_200_and_stores_nothing_new(client):
    url = reverse("orders:order_webhook")
    first = post_signed(client, url, order_payload(), SECRET)
    payload = order_payload()
    payload["lines"][0]["quantity"] = 5
    again = post_signed(client, url, payload, SECRET)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert Order.objects.count() == 1
    assert Order.objects.get().total == Decimal("25.00")


def test_the_idempotency_key_may_come_in_a_header(client):
    payload = order_payload()
    del payload["idempotency_key"]
    url = reverse("orders:order_webhook")
    assert post_signed(client, url, payload, SECRET, idempotency_key="hdr-1").status_code == 201
    assert post_signed(client, url, payload, SECRET, idempotency_key="hdr-1").status_code == 200
    assert Order.objects.filter(idempotency_key="hdr-1").count() == 1


def test_a_malformed_payload_answers_400_naming_the_fields(client):
    payload = order_payload(
        customer={"email": "not-an-address", "first_name": ""}, lines=[{"sku": "NOPE", "quantity": 0}]
    )
    del payload["idempotency_key"]
    response = post_signed(client, reverse("orders:order_webhook"), payload, SECRET)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"idempotency_key", "customer.email", "customer.first_name", "lines[0].sku", "lines[0].quantity"} <= set(
        fields
    )
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_a_body_that_is_not_json_answers_400(client):
    response = post_signed(client, reverse("orders:order_webhook"), b"{not json", SECRET)
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_an_order_number_already_taken_answers_400(client):
    OrderFactory(number="SHOP-1")
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(number="SHOP-1"), SECRET)
    assert response.status_code == 400
    assert "number" in response.json()["fields"]
    assert Order.objects.count() == 1


def test_get_is_not_allowed(client):
    assert client.get(reverse("orders:order_webhook")).status_code == 405


def notification(**overrides):
    data = {"event_id": "evt-1", "reference": "pay-1", "status": "captured", "amount": "30.00", "currency": "USD"}
    data.update(overrides)
    return data


def test_a_provider_notification_creates_and_captures_the_payment(client):
    order = OrderFactory(total=Decimal("30.00"))
    url = reverse("orders:payment_notification", args=["acme"])
    response = post_signed(client, url, notification(order=order.number), PROVIDER_SECRET)
    assert response.status_code == 200 and response.json()["applied"] is True
    payment = Payment.objects.get(provider_reference="pay-1")
    assert payment.status == PaymentStatus.CAPTURED and payment.amount == Decimal("30.00")
    assert payment.provider == "acme"


def test_the_same_notification_twice_has_one_effect(client):
    order = OrderFactory(total=Decimal("100.00"))
    url = reverse("orders:payment_notification", args=["acme"])
    payload = notification(order=order.number)
    post_signed(client, url, payload, PROVIDER_SECRET)
    again = post_signed(client, url, payload, PROVIDER_SECRET)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Payment.objects.count() == 1
    assert PaymentNotification.objects.count() == 1
    assert Payment.objects.get().status_changes.count() == 1


def test_an_unsigned_notification_changes_nothing(client):
    order = OrderFactory(total=Decimal("30.00"))
    url = reverse("orders:payment_notification", args=["acme"])
    response = post_signed(client, url, notification(order=order.number), PROVIDER_SECRET, signature="bad")
    assert response.status_code == 401
    assert not Payment.objects.exists() and not PaymentNotification.objects.exists()


def test_a_notification_capturing_beyond_the_total_is_recorded_not_applied(client):
    order = OrderFactory(total=Decimal("20.00"))
    url = reverse("orders:payment_notification", args=["acme"])
    response = post_signed(client, url, notification(order=order.number, amount="30.00"), PROVIDER_SECRET)
    assert response.json()["applied"] is False
    assert "more than the order" in response.json()["outcome"]
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_a_malformed_notification_answers_400(client):
    url = reverse("orders:payment_notification", args=["acme"])
    response = post_signed(client, url, {"reference": "x", "status": "teleported"}, PROVIDER_SECRET)
    assert response.status_code == 400
    assert {"event_id", "status"} <= set(response.json()["fields"])
    assert not PaymentNotification.objects.exists()


def test_a_currency_other_than_the_products_is_refused(client):
    response = post_signed(client, reverse("orders:order_webhook"), order_payload(currency="EUR"), SECRET)
    assert response.status_code == 400
    assert "currency" in response.json()["fields"]
    assert not Order.objects.exists()


def test_the_website_customers_phone_is_stored_in_e164(client):
    payload = order_payload()
    payload["customer"]["phone"] = "۰۹۱۲ ۳۴۵ ۶۷۸۹"
    response = post_signed(client, reverse("orders:order_webhook"), payload, SECRET)
    assert response.status_code == 201
    assert Customer.objects.get().phone == "+989123456789"


def test_an_internationalised_address_from_the_website_is_kept(client):
    payload = order_payload()
    payload["customer"]["email"] = "زهرا@مثال.ایران"
    response = post_signed(client, reverse("orders:order_webhook"), payload, SECRET)
    assert response.status_code == 201
    assert Customer.objects.get().email == "زهرا@مثال.ایران"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0912 345", "“0912 345” is not a valid phone number"),
        ("email", "zahra@localhost", "“zahra@localhost” is not a valid e-mail address."),
        ("email", '"zahra"@example.com', '“"zahra"@example.com” is not a valid e-mail address.'),
    ],
)
def test_an_invalid_contact_answers_400_naming_the_field_and_stores_nothing(client, field, value, message):
    payload = order_payload()
    payload["customer"][field] = value
    response = post_signed(client, reverse("orders:order_webhook"), payload, SECRET)
    assert response.status_code == 400
    assert response.json()["fields"][f"customer.{field}"][0].startswith(message)
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_an_order_replayed_with_another_idempotency_key_makes_one_order(client):
    payload = order_payload()
    del payload["idempotency_key"]
    body = json.dumps(payload).encode()
    url = reverse("orders:order_webhook")
    signed = signature_headers(body=body, secret=SECRET, scope="orders", idempotency_key="checkout-1")
    first = client.post(url, data=body, content_type="application/json", headers=signed)
    replayed = {**signed, "Idempotency-Key": "checkout-2"}
    again = client.post(url, data=body, content_type="application/json", headers=replayed)
    assert (first.status_code, again.status_code) == (201, 401)
    assert list(Order.objects.values_list("idempotency_key", flat=True)) == ["checkout-1"]


def test_a_payment_notification_replayed_on_another_providers_path_changes_nothing(client):
    order = OrderFactory(total=Decimal("100.00"))
    body = json.dumps(notification(order=order.number)).encode()
    signed = signature_headers(body=body, secret=PROVIDER_SECRET, scope="payments/acme")
    first = client.post(
        reverse("orders:payment_notification", args=["acme"]),
        data=body,
        content_type="application/json",
        headers=signed,
    )
    again = client.post(
        reverse("orders:payment_notification", args=["other"]),
        data=body,
        content_type="application/json",
        headers=signed,
    )
    assert (first.status_code, again.status_code) == (200, 401)
    assert list(PaymentNotification.objects.values_list("provider", flat=True)) == ["acme"]
    assert Payment.objects.get().status_changes.count() == 1


def deeply_nested(depth):
    return b'{"idempotency_key": "deep", "event_id": "deep", "customer": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "url", [reverse("orders:order_webhook"), reverse("orders:payment_notification", args=["acme"])]
)
def test_a_body_nested_100000_deep_answers_400_and_writes_nothing(client, url):
    response = post_signed(client, url, deeply_nested(100_000), SECRET if "orders" in url else PROVIDER_SECRET)
    assert response.status_code == 400
    assert response.json()["error"] == "JSON too deep"
    assert not Order.objects.exists() and not Customer.objects.exists()
    assert not PaymentNotification.objects.exists()


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    payload = order_payload()
    payload["customer"]["last_name"] = '[{"\\' * 20
    response = post_signed(client, reverse("orders:order_webhook"), payload, SECRET)
    assert response.status_code == 201
    assert Customer.objects.get().last_name == '[{"\\' * 20


def test_a_stale_or_future_timestamp_is_refused(client, settings):
    url = reverse("orders:order_webhook")
    now = int(time.time())
    for stamp in (now - 3600, now + 3600):
        response = post_signed(client, url, order_payload(), SECRET, timestamp=stamp)
        assert response.status_code == 401
        assert response.json()["error"] == "stale timestamp"
    assert not Order.objects.exists() and not Customer.objects.exists()
    settings.WEBHOOK_SIGNATURE_TOLERANCE = 7200
    assert post_signed(client, url, order_payload(), SECRET, timestamp=now - 3600).status_code == 201


def test_a_request_without_its_timestamp_is_refused(client):
    body = json.dumps(order_payload()).encode()
    signed = signature_headers(body=body, secret=SECRET, scope="orders")
    del signed["X-Signature-Timestamp"]
    response = client.post(reverse("orders:order_webhook"), data=body, content_type="application/json", headers=signed)
    assert response.status_code == 401
    assert not Order.objects.exists()


@pytest.mark.parametrize("signed", [True, False])
def test_a_body_over_the_size_limit_is_refused_before_it_is_read(client, signed):
    """Nested past the depth limit too: a body that were read and parsed would answer 400 or 500, not 413."""
    body = deeply_nested(600_000)
    assert len(body) > 1024 * 1024
    response = post_signed(client, reverse("orders:order_webhook"), body, SECRET if signed else "guessed")
    assert response.status_code == 413
    assert response.json()["error"] == "body too large"
    assert not Order.objects.exists() and not Customer.objects.exists()
