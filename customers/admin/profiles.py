"""What the jobs computed about customers, in the admin: tier and lifecycle history, scores and the value model,
product recommendations (none edited by hand), and the tier rules that marketers edit."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerHistory, CustomerValue, ProductRecommendation, TierPolicy, ValueModelFit
from customers.selectors import tier_rules_preview
from emarketing.admin_tools import BigTableAdminMixin, RecentValuesListFilter


@admin.register(CustomerHistory)
class CustomerHistoryAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Tier and lifecycle changes, written by the jobs only."""

    list_display = ("changed_at", "customer", "attribute", "old_value", "new_value", "reason")
    list_filter = ("attribute", ("new_value", RecentValuesListFilter))
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
    list_select_related = ("customer", "product", "because_of")
    list_filter = ("kind",)
    raw_id_fields = ("customer", "product", "because_of")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CustomerValue)
class CustomerValueAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Each buyer's scores and the model's predictions, written by the value refresh only."""

    list_display = (
        "customer",
        "recency_score",
        "frequency_score",
        "monetary_score",
        "probability_alive",
        "predicted_value",
        "rated_by",
        "computed_at",
    )
    list_filter = (
        "rated_by",
        ("recency_score", RecentValuesListFilter),
        ("frequency_score", RecentValuesListFilter),
        ("monetary_score", RecentValuesListFilter),
    )
    raw_id_fields = ("customer",)
    ordering = ("-predicted_value",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ValueModelFit)
class ValueModelFitAdmin(admin.ModelAdmin):
    """Each fit of the value model to the company's history: its parameters, or why it could not be fitted."""

    list_display = ("fitted_at", "succeeded", "customers", "repeat_customers", "r", "alpha", "a", "b", "message")
    list_filter = ("succeeded",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TierPolicy)
class TierPolicyAdmin(admin.ModelAdmin):
    """The tier rules: one row. **Preview** counts, before saving, how many customers each tier would hold and
    how many would move (on request only: it reads every customer's value); saving applies them at the next
    refresh (or with the customers' recompute action)."""

    change_form_template = "customers/admin/tier_policy_change_form.html"
    fieldsets = (
        (_("Most valuable"), {"fields": ("most_valuable_top_percent", "most_valuable_min_alive")}),
        (_("Potential"), {"fields": ("potential_min_alive", "potential_min_score")}),
        (_("Win-back"), {"fields": ("churn_below_alive", "rfm_min_recency_score")}),
        (_("Predicted value"), {"fields": ("horizon_days",)}),
    )

    def has_add_permission(self, request):
        return not TierPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.method == "POST" and "_preview" in request.POST:
            obj = self.get_object(request, object_id) if object_id else TierPolicy()
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
            form_class = self.get_form(request, obj, change=bool(object_id))
            form = form_class(request.POST, instance=obj)
            if form.is_valid():
                # Counted with the rules as typed; nothing is saved.
                extra_context["preview"] = tier_rules_preview(policy=form.save(commit=False))
            else:
                extra_context["preview_errors"] = True
            return self._changeform_with(request, object_id, form_url, extra_context, form)
        # Opening the page counts nothing: the preview reads every customer's value, so it waits for the button.
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _changeform_with(self, request, object_id, form_url, extra_context, form):
        """The change form re-shown with the marketer's unsaved values and the preview."""
        obj = form.instance
        fieldsets = self.get_fieldsets(request, obj)
        admin_form = helpers.AdminForm(
            form,
            list(fieldsets),  # type: ignore[arg-type]
            {},
            self.get_readonly_fields(request, obj),
            self,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change %s") % self.opts.verbose_name,
            "subtitle": str(obj),
            "adminform": admin_form,
            "object_id": object_id,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + admin_form.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            **extra_context,
        }
        return self.render_change_form(request, context, add=not object_id, change=bool(object_id), obj=obj)
