"""The deliveries of WooCommerce's and Shopify's webhooks, read-only: what each did, or why it was ignored."""

from django.contrib import admin

from emarketing.admin_tools import BigTableAdminMixin
from orders.models import ShopWebhookDelivery


@admin.register(ShopWebhookDelivery)
class ShopWebhookDeliveryAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "shop", "topic", "delivery_id", "outcome")
    list_filter = ("shop", "topic")
    search_fields = ("delivery_id",)
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
