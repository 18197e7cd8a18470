"""Segments in the admin, built from a form of conditions, with the member count shown live while editing."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from customers.models import (
    Segment,
    SegmentCondition,
    SegmentDeparture,
    SegmentField,
    SegmentMembership,
)
from customers.segments import RuleError, condition_form_specs, describe_rules, matching_customers, rules_from_rows
from customers.services import segment_save_rules
from emarketing.admin_tools import BigTableAdminMixin


def condition_from_row(data):
    """One row of the condition form as a rule condition (products and needs picked by id are added)."""
    values = [v.strip() for v in (data.get("value") or "").split(",") if v.strip()]
    product, need = data.get("product"), data.get("need")
    if data.get("field") == SegmentField.PRODUCT_BOUGHT and product:
        values.append(str(getattr(product, "pk", product)))
    if data.get("field") == SegmentField.NEED and need:
        values.append(str(getattr(need, "pk", need)))
    cond = {"field": data.get("field"), "lookup": data.get("lookup"), "value": values}
    campaign = data.get("campaign")
    if campaign:
        cond["campaign"] = getattr(campaign, "pk", campaign)
    return cond


class SegmentConditionFormSet(BaseInlineFormSet):
    """Checks the rows together: unknown fields, values that do not fit and contradictions are refused."""

    def clean(self):
        super().clean()
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("field"):
                continue
            rows.append((data.get("group") or 1, condition_from_row(data)))
        try:
            self.compiled_rules = rules_from_rows(rows)
        except RuleError as error:
            raise ValidationError(error.messages) from error


class SegmentConditionInline(admin.TabularInline):
    model = SegmentCondition
    formset = SegmentConditionFormSet
    extra = 1
    fields = ("group", "field", "lookup", "value", "product", "campaign", "need")
    raw_id_fields = ("product", "campaign", "need")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "is_dynamic", "member_count", "refreshed_at", "members_link")
    list_filter = ("is_dynamic",)
    search_fields = ("name", "description")
    readonly_fields = ("is_dynamic", "member_count", "refreshed_at", "members_link", "rules_summary")
    fields = ("name", "description", "is_dynamic", "rules_summary", "member_count", "refreshed_at", "members_link")
    inlines = (SegmentConditionInline,)
    actions = ("refresh_now", "rebuild_now")
    change_form_template = "customers/admin/segment_change_form.html"

    class Media:
        js = ("customers/js/segment_conditions.js", "customers/js/segment_live_count.js")
        css = {"all": ("customers/css/segment_conditions.css",)}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        words = {"days": gettext("days"), "and": gettext("and"), "yes": gettext("yes"), "no": gettext("no")}
        extra_context = {**(extra_context or {}), "field_specs": condition_form_specs(), "condition_words": words}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("members"))
    def members_link(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:customers_customer_changelist") + f"?segments__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("See the members"))

    @admin.display(description=_("rules"))
    def rules_summary(self, obj):
        lines = describe_rules(obj.rules)
        if not lines:
            return gettext("No rules: members are picked by hand.")
        return format_html_join(format_html("<br>{}<br>", gettext("or")), "{}", ((line,) for line in lines))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if isinstance(formset, SegmentConditionFormSet):
                segment_save_rules(segment=form.instance, rules=formset.compiled_rules, sync_conditions=False)
                if form.instance.is_dynamic:
                    from customers.tasks import refresh_segment

                    refresh_segment.delay_on_commit(segment_id=form.instance.pk)  # type: ignore[attr-defined]  # a DjangoTask at run time; the stubs' shared_task gives a plain Task

    @admin.action(description=_("Refresh membership now (only customers who changed)"), permissions=["change"])
    def refresh_now(self, request, queryset):
        self._refresh(request, queryset, full=False)

    @admin.action(description=_("Rebuild membership now (every customer)"), permissions=["change"])
    def rebuild_now(self, request, queryset):
        self._refresh(request, queryset, full=True)

    def _refresh(self, request, queryset, *, full):
        from customers.services import segment_refresh

        for segment in queryset.filter(is_dynamic=True):
            result = segment_refresh(segment=segment, full=full)
            self.message_user(
                request,
                gettext("%(segment)s: %(added)d joined, %(removed)d left.")
                % {"segment": segment, "added": result.added, "removed": result.removed},
                messages.SUCCESS,
            )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "live-count/", self.admin_site.admin_view(self.live_count_view), name="{}_{}_live_count".format(*info)
            ),
            *super().get_urls(),
        ]

    def live_count_view(self, request):
        """POST ``{"conditions": [{group, field, lookup, value, product, campaign, need}, ...]}`` →
        ``{"count": n}`` or ``{"error": "..."}``: the count shown while the marketer edits the rows."""
        return _live_count(request, self)


@require_POST
def _live_count(request, model_admin):
    if not (model_admin.has_change_permission(request) or model_admin.has_add_permission(request)):
        raise PermissionDenied
    try:
        payload = json.loads(request.body or b"{}")
        rows = [
            (int(row.get("group") or 1), condition_from_row(row))
            for row in payload.get("conditions", [])
            if row.get("field")
        ]
        rules = rules_from_rows(rows)
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"error": gettext("The conditions could not be read.")}, status=400)
    except RuleError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"count": matching_customers(rules).count() if rules else 0})


@admin.register(SegmentMembership)
class SegmentMembershipAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("segment", "customer", "added_at")
    list_filter = ("segment",)
    raw_id_fields = ("customer",)
    autocomplete_fields = ("segment",)
    search_fields = ("customer__email", "customer__last_name", "segment__name")


@admin.register(SegmentDeparture)
class SegmentDepartureAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Who left which segment, and when: written by the refresh, never typed in."""

    list_display = ("segment", "customer", "left_at")
    list_filter = ("segment",)
    raw_id_fields = ("customer",)
    search_fields = ("=customer__email", "segment__name")
    list_select_related = ("segment", "customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
