"""Background imports in the admin: each job's progress (rows done, errors so far, time left), and a cancel."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext

from customers.models import ImportJob
from customers.services.imports import import_job_cancel
from emarketing.jobs import progress_read

REFRESH_SECONDS = 2


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "kind", "status", "rows_read", "created_count", "updated_count", "error_count")
    list_filter = ("kind", "status")
    search_fields = ("file_name",)
    date_hierarchy = "created_at"
    change_form_template = "admin/customers/importjob/change_form.html"
    fields = (
        "kind",
        "file_name",
        "status",
        "summary",
        "rows_total",
        "rows_read",
        "created_count",
        "updated_count",
        "error_count",
        "errors",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # A marketer follows the imports they started; whoever may import customers sees every one.
        if request.user.has_perm("customers.add_customer") and request.user.has_perm("customers.change_customer"):
            return queryset
        return queryset.filter(created_by=request.user)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="{}_{}_cancel".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if job is not None:
            progress = progress_read(job.progress_key)
            extra.update(
                job=job,
                progress=progress,
                percent=round(progress.fraction * 100) if progress and not job.finished else 100,
                minutes_left=_minutes(progress.seconds_left) if progress else None,
                refresh=None if job.finished else REFRESH_SECONDS,
                can_cancel=not job.finished and self._may_cancel(request, job),
            )
        return super().change_view(request, object_id, form_url, extra)

    def _may_cancel(self, request, job):
        return job.created_by_id == request.user.pk or request.user.has_perm("customers.change_customer")

    def cancel_view(self, request, pk):
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method != "POST" or not self._may_cancel(request, job):
            raise PermissionDenied
        if import_job_cancel(job=job):
            messages.warning(request, gettext("The import stops at its next batch; nothing of it will be kept."))
        return HttpResponseRedirect(reverse("admin:customers_importjob_change", args=[job.pk]))


def _minutes(seconds):
    if seconds is None:
        return None
    return max(1, round(seconds / 60))
