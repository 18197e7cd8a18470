"""Departments, and the needs handed to them: the "hand to a department" action (shared with after-sales' tickets),
each department's queue of needs (open first, overdue first) and "mark done", which reports back."""

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.models import Department, NeedHandover, overdue_q
from customers.services import need_handover_done
from emarketing.dates import JalaliDateField


class HandOverForm(forms.Form):
    department = forms.ModelChoiceField(label=_("department"), queryset=Department.objects.all())
    due_on = JalaliDateField(label=_("due"))
    note = forms.CharField(label=_("what is asked"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_due_on(self) -> dt.date:
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise ValidationError(_("The due day cannot be in the past."))
        return due_on


def hand_over_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    hand_over: Callable[..., object],
) -> TemplateResponse | None:
    """The page of the "hand to a department" action: the department, due date and note, then ``hand_over(obj,
    department=…, due_on=…, note=…, by=…)`` for each selected row; a row already with a department is said so."""
    form = HandOverForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        handed, refused = 0, []
        for obj in queryset:
            try:
                hand_over(obj, by=request.user, **form.cleaned_data)
                handed += 1
            except ValidationError as error:
                refused.append(f"{obj}: {' '.join(error.messages)}")
        if handed:
            modeladmin.message_user(
                request,
                ngettext("%(n)d handed to %(department)s.", "%(n)d handed to %(department)s.", handed)
                % {"n": handed, "department": form.cleaned_data["department"]},
                messages.SUCCESS,
            )
        for message in refused:
            modeladmin.message_user(request, message, messages.WARNING)
        return None
    return TemplateResponse(
        request,
        "customers/admin/hand_over.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": gettext("Hand to a department"),
            "opts": modeladmin.opts,
            "form": form,
            "objects": queryset,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "name_fa", "name_ar", "email")
    search_fields = ("name", "name_fa", "name_ar")
    filter_horizontal = ("members",)


class HandoverStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("overdue", _("Overdue")), ("done", _("Done"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "overdue":
            return queryset.filter(overdue_q())
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


HANDOVER_COLUMNS = ("department", "due_on", "overdue", "handed_by", "handed_at", "done_at", "done_by")
HANDOVER_READ_ONLY = ("handed_by", "handed_at", "done_by", "done_at")
HANDOVER_RELATED = ("department", "handed_by", "done_by")


class HandoverAdmin(admin.ModelAdmin):
    """A department's queue: filtered per department, open ones first and the most overdue at the top."""

    list_filter = (HandoverStateFilter, "department")
    # Open first, the most overdue at the top; then the done ones.
    ordering = (F("done_at").asc(nulls_first=True), "due_on", "id")
    actions = ("mark_done",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # handed over from the need's or ticket's list

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj: Any) -> bool:
        return bool(obj.is_overdue())


@admin.register(NeedHandover)
class NeedHandoverAdmin(HandoverAdmin):
    list_display = ("need", *HANDOVER_COLUMNS)
    list_select_related = ("need", *HANDOVER_RELATED)
    fields = ("need", "department", "due_on", "note", "handed_by", "handed_at", "outcome", "done_by", "done_at")
    readonly_fields = ("need", "department", *HANDOVER_READ_ONLY)

    @admin.action(description=_("Mark done and report back"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[NeedHandover]) -> None:
        rows = queryset.select_related("need", "handed_by", "department")
        done = sum(1 for h in rows if need_handover_done(handover=h, by=cast(Any, request.user)))
        self.message_user(request, ngettext("%(n)d done.", "%(n)d done.", done) % {"n": done}, messages.SUCCESS)


__all__ = [
    "HANDOVER_COLUMNS",
    "HANDOVER_READ_ONLY",
    "HANDOVER_RELATED",
    "DepartmentAdmin",
    "HandOverForm",
    "HandoverAdmin",
    "NeedHandoverAdmin",
    "hand_over_action",
]
