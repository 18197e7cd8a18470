"""The plan in the admin: the objectives table with KPI actuals, the 3M, reviews, status history and loop runs."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.admin.needs import NeedAdmin
from customers.models import Need
from cycle.models import (
    BudgetLine,
    Kpi,
    LoopRun,
    MarketingPlan,
    Milestone,
    Objective,
    OrderDaily,
    PlanPerson,
    PlanReview,
    PlanStatus,
    PlanStatusChange,
    ProfileChangeDaily,
    RollupState,
    ServiceDaily,
    TouchDaily,
    WebsiteDaily,
)
from cycle.selectors.dashboards.sources import figure_source
from cycle.selectors.plans import MILESTONE_STATE_LABELS, plan_scoreboard
from cycle.services.need_objectives import need_turn_into_objective
from cycle.services.plans import (
    plan_activate,
    plan_close,
    plan_put_under_review,
)
from emarketing.admin_tools import run_for_each


def rollup_kpi_values(kpis, *, start, end):
    return figure_source().kpi_values(kpis, start=start, end=end)


class ReadOnlyAdminMixin:
    """Audit rows and job records: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObjectiveInline(admin.TabularInline):
    """The objectives table as the plan draws it: objective, motivation, strategy, KPI and target."""

    model = Objective
    extra = 0
    fields = ("position", "title", "motivation", "strategy", "kpi", "target", "budget")
    verbose_name_plural = _("objectives table")


class PlanPersonInline(admin.TabularInline):
    model = PlanPerson
    extra = 0
    fields = ("name", "role", "user", "allocation_percent")
    raw_id_fields = ("user",)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ("description", "objective", "amount", "currency")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            cast(forms.ModelChoiceField, formset.form.base_fields["objective"]).queryset = Objective.objects.filter(
                plan=obj
            )
        return formset


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("title", "objective", "due_on", "done_on", "owner", "state_display")
    readonly_fields = ("state_display",)
    raw_id_fields = ("owner",)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            cast(forms.ModelChoiceField, formset.form.base_fields["objective"]).queryset = Objective.objects.filter(
                plan=obj
            )
        return formset

    @admin.display(description=_("state"))
    def state_display(self, obj):
        if obj.pk is None or obj.due_on is None:
            return "—"
        return MILESTONE_STATE_LABELS[obj.state]


class PlanReviewInline(admin.StackedInline):
    model = PlanReview
    extra = 0
    fields = ("due_on", "held_on", "decisions", "opened_at", "closed_at")
    readonly_fields = ("opened_at", "closed_at")
    verbose_name_plural = _("six-monthly reviews")


@admin.register(MarketingPlan)
class MarketingPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "starts_on", "ends_on", "owner", "next_review_on")
    list_filter = ("status",)
    search_fields = ("name",)
    date_hierarchy = "starts_on"
    raw_id_fields = ("owner",)
    readonly_fields = ("status", "scoreboard")
    fieldsets = (
        (None, {"fields": ("name", "status", "owner", ("starts_on", "ends_on"), "next_review_on")}),
        (_("Situation and alignment"), {"fields": ("situation_analysis", "alignment")}),
        (_("Objectives: target and actual, and the 3M"), {"fields": ("scoreboard",)}),
    )
    inlines = (ObjectiveInline, PlanPersonInline, BudgetLineInline, MilestoneInline, PlanReviewInline)
    actions = ("activate", "put_under_review", "close")

    @admin.display(description=_("scoreboard"))
    def scoreboard(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the plan to see its objectives against their targets.")
        # The actuals from the rollups, as the plan's dashboard shows them: live, the AIDA conversion alone counts
        # every touch of the period.
        return render_to_string("cycle/plan_scoreboard.html", plan_scoreboard(obj, kpi_values=rollup_kpi_values))

    @admin.action(description=_("Activate the selected plans"), permissions=["change"])
    def activate(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda plan: plan_activate(plan=plan, by=request.user),
            lambda n: ngettext("%(n)d plan activated.", "%(n)d plans activated.", n) % {"n": n},
        )

    @admin.action(description=_("Put the selected plans under review"), permissions=["change"])
    def put_under_review(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda plan: plan_put_under_review(plan=plan, by=request.user),
            lambda n: ngettext("%(n)d plan put under review.", "%(n)d plans put under review.", n) % {"n": n},
        )

    @admin.action(description=_("Close the selected plans"), permissions=["change"])
    def close(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda plan: plan_close(plan=plan, by=request.user),
            lambda n: ngettext("%(n)d plan closed.", "%(n)d plans closed.", n) % {"n": n},
        )


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("title", "plan", "kpi", "target", "budget", "position")
    list_filter = ("kpi", "plan")
    search_fields = ("title", "plan__name")
    list_select_related = ("plan",)
    raw_id_fields = ("plan",)


@admin.register(PlanPerson)
class PlanPersonAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "plan", "allocation_percent")
    list_filter = ("plan",)
    search_fields = ("name", "role")
    list_select_related = ("plan",)
    raw_id_fields = ("plan", "user")


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = ("description", "plan", "objective", "amount", "currency")
    list_filter = ("plan",)
    search_fields = ("description",)
    list_select_related = ("plan", "objective")
    raw_id_fields = ("plan", "objective")


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ("title", "plan", "due_on", "done_on", "state_display")
    list_filter = ("plan",)
    search_fields = ("title",)
    list_select_related = ("plan",)
    raw_id_fields = ("plan", "objective", "owner")

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return MILESTONE_STATE_LABELS[obj.state]


