"""The right to be forgotten in the admin: "Erase this customer" on a customer's page (a confirmation page lists
what will go, counted), "Erase selected customers" in the list (confirmed, then done in the background), and the
read-only record of every erasure.

Erasing needs ``customers.erase_customer``, a permission of its own (Managers have it; Marketers and sales agents
do not): it cannot be undone. An erased customer's page is read-only.
"""

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.erasure import erasers
from customers.models import Customer, Erasure, ErasureSource
from customers.services.erasure import customer_erase, customer_erasure_preview, customers_erase_enqueue

ERASE_PERMISSION = "customers.erase_customer"

if TYPE_CHECKING:
    # The mixin always stands in front of the customer ModelAdmin: let the type checker see what it extends.
    _ErasureBase = admin.ModelAdmin[Customer]
else:
    _ErasureBase = object


def _removed_rows(counts):
    return [(erasers.label(key), rows) for key, rows in counts.items() if rows]


class CustomerErasureMixin(_ErasureBase):
    """Added to the customer admin: the button, its confirmation page and the bulk action."""

    erase_template = "admin/customers/customer/erase.html"
    erase_selected_template = "admin/customers/customer/erase_selected.html"

    def has_erase_permission(self, request):
        return request.user.has_perm(ERASE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.erased_at is not None:
            return False  # nothing left to change: the page shows what is kept, read-only
        return super().has_change_permission(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="{}_{}_erase".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_erase": self.has_erase_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def erase_view(self, request, object_id):
        """GET: what erasing this customer would blank or remove, counted; POST: erase."""
        if not self.has_erase_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        change_url = reverse("admin:customers_customer_change", args=[customer.pk])
        if customer.erased_at is not None:
            self.message_user(request, gettext("This customer was already erased."), messages.INFO)
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            erasure = customer_erase(customer=customer, source=ErasureSource.ADMIN, requested_by=request.user)
            self.message_user(
                request,
                gettext("Customer #%(id)s was erased: %(rows)d rows blanked or removed.")
                % {"id": customer.pk, "rows": erasure.rows_removed},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Erase this customer"),
            "customer": customer,
            "rows": _removed_rows(customer_erasure_preview(customer=customer)),
        }
        return TemplateResponse(request, self.erase_template, context)

    @admin.action(description=_("Erase selected customers (cannot be undone)"), permissions=["erase"])
    def erase_selected(self, request, queryset):
        """First a confirmation page (how many, what it means), then the erasures are queued in the background."""
        pending = queryset.filter(erased_at__isnull=True)
        if request.POST.get("post") == "yes":
            ids = pending.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000)
            queued = customers_erase_enqueue(customer_ids=ids, requested_by=request.user)
            self.message_user(
                request,
                ngettext(
                    "%(count)d customer is queued for erasure; it is done in the background.",
                    "%(count)d customers are queued for erasure; it is done in the background.",
                    queued,
                )
                % {"count": queued},
                messages.SUCCESS,
            )
            return None
        select_across = request.POST.get("select_across") == "1"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Erase the selected customers?"),
            "count": pending.count(),
            "select_across": select_across,
            "selected": [] if select_across else list(queryset.values_list("pk", flat=True)),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.erase_selected_template, context)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """Every erasure: who asked, when, and how many rows of each kind went — never the data."""

    list_display = ("customer", "source", "requested_by", "requested_at", "confirmed_at", "completed_at", "rows")
    list_filter = ("source", ("completed_at", admin.DateFieldListFilter))
    search_fields = ("=customer__id",)
    search_help_text = _("The customer's number.")
    list_select_related = ("customer", "requested_by")
    fields = ("customer", "source", "requested_by", "requested_at", "confirmed_at", "completed_at", "removed_list")
    readonly_fields = fields
    ordering = ("-completed_at", "-id")

    @admin.display(description=_("rows blanked or removed"))
    def rows(self, obj):
        return obj.rows_removed

    @admin.display(description=_("what was removed"))
    def removed_list(self, obj):
        return format_html_join("\n", "<div>{}: {}</div>", _removed_rows(obj.removed or {})) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
