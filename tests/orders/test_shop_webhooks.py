"""WooCommerce's and Shopify's webhooks, with payloads in the shapes their documentation gives, signed as they sign
them (base64 HMAC-SHA256 of the raw body)."""

import base64
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Consent, ConsentEvent, Customer
from orders.models import Order, Payment, PaymentStatus, ShopWebhookDelivery
from tests.customers.factories import CustomerFactory
from tests.orders.factories import ProductFactory

pytestmark = pytest.mark.django_db

WOO_SECRET = "woo-webhook-secret"
SHOPIFY_SECRET = "shopify-client-secret"


@pytest.fixture(autouse=True)
def shop_secrets(settings):
    settings.WOOCOMMERCE_WEBHOOK_SECRET = WOO_SECRET
    settings.SHOPIFY_WEBHOOK_SECRET = SHOPIFY_SECRET


@pytest.fixture
def products(db):
    return [
        ProductFactory(sku="WOO-HOODIE", price=Decimal("45.00"), currency="USD"),
        ProductFactory(sku="IPOD2008GREEN", price=Decimal("199.00"), currency="USD"),
    ]


def sign(body, secret):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def woo(client, topic, payload, *, secret=WOO_SECRET, delivery="d-1", signature=None):
    body = json.dumps(payload).encode()
    resource, event = topic.split(".")
    headers = {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Signature": signature if signature is not None else sign(body, secret),
    }
    return client.post("/webhooks/woocommerce/", body, content_type="application/json", headers=headers)


def shopify(client, topic, payload, *, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", signature=None):
    body = json.dumps(payload).encode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(body, SHOPIFY_SECRET),
        "X-Shopify-Shop-Domain": "example.myshopify.com",
        "X-Shopify-API-Version": "2025-07",
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Triggered-At": "2026-03-21T08:00:00.000Z",
    }
    return client.post("/webhooks/shopify/", body, content_type="application/json", headers=headers)


# As WooCommerce's REST API v3 documents an order (the webhook sends the same resource).
WOO_ORDER = {
    "id": 727,
    "parent_id": 0,
    "number": "727",
    "order_key": "wc_order_58d2d042d1d",
    "created_via": "checkout",
    "status": "processing",
    "currency": "USD",
    "date_created": "2026-03-22T16:28:02",
    "date_created_gmt": "2026-03-22T19:28:02",
    "total": "90.00",
    "customer_id": 0,
    "billing": {
        "first_name": "John",
        "last_name": "Doe",
        "address_1": "969 Market",
        "city": "San Francisco",
        "country": "US",
        "email": "john.doe@example.com",
        "phone": "(555) 555-5555",
    },
    "payment_method": "bacs",
    "date_paid": "2026-03-22T16:28:08",
    "date_paid_gmt": "2026-03-22T19:28:08",
    "line_items": [
        {"id": 315, "name": "Woo Single #1", "product_id": 93, "quantity": 2, "sku": "WOO-HOODIE", "price": 45}
    ],
    "refunds": [],
}

# As Shopify's Admin API documents an order webhook (orders/create), trimmed to what the product reads.
SHOPIFY_ORDER = {
    "id": 820982911946154508,
    "name": "#9999",
    "email": "jon@example.com",
    "created_at": "2026-03-21T12:29:18-04:00",
    "currency": "USD",
    "total_price": "199.00",
    "financial_status": "pending",
    "buyer_accepts_marketing": True,
    "cancelled_at": None,
    "customer": {
        "id": 115310627314723954,
        "email": "jon@example.com",
        "first_name": "John",
        "last_name": "Smith",
        "phone": None,
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in", "consent_updated_at": None},
    },
    "line_items": [
        {"id": 866550311766439020, "quantity": 1, "sku": "IPOD2008GREEN", "price": "199.00", "title": "IPod Nano"}
    ],
}


