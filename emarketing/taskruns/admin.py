from django.contrib import admin
from django.http import HttpRequest

from emarketing.taskruns.models import TaskRun


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Job runs as the recorder wrote them: read, never edited by hand."""

    list_display = ("task_name", "outcome", "started_at", "duration", "worker", "started_by")
    list_filter = ("outcome", "task_name")
    search_fields = ("task_name", "task_id", "error")
    date_hierarchy = "recorded_at"
    list_select_related = ("started_by",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: TaskRun | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TaskRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TaskRun | None = None) -> bool:
        return False