@admin.register(PlanStatusChange)
class PlanStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("subject", "from_status", "to_status", "changed_at", "changed_by", "note")
    list_filter = ("to_status",)
    list_select_related = ("subject", "changed_by")
    date_hierarchy = "changed_at"


@admin.register(LoopRun)
class LoopRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "trigger",
        "status",
        "items_read_display",
        "needs_created",
        "needs_strengthened",
        "customers_updated",
    )
    list_filter = ("status", "trigger")
    date_hierarchy = "started_at"
    show_full_result_count = False

    @admin.display(description=_("items read"))
    def items_read_display(self, obj):
        return obj.items_read


# The dashboards' rollups: kept by the refresh job, read here to see how fresh they are; never edited by hand.


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "refreshed_at", "last_id", "last_seen_at")


@admin.register(TouchDaily)
class TouchDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "campaign", "step", "touches", "reached")
    list_filter = ("step",)
    list_select_related = ("campaign",)
    ordering = ("-day", "campaign_id", "step")
    show_full_result_count = False


@admin.register(OrderDaily)
class OrderDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "channel", "agent", "orders", "sold", "revenue")
    list_filter = ("channel",)
    list_select_related = ("agent",)
    ordering = ("-day", "channel")
    show_full_result_count = False


@admin.register(WebsiteDaily)
class WebsiteDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "source", "visitors", "page_views", "product_views", "carts", "checkouts", "buyers")
    ordering = ("-day", "source")
    show_full_result_count = False


@admin.register(ServiceDaily)
class ServiceDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "payments", "payments_succeeded", "delivered", "delivered_on_time", "tickets_opened")
    ordering = ("-day",)
    show_full_result_count = False


@admin.register(ProfileChangeDaily)
class ProfileChangeDailyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "attribute", "old_value", "new_value", "changes")
    list_filter = ("attribute",)
    ordering = ("-day", "attribute")
    show_full_result_count = False


# --- The needs board, with the plan's action ---------------------------------------------------------------------


class NeedObjectiveForm(forms.Form):
    """What the plan needs to know to turn needs into objectives."""

    plan = forms.ModelChoiceField(label=_("plan"), queryset=MarketingPlan.objects.none())
    kpi = forms.ChoiceField(label=_("KPI"), choices=Kpi.choices)
    target = forms.DecimalField(label=_("target"), max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan_field = self.fields["plan"]
        assert isinstance(plan_field, forms.ModelChoiceField)
        plan_field.queryset = MarketingPlan.objects.exclude(status=PlanStatus.CLOSED)


admin.site.unregister(Need)


@admin.register(Need)
class PlanNeedAdmin(NeedAdmin):
    """Preparation's needs board, plus the action that turns needs into objectives of a plan."""

    actions = (*NeedAdmin.actions, "turn_into_objective")

    def has_add_objective_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cycle.add_objective")

    @admin.action(
        description=_("Turn the selected needs into plan objectives"), permissions=["change", "add_objective"]
    )
    def turn_into_objective(self, request: HttpRequest, queryset: QuerySet[Need]) -> TemplateResponse | None:
        form = NeedObjectiveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            made, refused = 0, []
            for need in queryset:
                try:
                    need_turn_into_objective(
                        need=need,
                        plan=form.cleaned_data["plan"],
                        kpi=form.cleaned_data["kpi"],
                        target=form.cleaned_data["target"],
                        by=request.user,
                    )
                    made += 1
                except ValidationError as error:
                    refused.append(f"{need}: {' '.join(error.messages)}")
            self.message_user(request, gettext("%(count)d objectives created.") % {"count": made}, messages.SUCCESS)
            for message in refused:
                self.message_user(request, message, messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "customers/admin/need_to_objective.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Turn needs into plan objectives"),
                "opts": self.opts,
                "form": form,
                "needs": queryset,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )


# The package's own modules.
from cycle.admin import jobs  # noqa: E402, F401  (the owners of the scheduled jobs)
from cycle.admin.reviews import PlanReviewAdmin  # noqa: E402, F401