def test_a_woocommerce_order_is_placed_and_its_payment_captured(client, products):
    answer = woo(client, "order.created", WOO_ORDER)
    assert answer.status_code == 200, answer.content
    order = Order.objects.get()
    assert (order.number, order.total, order.customer.email) == ("WC-727", Decimal("90.00"), "john.doe@example.com")
    assert order.payments.get().status == PaymentStatus.CAPTURED


def test_a_woocommerce_order_updated_again_is_placed_once_and_its_refund_applied(client, products):
    woo(client, "order.created", WOO_ORDER)
    refunded = {**WOO_ORDER, "status": "refunded", "refunds": [{"id": 726, "reason": "", "total": "-90.00"}]}
    answer = woo(client, "order.updated", refunded, delivery="d-2")
    assert answer.status_code == 200
    assert Order.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_a_woocommerce_partial_refund_leaves_the_payment_captured(client, products):
    woo(client, "order.created", WOO_ORDER)
    partial = {**WOO_ORDER, "refunds": [{"id": 730, "reason": "one hoodie", "total": "-45.00"}]}
    answer = woo(client, "order.updated", partial, delivery="d-3")
    assert "partly refunded" in answer.json()["outcome"]
    assert Payment.objects.get().status == PaymentStatus.CAPTURED


def test_woocommerce_ping_on_creation_is_answered_200(client):
    answer = client.post("/webhooks/woocommerce/", b"webhook_id=12", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert not ShopWebhookDelivery.objects.exists()


def test_a_bad_or_missing_signature_is_401_and_stores_nothing(client, products):
    assert woo(client, "order.created", WOO_ORDER, signature="bm90IHRoZSBzaWduYXR1cmU=").status_code == 401
    assert woo(client, "order.created", WOO_ORDER, secret="another-secret").status_code == 401
    assert shopify(client, "orders/create", SHOPIFY_ORDER, signature="").status_code == 401
    assert not Order.objects.exists()
    assert not ShopWebhookDelivery.objects.exists()


def test_no_secret_configured_refuses_everything(client, products, settings):
    settings.WOOCOMMERCE_WEBHOOK_SECRET = ""
    assert woo(client, "order.created", WOO_ORDER, secret="").status_code == 401


def test_a_topic_the_product_ignores_is_answered_2xx(client):
    """WooCommerce disables a webhook after five failures in a row: what is ignored on purpose is not a failure."""
    for n in range(6):
        answer = woo(client, "coupon.created", {"id": n, "code": "SPRING"}, delivery=f"c-{n}")
        assert answer.status_code == 200
        assert answer.json()["outcome"].startswith("Ignored")


def test_an_order_the_product_cannot_take_is_recorded_and_answered_2xx(client):
    answer = woo(client, "order.created", WOO_ORDER)  # no product has the SKU
    assert answer.status_code == 200
    assert "not stored" in answer.json()["outcome"]
    assert (
        "WOO-HOODIE" in ShopWebhookDelivery.objects.get().outcome or "SKU" in ShopWebhookDelivery.objects.get().outcome
    )


def test_a_signed_body_that_is_not_json_is_400(client):
    body = b"{not json"
    answer = client.post(
        "/webhooks/shopify/",
        body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": sign(body, SHOPIFY_SECRET), "X-Shopify-Topic": "orders/create"},
    )
    assert answer.status_code == 400


def test_a_body_over_the_limit_is_413_before_it_is_read(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 100
    assert woo(client, "order.created", WOO_ORDER).status_code == 413


def test_a_shopify_order_is_placed_with_the_consent_it_states(client, products):
    answer = shopify(client, "orders/create", SHOPIFY_ORDER)
    assert answer.status_code == 200, answer.content
    order = Order.objects.get()
    assert (order.number, order.total) == ("SH-9999", Decimal("199.00"))
    consent = Consent.objects.get(customer=order.customer, channel="email")
    assert consent.granted
    assert ConsentEvent.objects.get(customer=order.customer).source == "checkout"


def test_a_replayed_shopify_webhook_id_changes_nothing(client, products):
    first = shopify(client, "orders/create", SHOPIFY_ORDER)
    again = shopify(client, "orders/create", SHOPIFY_ORDER)
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert Order.objects.count() == 1
    assert ShopWebhookDelivery.objects.count() == 1


def test_shopify_paid_cancelled_and_refunded(client, products):
    shopify(client, "orders/create", SHOPIFY_ORDER, webhook_id="w-1")
    shopify(client, "orders/paid", {**SHOPIFY_ORDER, "financial_status": "paid"}, webhook_id="w-2")
    assert Payment.objects.get().status == PaymentStatus.CAPTURED
    refund = {
        "id": 509562969,
        "order_id": SHOPIFY_ORDER["id"],
        "created_at": "2026-03-22T12:00:00-04:00",
        "note": "it broke during shipping",
        "refund_line_items": [],
        "transactions": [
            {"id": 179259969, "kind": "refund", "status": "success", "amount": "199.00", "currency": "USD"}
        ],
    }
    assert shopify(client, "refunds/create", refund, webhook_id="w-3").status_code == 200
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_a_shopify_cancellation_cancels_the_order(client, products):
    shopify(client, "orders/create", SHOPIFY_ORDER, webhook_id="w-1")
    cancelled = {**SHOPIFY_ORDER, "cancelled_at": "2026-03-21T13:00:00-04:00", "cancel_reason": "customer"}
    shopify(client, "orders/cancelled", cancelled, webhook_id="w-2")
    assert Order.objects.get().status == "cancelled"


def test_a_shopify_customer_withdrawing_consent(client):
    customer = CustomerFactory(email="jon@example.com")
    payload = {
        "id": 706405506930370084,
        "email": "jon@example.com",
        "first_name": "John",
        "last_name": "Smith",
        "email_marketing_consent": {"state": "subscribed", "opt_in_level": "confirmed_opt_in"},
        "sms_marketing_consent": None,
    }
    shopify(client, "customers/create", payload, webhook_id="c-1")
    assert Consent.objects.get(customer=customer, channel="email").granted
    payload["email_marketing_consent"] = {"state": "unsubscribed", "opt_in_level": "single_opt_in"}
    shopify(client, "customers/update", payload, webhook_id="c-2")
    assert not Consent.objects.get(customer=customer, channel="email").granted
    # A payload that states nothing about consent (a pending double opt-in) changes nothing.
    payload["email_marketing_consent"] = {"state": "pending"}
    shopify(client, "customers/update", payload, webhook_id="c-3")
    assert ConsentEvent.objects.filter(customer=customer).count() == 2


def test_a_woocommerce_customer_is_created_without_consent(client):
    payload = {
        "id": 25,
        "email": "sara@example.com",
        "first_name": "سارا",
        "last_name": "Ahmadi",
        "role": "customer",
        "billing": {"phone": "+989121234567"},
    }
    assert woo(client, "customer.created", payload).status_code == 200
    customer = Customer.objects.get(email="sara@example.com")
    assert customer.first_name == "سارا"
    assert not Consent.objects.filter(customer=customer).exists()


def test_a_shops_delivery_id_is_remembered_for_its_window_then_forgotten(client, products, settings):
    from orders.tasks import delete_old_shop_webhook_receipts

    settings.SHOP_WEBHOOK_RECEIPTS_KEEP_DAYS = 30
    shopify(client, "orders/create", SHOPIFY_ORDER, webhook_id="w-old")
    shopify(client, "orders/create", {**SHOPIFY_ORDER, "id": 777, "name": "SH-777"}, webhook_id="w-new")
    ShopWebhookDelivery.objects.filter(delivery_id="w-old").update(received_at=timezone.now() - dt.timedelta(days=31))
    ShopWebhookDelivery.objects.filter(delivery_id="w-new").update(received_at=timezone.now() - dt.timedelta(days=29))

    assert delete_old_shop_webhook_receipts.delay().get() == 1

    assert list(ShopWebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["w-new"]
    assert shopify(client, "orders/create", {**SHOPIFY_ORDER, "id": 777, "name": "SH-777"}, webhook_id="w-new").json()[
        "duplicate"
    ]
