from rest_framework import serializers

from customers.models import Language
from orders.models import Order, OrderLine, Payment, Product, SalesChannel, Shipment


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ("id", "sku", "name", "category", "price", "currency", "launched_on", "is_active", "updated_at")


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = OrderLine
        fields = ("id", "product", "sku", "quantity", "unit_price", "amount")


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = (
            "id",
            "amount",
            "currency",
            "method",
            "status",
            "provider",
            "provider_reference",
            "created_at",
            "captured_at",
        )


class ShipmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shipment
        fields = ("id", "carrier", "tracking_number", "status", "promised_on", "shipped_at", "delivered_at")


class OrderSerializer(serializers.ModelSerializer):
    customer_email = serializers.CharField(source="customer.email")
    lines = OrderLineSerializer(many=True)
    payments = PaymentSerializer(many=True)
    shipments = ShipmentSerializer(many=True)

    class Meta:
        model = Order
        fields = (
            "id",
            "number",
            "customer",
            "customer_email",
            "channel",
            "agent",
            "campaign",
            "status",
            "total",
            "currency",
            "placed_at",
            "updated_at",
            "lines",
            "payments",
            "shipments",
        )
        read_only_fields = fields


class OrderCustomerInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)


class OrderLineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


class OrderInput(serializers.Serializer):
    """The order to place: checked field by field by transfer's own rules (``orders.forms.order_payload_clean``),
    the same as the website's order webhook."""

    number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    placed_at = serializers.DateTimeField(required=False)
    channel = serializers.ChoiceField(
        choices=[c for c in SalesChannel.values if c != SalesChannel.AGENT], required=False
    )
    customer = OrderCustomerInput()
    lines = OrderLineInput(many=True, allow_empty=False)
