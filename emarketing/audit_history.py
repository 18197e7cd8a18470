""" "History" on the admin page of a row the audit log records: that row's entries, newest first, for whoever may
read the log (managers, superusers); everyone else gets Django's own history of admin edits.

Kept apart from ``emarketing.audit_admin`` because every ``ModelAdmin`` of the site is given it as it registers
(``CycleAdminSite.register``), django-auditlog's own admin among them."""

from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.render import render_logentry_changes_html
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from emarketing.dates import is_persian, persian_date

VIEW_PERMISSION = "auditlog.view_logentry"
# A scheduled job, a command, or a public page (a form, the preference centre) a customer used.
NO_ACTOR = _("no one signed in")
HISTORY_PER_PAGE = 20


def actor_shown(entry: Any) -> str:
    """Who made the change: the user (their address, if the account is gone since), or that no one signed in did."""
    if entry.actor_id is not None:
        return str(entry.actor.get_username())
    return str(entry.actor_email or NO_ACTOR)


def when_shown(entry: Any) -> str:
    if is_persian():
        return persian_date(timezone.localtime(entry.timestamp))
    return str(formats.date_format(timezone.localtime(entry.timestamp), "DATETIME_FORMAT"))


class AuditHistoryMixin:
    """The "History" of a logged row's page: the audit log's entries for that row to whoever may read the log (Django's
    own history, of admin edits only, to everyone else)."""

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        model_admin: Any = self
        model = model_admin.model
        user: Any = request.user
        if not auditlog.contains(model) or not user.has_perm(VIEW_PERMISSION):
            return super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        opts = model._meta
        obj = model_admin.get_object(request, unquote(object_id))
        if obj is None:
            return model_admin._get_obj_does_not_exist_redirect(request, opts, object_id)
        if not model_admin.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        entries = LogEntry.objects.get_for_object(obj).select_related("actor", "content_type").order_by("-timestamp")
        paginator = Paginator(entries, HISTORY_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR))
        rows = [
            {
                "when": when_shown(entry),
                "who": actor_shown(entry),
                "entry": entry,
                "changes": render_logentry_changes_html(entry),
            }
            for entry in page.object_list
        ]
        context = {
            **model_admin.admin_site.each_context(request),
            "title": gettext("Change history: %s") % obj,
            "subtitle": None,
            "module_name": str(capfirst(opts.verbose_name_plural)),
            "object": obj,
            "opts": opts,
            "rows": rows,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            **(extra_context or {}),
        }
        request.current_app = model_admin.admin_site.name
        return TemplateResponse(request, "admin/audit/object_history.html", context)


_HISTORY_CLASSES: dict[type[Any], type[Any]] = {}


def with_audit_history(admin_class: type[Any]) -> type[Any]:
    """``admin_class`` with :class:`AuditHistoryMixin` first, made once (``CycleAdminSite.register``)."""
    if issubclass(admin_class, AuditHistoryMixin):
        return admin_class
    if admin_class not in _HISTORY_CLASSES:
        _HISTORY_CLASSES[admin_class] = type(
            admin_class.__name__,
            (AuditHistoryMixin, admin_class),
            {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
        )
    return _HISTORY_CLASSES[admin_class]
