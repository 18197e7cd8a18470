"""The transfer stage in the admin: orders (with the order history import), lines, payments, shipments."""

from .capacity import DeliveryRegionAdmin, ProductCapacityAdmin
from .orders import OrderAdmin
from .shop_webhooks import ShopWebhookDeliveryAdmin

__all__ = ["DeliveryRegionAdmin", "OrderAdmin", "ProductCapacityAdmin", "ShopWebhookDeliveryAdmin"]
