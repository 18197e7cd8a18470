"""A campaign's A/B test and holdout in the admin: the experiment and its variants inline on the campaign, and
the results page (per variant: recipients, the metric, the difference from the control with its interval, the
p-value and the verdict; the holdout's lift on orders and revenue)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Creative, Experiment, ExperimentStatus, HoldoutMember, Variant
from campaigns.selectors.experiments import VerdictKind, experiment_results, holdout_lift
from emarketing.admin_tools import BigTableAdminMixin

VERDICTS = {
    VerdictKind.WINNER: _("Winner"),
    VerdictKind.BEST_NOT_SIGNIFICANT: _("Best, but not significantly"),
    VerdictKind.WORSE: _("Significantly worse than the best"),
    VerdictKind.NOT_DIFFERENT: _("Not significantly different from the best"),
}


class FixedOnceListed:
    """The split depends on the variants and the shares: once the campaign's recipients are listed, they stay."""

    def _listed(self, obj: Any) -> bool:
        return obj is not None and obj.audience_built_at is not None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._listed(obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._listed(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._listed(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ExperimentInline(FixedOnceListed, admin.StackedInline):
    model = Experiment
    max_num = 1
    extra = 0
    verbose_name = _("A/B test and holdout")
    fields = (
        ("test_percent", "holdout_percent"),
        ("metric", "confidence", "decide_after_hours"),
        "fallback",
        ("status", "decide_at", "decided_at"),
        ("winner", "chosen"),
    )
    readonly_fields = ("status", "decide_at", "decided_at", "winner", "chosen")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("fallback")
        if field is not None:
            field.queryset = Variant.objects.filter(campaign=obj) if obj else Variant.objects.none()  # type: ignore[attr-defined]
        return formset


class VariantInline(FixedOnceListed, admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("name", "is_control", "subject", "from_name", "creative", "local_send_time")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("creative")
        if field is not None:
            field.queryset = Creative.objects.filter(campaign=obj) if obj else Creative.objects.none()  # type: ignore[attr-defined]
        return formset


def _percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def _figure(value: float, *, rate: bool) -> str:
    return _percent(value) if rate else f"{value:,.2f}"


def _interval(comparison: Any, *, rate: bool) -> str:
    if comparison is None:
        return "—"
    points = gettext(" points") if rate else ""
    scale = 100 if rate else 1
    return (
        f"{comparison.difference * scale:+.2f}{points} [{comparison.low * scale:+.2f}, {comparison.high * scale:+.2f}]"
    )


def experiment_page_context(campaign: Campaign) -> dict[str, Any]:
    """What the results page shows, formatted (the figures come from the selectors)."""
    experiment = Experiment.objects.filter(campaign=campaign).select_related("winner", "chosen", "fallback").first()
    context: dict[str, Any] = {"experiment": experiment}
    if experiment is None:
        return context
    results = experiment_results(experiment=experiment)
    rate = results.is_rate
    control = next((v for v in (r.variant for r in results.rows) if v.is_control), None)
    context.update(
        results=results,
        confidence=f"{results.confidence * 100:g}%",
        corrected=f"{results.verdict.level * 100:.2f}%" if results.verdict else "",
        rows=[
            {
                "name": row.variant.name,
                "is_control": row.variant.is_control,
                "recipients": row.recipients,
                "count": f"{row.sample.total:,.0f}" if rate else f"{row.sample.total:,.2f}",
                "value": _figure(row.value, rate=rate),
                "vs_control": _interval(row.vs_control, rate=rate),
                "p_value": "—" if row.vs_best is None else f"{row.vs_best.p_value:.4f}",
                "verdict": VERDICTS[row.verdict],
            }
            for row in results.rows
        ],
        fallback=experiment.fallback or control,
    )
    lift = holdout_lift(campaign=campaign)
    if lift is not None:
        context["lift"] = {
            "treated": lift.treated_buyers.n,
            "held": lift.held_buyers.n,
            "treated_buyers": _percent(lift.treated_buyers.mean),
            "held_buyers": _percent(lift.held_buyers.mean),
            "orders": _interval(lift.orders, rate=True),
            "orders_p": f"{lift.orders.p_value:.4f}",
            "treated_revenue": f"{lift.treated_revenue.mean:,.2f}",
            "held_revenue": f"{lift.held_revenue.mean:,.2f}",
            "revenue": _interval(lift.revenue, rate=False),
            "revenue_p": f"{lift.revenue.p_value:.4f}",
            "significant": lift.orders.p_value < 1 - lift.confidence or lift.revenue.p_value < 1 - lift.confidence,
            "since": lift.since,
            "until": lift.until,
        }
    return context


class ExperimentAdminMixin:
    """Adds the results page and a summary line to the campaign's admin."""

    admin_site: admin.AdminSite
    model: type[Campaign]

    @admin.display(description=_("A/B test"))
    def experiment_summary(self, obj: Campaign) -> str:
        experiment = (
            Experiment.objects.filter(campaign=obj).select_related("winner", "chosen").first() if obj.pk else None
        )
        if experiment is None:
            return gettext("No A/B test or holdout: add one below.")
        url = reverse("admin:campaigns_campaign_experiment", args=[obj.pk])
        if experiment.status != ExperimentStatus.DECIDED or not experiment.chosen_id:
            state = experiment.get_status_display()
        elif experiment.winner_id:
            state = gettext("Winner: %(name)s, sent to the rest.") % {"name": experiment.winner}
        else:
            state = gettext("No winner: the rest was sent %(name)s.") % {"name": experiment.chosen}
        return format_html('{} · <a href="{}">{}</a>', state, url, gettext("Results"))

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        """The variants and the test once the campaign exists (a variant may name one of its creatives)."""
        inlines = super().get_inlines(request, obj)  # type: ignore[misc]
        if obj is None:
            return [i for i in inlines if i not in (VariantInline, ExperimentInline)]
        return inlines

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/experiment/",
                self.admin_site.admin_view(self.experiment_view),
                name="campaigns_campaign_experiment",
            )
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def experiment_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=object_id)
        if not self.has_view_permission(request, campaign):  # type: ignore[attr-defined]
            return redirect("admin:index")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": campaign,
            "campaign": campaign,
            "title": gettext("A/B test results"),
            **experiment_page_context(campaign),
        }
        return TemplateResponse(request, "campaigns/admin/experiment.html", context)


@admin.register(HoldoutMember)
class HoldoutMemberAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """Who was held out of which campaign: listed by the send, never entered by hand."""

    list_display = ("campaign", "customer", "created_at")
    list_select_related = ("campaign", "customer")
    search_fields = ("=customer__email",)
    autocomplete_fields = ("campaign", "customer")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
