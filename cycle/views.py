"""The managers' dashboards: thin views over ``cycle.selectors.dashboards``, each table downloadable as CSV."""

import csv
import datetime as dt
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from cycle.selectors.dashboards import DASHBOARDS, Filters, filter_choices, plan_choices, rollups_freshness
from cycle.selectors.dashboards.base import TABLE_PERMISSIONS, Table
from cycle.services.dashboard_cache import dashboard_cache_key
from emarketing.dates import JalaliDateField
from emarketing.exports import escape_cell

DASHBOARD_TITLES = {
    "cycle": _("The cycle"),
    "funnel": _("AIDA funnel"),
    "plan": _("The plan"),
    "transfer": _("Transfer"),
    "aftersales": _("After-sales"),
    "boni": _("BONI success factors"),
    "website": _("Website"),
    "content": _("Content"),
    "mediation": _("Demand and capacity"),
    "money": _("Money"),
}
# The pages that use the campaign, segment, plan and tag filters; the period applies everywhere.
USES_FILTER = {
    "campaign": {"funnel"},
    "segment": {"cycle", "funnel"},
    "plan": {"plan", "money"},
    "tag": {"content"},
}
MAX_DAYS = 366 * 3


class DashboardFilterForm(forms.Form):
    # Solar Hijri in Persian, the browser's date picker otherwise; either calendar and any digits are read.
    start = JalaliDateField(label=_("From"), required=False)
    end = JalaliDateField(label=_("To"), required=False)
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    segment = forms.TypedChoiceField(label=_("Segment"), required=False, coerce=int, empty_value=None)
    plan = forms.TypedChoiceField(label=_("Plan"), required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label=_("Content tag"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, dashboard, choices, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["campaign"]).choices = everything + choices.get("campaigns", [])
        cast(forms.ChoiceField, self.fields["segment"]).choices = everything + choices.get("segments", [])
        cast(forms.ChoiceField, self.fields["plan"]).choices = [("", _("The current plan")), *choices.get("plans", [])]
        cast(forms.ChoiceField, self.fields["tag"]).choices = everything + choices.get("tags", [])
        for name, pages in USES_FILTER.items():
            if dashboard not in pages:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period must end after it starts."))
        if start and end and (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data

    def filters(self) -> Filters:
        filters = Filters.default()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or filters.end
        start = data.get("start") or min(filters.start, end - dt.timedelta(days=29))
        return Filters(
            start=start,
            end=end,
            campaign_id=data.get("campaign"),
            segment_id=data.get("segment"),
            plan_id=data.get("plan"),
            tag_id=data.get("tag"),
        )


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One dashboard: figures, tables and charts for the period (and campaign, segment or plan) chosen."""

    permission_required = "cycle.view_dashboards"
    template_name = "cycle/dashboards/dashboard.html"
    dashboard = "cycle"

    def get(self, request, *args, **kwargs):
        if self.dashboard not in DASHBOARDS:
            raise Http404
        download = request.GET.get("download")
        if download:
            self.read_filters()
            self.board = DASHBOARDS[self.dashboard](self.filters)
            return self.csv_response(download)
        return super().get(request, *args, **kwargs)

    def read_filters(self):
        choices = filter_choices(
            campaigns=self.dashboard in USES_FILTER["campaign"],
            segments=self.dashboard in USES_FILTER["segment"],
            tags=self.dashboard in USES_FILTER["tag"],
        )
        if self.dashboard in USES_FILTER["plan"]:
            choices["plans"] = plan_choices()
        default = Filters.default()
        self.form = DashboardFilterForm(
            self.request.GET or None,
            dashboard=self.dashboard,
            choices=choices,
            initial={"start": default.start, "end": default.end},
        )
        self.filters = self.form.filters()

    def may(self, permission: str) -> bool:
        return not permission or self.request.user.has_perm(permission)

    def may_read(self, table: Table) -> bool:
        return self.may(table.permission)

    def csv_response(self, key):
        table = self.board.table(key)
        if table is None:
            raise Http404
        if not self.may_read(table):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"{self.dashboard}-{key}-{self.filters.start:%Y%m%d}-{self.filters.end:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")  # spreadsheets then read the file as UTF-8 (Persian and Arabic names)
        writer = csv.writer(response)
        writer.writerow([escape_cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([escape_cell(cell) for cell in row])
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(dashboard=self.dashboard, title=DASHBOARD_TITLES[self.dashboard])
        context["page_html"] = self.page_html(context)
        return context

    def page_html(self, context) -> str:
        """The tabs, the filters, the figures, charts and tables: rendered once per refresh of the rollups and kept
        in the cache for at most ``DASHBOARD_CACHE_SECONDS`` (the few figures read live, such as open tickets, are
        that fresh). A page served from the cache reads neither the filters' choices nor the figures."""
        as_of, version = rollups_freshness()
        query = self.request.GET.copy()
        query.pop("download", None)
        key = dashboard_cache_key(
            self.dashboard,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            timezone.localdate(),  # the default period ends today
            version,
            query.urlencode(),
            permissions=[p for p in TABLE_PERMISSIONS if self.request.user.has_perm(p)],
        )
        html = cache.get(key)
        if html is None:
            self.read_filters()
            board = DASHBOARDS[self.dashboard](self.filters)
            board.tables = [table for table in board.tables if self.may_read(table)]
            board.figures = [f for f in board.figures if self.may(board.figure_permission(f[0]))]
            context.update(
                dashboards=list(DASHBOARD_TITLES.items()),
                form=self.form,
                filters=self.filters,
                board=board,
                charts=board.charts,
                figures_as_of=as_of,
                query=query.urlencode(),
            )
            html = render_to_string("cycle/dashboards/_page.html", context, request=self.request)
            cache.set(key, html, settings.DASHBOARD_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 - rendered by our own template, autoescaped
