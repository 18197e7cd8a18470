from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from emarketing.brand.models import Brand
from emarketing.brand.services import brand_update


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The one brand: written once (no second can be added), then edited; it is never deleted."""

    fieldsets = (
        (_("Name"), {"fields": ("name", "name_fa", "name_ar")}),
        (_("Sender name"), {"fields": ("sender_name", "sender_name_fa", "sender_name_ar")}),
        (_("Address"), {"fields": ("address", "address_fa", "address_ar")}),
        (_("Footer"), {"fields": ("footer", "footer_fa", "footer_ar")}),
        (_("Look"), {"fields": ("logo", ("primary_colour", "accent_colour"))}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not Brand.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        brand_update(brand=obj)
