from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cycle.models import ScheduledJob
from cycle.selectors.job_words import JOB_DESCRIPTIONS


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    """The owners of each scheduled job: told by e-mail when a run fails. Jobs come from the beat schedule."""

    list_display = ("name", "description", "owners_display", "last_failure_mail_at", "runs_link")
    search_fields = ("name",)
    filter_horizontal = ("owners", "owner_groups")
    fields = ("name", "description", "owners", "owner_groups", "last_failure_mail_at")
    readonly_fields = ("name", "description", "last_failure_mail_at")

    def has_add_permission(self, request, obj=None):
        return False  # one row per job of the schedule, made after migrate

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("owners", "owner_groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "owners":
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("what it does"))
    def description(self, obj):
        return JOB_DESCRIPTIONS.get(obj.name, "")

    @admin.display(description=_("owners"))
    def owners_display(self, obj):
        names = [group.name for group in obj.owner_groups.all()] + [user.get_username() for user in obj.owners.all()]
        return ", ".join(names) or "—"

    @admin.display(description=_("runs"))
    def runs_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("dashboards:job", args=[obj.name]), _("runs"))
