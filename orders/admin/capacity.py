"""Capacity in the admin: stock and production per product, shipments per day per delivery region."""

from django.contrib import admin

from orders.models import DeliveryRegion, ProductCapacity
from orders.services.capacity import delivery_region_save, product_capacity_set


@admin.register(ProductCapacity)
class ProductCapacityAdmin(admin.ModelAdmin):
    list_display = ("product", "stock_on_hand", "production_per_week", "updated_at")
    list_editable = ("stock_on_hand", "production_per_week")
    search_fields = ("product__sku", "product__name")
    autocomplete_fields = ("product",)
    list_select_related = ("product",)

    def save_model(self, request, obj, form, change):
        saved = product_capacity_set(
            product=obj.product, stock_on_hand=obj.stock_on_hand, production_per_week=obj.production_per_week
        )
        obj.pk = saved.pk


@admin.register(DeliveryRegion)
class DeliveryRegionAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "province", "shipments_per_day", "updated_at")
    list_editable = ("shipments_per_day",)
    search_fields = ("name", "province")

    def save_model(self, request, obj, form, change):
        delivery_region_save(
            region=obj,
            name=obj.name,
            country=obj.country,
            province=obj.province,
            shipments_per_day=obj.shipments_per_day,
        )
