"""The managers' dashboards: thin views over ``cycle.selectors.dashboards``, each table downloadable as CSV."""

import csv
import datetime as dt

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from aftersales.forms import ascii_digits
from customers.importing import escape_cell
from cycle.selectors.dashboards import DASHBOARDS, Filters, figures_as_of, filter_choices, plan_choices

DASHBOARD_TITLES = {
    "cycle": _("The cycle"),
    "funnel": _("AIDA funnel"),
    "plan": _("The plan"),
    "transfer": _("Transfer"),
    "aftersales": _("After-sales"),
    "boni": _("BONI success factors"),
}
# The pages that use the campaign, segment and plan filters; the period applies everywhere.
USES_FILTER = {"campaign": {"funnel"}, "segment": {"cycle", "funnel"}, "plan": {"plan"}}
MAX_DAYS = 366 * 3


class LocalDigitsDateField(forms.DateField):
    """A date typed with Western, Persian or Arabic-Indic digits."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value))


class DashboardFilterForm(forms.Form):
    start = LocalDigitsDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = LocalDigitsDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    segment = forms.TypedChoiceField(label=_("Segment"), required=False, coerce=int, empty_value=None)
    plan = forms.TypedChoiceField(label=_("Plan"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, dashboard, choices, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["campaign"].choices = everything + choices.get("campaigns", [])
        self.fields["segment"].choices = everything + choices.get("segments", [])
        self.fields["plan"].choices = [("", _("The current plan"))] + choices.get("plans", [])
        for name, pages in USES_FILTER.items():
            if dashboard not in pages:
                del self.fields[name]

    def clean(self):
        data = super().clean()
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
        )


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One dashboard: figures, tables and charts for the period (and campaign, segment or plan) chosen."""

    permission_required = "cycle.view_dashboards"
    template_name = "cycle/dashboards/dashboard.html"
    dashboard = "cycle"

    def get(self, request, *args, **kwargs):
        if self.dashboard not in DASHBOARDS:
            raise Http404
        choices = filter_choices(
            campaigns=self.dashboard in USES_FILTER["campaign"], segments=self.dashboard in USES_FILTER["segment"]
        )
        if self.dashboard == "plan":
            choices["plans"] = plan_choices()
        default = Filters.default()
        self.form = DashboardFilterForm(
            request.GET or None,
            dashboard=self.dashboard,
            choices=choices,
            initial={"start": default.start, "end": default.end},
        )
        self.filters = self.form.filters()
        self.board = DASHBOARDS[self.dashboard](self.filters)
        download = request.GET.get("download")
        if download:
            return self.csv_response(download)
        return super().get(request, *args, **kwargs)

    def csv_response(self, key):
        table = self.board.table(key)
        if table is None:
            raise Http404
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
        query = self.request.GET.copy()
        query.pop("download", None)
        context.update(
            dashboard=self.dashboard,
            title=DASHBOARD_TITLES[self.dashboard],
            dashboards=list(DASHBOARD_TITLES.items()),
            form=self.form,
            filters=self.filters,
            board=self.board,
            charts=self.board.charts,
            figures_as_of=figures_as_of(),
            query=query.urlencode(),
        )
        return context
