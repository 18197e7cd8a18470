"""The managers' dashboards, mounted under ``dashboards/``."""

from django.urls import path

from cycle.job_views import JobDetailView, JobListView, JobRunNowView
from cycle.views import DashboardView
from cycle.views_departments import DepartmentQueueView, DepartmentsView

app_name = "dashboards"

urlpatterns = [
    path("", DashboardView.as_view(dashboard="cycle"), name="cycle"),
    path("funnel/", DashboardView.as_view(dashboard="funnel"), name="funnel"),
    path("plan/", DashboardView.as_view(dashboard="plan"), name="plan"),
    path("transfer/", DashboardView.as_view(dashboard="transfer"), name="transfer"),
    path("after-sales/", DashboardView.as_view(dashboard="aftersales"), name="aftersales"),
    path("boni/", DashboardView.as_view(dashboard="boni"), name="boni"),
    path("website/", DashboardView.as_view(dashboard="website"), name="website"),
    path("content/", DashboardView.as_view(dashboard="content"), name="content"),
    path("demand-and-capacity/", DashboardView.as_view(dashboard="mediation"), name="mediation"),
    path("jobs/", JobListView.as_view(), name="jobs"),
    path("jobs/<str:name>/", JobDetailView.as_view(), name="job"),
    path("jobs/<str:name>/run/", JobRunNowView.as_view(), name="job_run"),
    path("money/", DashboardView.as_view(dashboard="money"), name="money"),
    path("departments/", DepartmentsView.as_view(), name="departments"),
    path("departments/<int:pk>/", DepartmentQueueView.as_view(), name="department"),
]
