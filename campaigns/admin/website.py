"""Website events and visitors in the admin: read-only, for looking up what a customer or visitor did."""

from django.contrib import admin

from campaigns.models import Visitor, WebEvent
from emarketing.admin_tools import BigTableAdminMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Recorded by the website, never typed in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebEvent)
class WebEventAdmin(BigTableAdminMixin, ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "source", "customer", "visitor_id", "path", "product_ref", "query")
    list_filter = ("kind", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("=visitor_id", "=customer__email", "=product_ref")
    list_select_related = ("customer",)


@admin.register(Visitor)
class VisitorAdmin(BigTableAdminMixin, ReadOnlyAdmin):
    list_display = ("visitor_id", "customer", "consent", "first_seen_at", "last_seen_at", "identified_at")
    list_filter = ("consent",)
    search_fields = ("=visitor_id", "=customer__email")
    list_select_related = ("customer",)
