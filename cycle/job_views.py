"""The jobs page (``dashboards/jobs/``): thin views over ``cycle.selectors.jobs`` and ``cycle.services.jobs``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from django.views.generic import TemplateView

from cycle.selectors.jobs import failure_mail_note, job_detail, job_list, schedule_entries
from cycle.services.jobs import job_run_now


class JobListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "cycle/jobs/list.html"
    permission_required = "cycle.view_scheduledjob"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": gettext("Scheduled jobs"),
            "jobs": job_list(),
            "may_run": self.request.user.has_perm("cycle.run_job"),
            "may_edit_owners": self.request.user.has_perm("cycle.change_scheduledjob"),
            "failure_mail_note": failure_mail_note(),
        }


class JobDetailView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "cycle/jobs/detail.html"
    permission_required = "cycle.view_scheduledjob"

    def get_context_data(self, **kwargs):
        found = job_detail(self.kwargs["name"])
        if found is None:
            raise Http404(gettext("There is no such scheduled job."))
        job, runs = found
        return {
            **super().get_context_data(**kwargs),
            "title": job.name,
            "job": job,
            "runs": runs,
            "may_run": self.request.user.has_perm("cycle.run_job"),
            "failure_mail_note": failure_mail_note(),
        }


class JobRunNowView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only (CSRF-checked by the middleware): queue a run of the job now."""

    permission_required = "cycle.run_job"
    http_method_names = ["post"]

    def post(self, request, name):
        try:
            job_run_now(name=name, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, gettext("“%(job)s” is queued; it shows here as soon as a worker starts it.") % {"job": name}
            )
        if name not in schedule_entries():
            return HttpResponseRedirect(reverse("dashboards:jobs"))
        return HttpResponseRedirect(reverse("dashboards:job", args=[name]))
