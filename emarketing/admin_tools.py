"""Admin pieces every stage uses: actions that call a service per selected row, and status history inlines."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def run_for_each(modeladmin, request, queryset, call, done_message):
    """Apply ``call(obj)`` to each selected row; report how many moved and, per row, why the others did not.

    ``call`` returns False when there was nothing to do (the same status again); a domain error
    (``ValidationError``, such as a transition the status table does not allow) is shown for that row only.
    """
    moved = 0
    for obj in queryset:
        try:
            if call(obj) is not False:
                moved += 1
        except ValidationError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
    if moved:
        modeladmin.message_user(request, done_message(moved), messages.SUCCESS)


class StatusChangeInline(admin.TabularInline):
    """The audit trail of a status machine (``emarketing.workflow``): read-only."""

    fields = ("changed_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("status history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
