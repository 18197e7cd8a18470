"""The live chat in the admin: the staff console (the queue of waiting conversations, the transcript, typing,
canned replies in the conversation's language, the customer's profile beside it), the conversations and the
canned replies."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftersales.chat.addresses import socket_origin, socket_url
from aftersales.chat.selectors import canned_replies
from aftersales.models import CannedReply, Conversation
from customers.timeline import customer_cards
from emarketing.csp import policy_replace


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "position")
    list_filter = ("language",)
    search_fields = ("title", "body")
    ordering = ("language", "position", "title")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("ticket_link", "state", "staff", "started_at", "waiting_since", "handed_over_at")
    list_filter = ("state",)
    list_select_related = ("ticket", "staff")
    date_hierarchy = "started_at"
    fields = (
        "ticket_link",
        "visitor_id",
        "state",
        "staff",
        "started_at",
        "waiting_since",
        "ended_at",
        "handed_over_at",
    )
    readonly_fields = fields
    change_list_template = "admin/aftersales/conversation/change_list.html"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ticket"), ordering="ticket")
    def ticket_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:aftersales_ticket_change", args=[obj.ticket_id]), obj.ticket
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("console/", self.admin_site.admin_view(self.console_view), name="{}_{}_console".format(*info)),
            path(
                "<int:pk>/profile/",
                self.admin_site.admin_view(self.profile_view),
                name="{}_{}_profile".format(*info),
            ),
            *super().get_urls(),
        ]

    def _may_answer(self, request) -> bool:
        return request.user.has_perm("aftersales.change_ticket")

    def console_view(self, request):
        """The console: its page is plain HTML; the live part is the staff's WebSocket (static JS, no inline)."""
        if not self._may_answer(request):
            raise PermissionDenied
        url = socket_url(request, staff=True)
        config = {
            "socket": url,
            "profile": reverse("admin:aftersales_conversation_profile", args=[0]),
            "ticket": reverse("admin:aftersales_ticket_change", args=[0]),
            "canned": [{"language": r.language, "title": r.title, "body": r.body} for r in canned_replies()],
            "me": request.user.pk,
            "text": {
                "waiting": gettext("waiting since"),
                "take": gettext("Take"),
                "end": gettext("End"),
                "typing": gettext("The customer is typing…"),
                "empty": gettext("No one is waiting."),
                "connected": gettext("Connected"),
                "disconnected": gettext("Connection lost; reconnecting…"),
                "customer": gettext("Customer"),
                "staff": gettext("Staff"),
                "system": gettext("Automatic"),
                "mine": gettext("yours"),
            },
        }
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Live chat"),
            "opts": self.opts,
            "config": config,
        }
        response = TemplateResponse(request, "admin/aftersales/chat_console.html", context)
        return policy_replace(response, {"connect-src": ["'self'", socket_origin(url)]})

    def profile_view(self, request, pk):
        """The customer's profile summary beside a conversation (the 360° cards the viewer may see)."""
        if not self._may_answer(request):
            raise PermissionDenied
        conversation = get_object_or_404(Conversation.objects.select_related("ticket", "ticket__customer"), pk=pk)
        customer = conversation.ticket.customer
        cards = customer_cards(customer_id=customer.pk, viewer=request.user) if customer is not None else []
        return TemplateResponse(
            request,
            "admin/aftersales/_chat_profile.html",
            {"conversation": conversation, "ticket": conversation.ticket, "customer": customer, "cards": cards},
        )
