"""Tickets handed to departments: each department's queue (open first, overdue first) and "mark done", which
reports back to the ticket's assignee and whoever handed it over."""

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.models import TicketHandover
from aftersales.services.handovers import ticket_handover_done
from customers.admin.departments import HANDOVER_COLUMNS, HANDOVER_READ_ONLY, HANDOVER_RELATED, HandoverAdmin


@admin.register(TicketHandover)
class TicketHandoverAdmin(HandoverAdmin):
    list_display = ("ticket", *HANDOVER_COLUMNS)
    list_select_related = ("ticket", *HANDOVER_RELATED)
    fields = ("ticket", "department", "due_on", "note", "handed_by", "handed_at", "outcome", "done_by", "done_at")
    readonly_fields = ("ticket", "department", *HANDOVER_READ_ONLY)

    @admin.action(description=_("Mark done and report back"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[TicketHandover]) -> None:
        rows = queryset.select_related("ticket__assigned_to", "handed_by", "department")
        done = sum(1 for h in rows if ticket_handover_done(handover=h, by=cast(Any, request.user)))
        self.message_user(request, ngettext("%(n)d done.", "%(n)d done.", done) % {"n": done}, messages.SUCCESS)
