"""The audit log in the admin: a read-only list of every logged change (managers and superusers read it; marketers do
not). "History" on a logged row's page is ``emarketing.audit_history``."""

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from auditlog.render import get_field_verbose_name
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from emarketing.admin_tools import BigTableAdminMixin
from emarketing.audit import audited_models
from emarketing.audit_history import actor_shown

# django-auditlog's own words on these pages: it has no Persian or Arabic catalog, so they are listed here to be
# translated in the project's, which Django reads before any package's.
AUDITLOG_WORDS = (
    gettext_noop("Audit log"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("timestamp"),
    gettext_noop("action"),
    gettext_noop("remote address"),
    gettext_noop("Resource"),
    gettext_noop("Changes"),
    gettext_noop("Field"),
    gettext_noop("From"),
    gettext_noop("To"),
    gettext_noop("Relationship"),
    gettext_noop("Objects"),
)


class AuditedModelFilter(admin.SimpleListFilter):
    """Entries of one kind of row: the logged models only, named as the admin names them (no scan of the log)."""

    title = _("kind of row")
    parameter_name = "model"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        models_ = audited_models()
        content_types = ContentType.objects.get_for_models(*models_)
        choices = [
            (
                str(content_types[model].pk),
                f"{model._meta.app_config.verbose_name}: {capfirst(model._meta.verbose_name_plural)}",
            )
            for model in models_
        ]
        return sorted(choices, key=lambda choice: choice[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not str(value).isdigit():
            raise IncorrectLookupParameters(_("Unknown kind of row."))
        return queryset.filter(content_type_id=int(value))


def changed_fields(entry: Any) -> str:
    """The names of the fields an entry changed, as the admin labels them."""
    if entry.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
        return ""
    names = [str(get_field_verbose_name(entry, field)) for field in entry.changes_dict or {}]
    return Truncator(", ".join(names)).chars(90)


class AuditEntryAdmin(BigTableAdminMixin, LogEntryAdmin):  # type: ignore[misc]  # django-auditlog has no type hints
    """django-auditlog's read-only list of entries, for a log that grows with every change: never counted in full, no
    date drill-down (it would read every entry's date), filters that read no more than the page, labels translated."""

    date_hierarchy = None
    list_display = ("timestamp", "resource_url", "action", "fields_changed", "who")
    list_filter = ("action", AuditedModelFilter, ("timestamp", admin.DateFieldListFilter))
    search_fields = ("object_repr", "actor__username", "actor_email")
    search_help_text = _("The row as it was shown, or the user name of who changed it.")
    readonly_fields = ("timestamp", "who", "resource_url", "action", "remote_addr", "msg")
    fieldsets = (
        (None, {"fields": ("timestamp", "who", "remote_addr", "resource_url")}),
        (_("Changes"), {"fields": ("action", "msg")}),
    )

    @admin.display(description=_("who"))
    def who(self, entry: Any) -> str:
        return actor_shown(entry)

    @admin.display(description=_("fields changed"))
    def fields_changed(self, entry: Any) -> str:
        return changed_fields(entry)


def install_audit_admin(site: admin.AdminSite) -> None:
    """Put :class:`AuditEntryAdmin` in place of the admin django-auditlog registers on the default site."""
    if site.is_registered(LogEntry):
        site.unregister(LogEntry)
    site.register(LogEntry, AuditEntryAdmin)
