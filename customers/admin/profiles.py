"""What the jobs computed about customers, in the admin: tier and lifecycle history, product recommendations.
Neither is edited by hand."""

from django.contrib import admin

from customers.models import (
    CustomerHistory,
    ProductRecommendation,
)
from emarketing.admin_tools import BigTableAdminMixin


@admin.register(CustomerHistory)
class CustomerHistoryAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Tier and lifecycle changes, written by the jobs only."""

    list_display = ("changed_at", "customer", "attribute", "old_value", "new_value", "reason")
    list_filter = ("attribute", "new_value")
    raw_id_fields = ("customer",)
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProductRecommendation)
class ProductRecommendationAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """What the nightly cross-sell and up-sell job proposes to each customer."""

    list_display = ("customer", "product", "kind", "score", "because_of", "computed_at")
    list_filter = ("kind",)
    raw_id_fields = ("customer", "product", "because_of")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
