"""The six-monthly review in the admin: what was decided, what the team proposes, and the report's PDFs.

Managers (the permission ``cycle.prepare_reviewreport``) prepare the report from the review's page, in English,
Persian or Arabic: a Celery task makes the PDF, kept with the review and downloadable from the same page. Nobody
else sees the button, the list of reports or a report's file.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cycle.models import REPORT_LANGUAGES, PlanReview, ReviewReport
from cycle.services.plans import plan_review_close, plan_review_record
from emarketing.admin_tools import run_for_each

PREPARE_PERMISSION = "cycle.prepare_reviewreport"


class ReportLanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the report"), choices=REPORT_LANGUAGES)


@admin.register(PlanReview)
class PlanReviewAdmin(admin.ModelAdmin):
    list_display = ("plan", "due_on", "held_on", "is_open_display", "closed_at")
    list_filter = (("closed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("plan",)
    search_fields = ("plan__name", "decisions")
    raw_id_fields = ("plan",)
    fields = ("plan", "due_on", "held_on", "proposals", "decisions", "opened_at", "closed_at", "closed_by")
    readonly_fields = ("opened_at", "closed_at", "closed_by")
    actions = ("close_reviews",)
    change_form_template = "admin/cycle/planreview/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            fields = (*fields, "plan", "due_on")
        return fields

    @admin.display(description=_("open"), boolean=True)
    def is_open_display(self, obj):
        return obj.is_open

    def save_model(self, request, obj, form, change):
        if change:
            plan_review_record(review=obj, decisions=obj.decisions, held_on=obj.held_on, proposals=obj.proposals)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Close the selected reviews (the plan goes back to active)"), permissions=["change"])
    def close_reviews(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda review: plan_review_close(review=review, by=request.user),
            lambda n: ngettext("%(n)d review closed.", "%(n)d reviews closed.", n) % {"n": n},
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm(PREPARE_PERMISSION):
            language = (get_language() or "en").split("-")[0]
            extra_context["report_form"] = ReportLanguageForm(
                initial={"language": language if language in dict(REPORT_LANGUAGES) else "en"}
            )
            extra_context["report_url"] = reverse("admin:cycle_planreview_report", args=[object_id])
            extra_context["reports"] = [
                (report, reverse("admin:cycle_planreview_report_download", args=[report.review_id, report.pk]))
                for report in ReviewReport.objects.filter(review_id=object_id).select_related("generated_by")
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:review_id>/report/",
                self.admin_site.admin_view(self.prepare_report_view),
                name="cycle_planreview_report",
            ),
            path(
                "<int:review_id>/report/<int:report_id>/",
                self.admin_site.admin_view(self.download_report_view),
                name="cycle_planreview_report_download",
            ),
            *super().get_urls(),
        ]

    def prepare_report_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        """The review page's button: prepare the report in the chosen language, in the background."""
        if not request.user.has_perm(PREPARE_PERMISSION):
            raise PermissionDenied
        review = get_object_or_404(PlanReview, pk=review_id)
        back = reverse("admin:cycle_planreview_change", args=[review.pk])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        form = ReportLanguageForm(request.POST)
        if not form.is_valid():
            self.message_user(request, gettext("Choose English, Persian or Arabic for the report."), messages.ERROR)
            return HttpResponseRedirect(back)
        from cycle.tasks import prepare_review_report

        prepare_review_report.delay_on_commit(  # type: ignore[attr-defined]  # a DjangoTask at run time; the stubs' shared_task gives a plain Task
            review.pk, form.cleaned_data["language"], request.user.pk
        )
        self.message_user(
            request,
            gettext("The report is being prepared; reload this page in a minute to download it."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(back)

    def download_report_view(self, request: HttpRequest, review_id: int, report_id: int) -> FileResponse:
        if not request.user.has_perm(PREPARE_PERMISSION):
            raise PermissionDenied
        report = get_object_or_404(ReviewReport, pk=report_id, review_id=review_id)
        stored = report.file.name
        if not stored or not default_storage.exists(stored):
            raise Http404(gettext("The report's file is missing."))
        name = f"{report.review.plan.name}-{report.review.due_on:%Y-%m-%d}-{report.language}.pdf"
        return FileResponse(
            default_storage.open(stored, "rb"),
            as_attachment=True,
            filename=name,
            content_type="application/pdf",
        )


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    """Every report prepared, newest first: the same PDFs as on each review's page, for the same managers."""

    list_display = ("review", "language", "pages", "generated_at", "generated_by", "download")
    list_filter = ("language",)
    list_select_related = ("review__plan", "generated_by")
    fields = ("review", "language", "pages", "generated_at", "generated_by", "download")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PREPARE_PERMISSION)

    def has_module_permission(self, request):
        return request.user.has_perm(PREPARE_PERMISSION)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("PDF"))
    def download(self, obj):
        url = reverse("admin:cycle_planreview_report_download", args=[obj.review_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download the PDF"))
