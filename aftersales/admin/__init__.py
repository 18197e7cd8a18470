"""After-sales in the admin: the contact line (tickets, threads, inbound mail), surveys and reviews."""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.shortcuts import redirect
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales import services
from aftersales.models import (
    SURVEY_QUESTIONS,
    InboundMail,
    InboundMailSource,
    LateDeliveryApology,
    MessageAuthor,
    NpsGroup,
    Review,
    ReviewStatus,
    SurveyInvitation,
    SurveyResponse,
    SurveyWording,
    Ticket,
    TicketAcknowledgement,
    TicketChannel,
    TicketMessage,
    TicketStatus,
    TicketStatusChange,
)
from aftersales.selectors import inbound_mail_waiting_for_a_human, tickets_breaching, tickets_with_targets
from aftersales.services.handovers import ticket_hand_over
from aftersales.services.surveys import survey_url
from customers.admin.departments import hand_over_action
from emarketing.admin_moves import StatusMove, StatusMovesMixin
from emarketing.admin_rows import LastRowsFormSet
from emarketing.admin_tools import (
    CUSTOMER_SEARCH,
    BigTableAdmin,
    RecentValuesListFilter,
    StatusChangeInline,
    run_for_each,
)
from emarketing.mail import RTL_LANGUAGES


class TicketMessageInline(admin.StackedInline):
    """The thread: earlier messages read-only; a new staff message is a reply (it stamps the first response)."""

    model = TicketMessage
    extra = 0
    fields = ("author_kind", "author", "created_at", "body")
    readonly_fields = ("author", "created_at")
    can_delete = False
    verbose_name_plural = _("thread")
    formset = LastRowsFormSet  # the latest messages of a long thread, oldest of them first

    def has_change_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["author_kind"].initial = MessageAuthor.STAFF
        return formset


class TicketStatusChangeInline(StatusChangeInline):
    model = TicketStatusChange


class TargetFilter(admin.SimpleListFilter):
    title = _("service-level targets")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return (
            ("breached", _("Any target missed")),
            ("first_response", _("First response late")),
            ("resolution", _("Resolution late")),
        )

    def queryset(self, request, queryset):
        which = self.value()
        if which:
            return tickets_breaching(queryset, which=which)
        return queryset


class TicketAdminForm(forms.ModelForm):
    message = forms.CharField(
        label=_("What the customer said"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For a call or a chat: the customer's request, in their words. It starts the thread."),
    )

    class Meta:
        model = Ticket
        fields = ("customer", "contact_email", "channel", "subject", "priority", "order", "product", "assigned_to")

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not self.cleaned_data.get("message"):
            self.add_error("message", _("A new ticket starts with what the customer said."))
        return cleaned


def _ticket_move(status, label, done, danger=False):
    return StatusMove(
        status,
        label,
        lambda t, user: services.ticket_set_status(ticket=t, status=status, by=cast(User, user)),
        done,
        danger,
    )


TICKET_MOVES = (
    _ticket_move(TicketStatus.OPEN, _("Open"), _("ticket open.")),
    _ticket_move(TicketStatus.WAITING, _("Wait for the customer"), _("ticket waiting.")),
    _ticket_move(TicketStatus.RESOLVED, _("Resolve"), _("ticket resolved.")),
    _ticket_move(TicketStatus.CLOSED, _("Close"), _("ticket closed.")),
)


@admin.register(Ticket)
class TicketAdmin(StatusMovesMixin, BigTableAdmin):
    form = TicketAdminForm
    list_display = (
        "__str__",
        "customer",
        "contact_email",
        "channel",
        "priority",
        "status",
        "created_at",
        "first_response_missed",
        "resolution_missed",
        "assigned_to",
    )
    list_filter = ("status", "priority", "channel", TargetFilter, "assigned_to", "created_at")
    search_fields = ("subject", "contact_email", "order__number", *CUSTOMER_SEARCH)
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer", "product", "assigned_to")
    raw_id_fields = ("order",)
    readonly_fields = (
        "status",
        "language",
        "created_at",
        "first_response_at",
        "acknowledged_at",
        "resolved_at",
        "looped_at",
    )
    inlines = (TicketMessageInline, TicketStatusChangeInline)
    list_select_related = ("customer", "assigned_to")
    actions = ("resolve_tickets", "close_tickets", "reopen_tickets", "wait_for_customer", "hand_to_department")
    status_moves = TICKET_MOVES

    def get_queryset(self, request):
        return tickets_with_targets(super().get_queryset(request))

    def get_changeform_initial_data(self, request):
        # Tickets typed in by staff are mostly calls; web and e-mail tickets arrive on their own.
        return {"channel": TicketChannel.PHONE, **super().get_changeform_initial_data(request)}

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "message"]
        return ["message", *fields] if obj is None else fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.display(description=_("first response late"), boolean=True, ordering="first_response_breached")
    def first_response_missed(self, obj):
        return obj.first_response_breached

    @admin.display(description=_("resolution late"), boolean=True, ordering="resolution_breached")
    def resolution_missed(self, obj):
        return obj.resolution_breached

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.ticket_open(ticket=obj, body=form.cleaned_data["message"])

    def save_formset(self, request, form, formset, change):
        if formset.model is TicketMessage:
            for message in formset.save(commit=False):
                services.ticket_message_add(
                    ticket=form.instance, body=message.body, author_kind=message.author_kind, by=request.user
                )
            return
        super().save_formset(request, form, formset, change)

    def _move(self, request, queryset, status, done):
        run_for_each(
            self,
            request,
            queryset,
            lambda t: services.ticket_set_status(ticket=t, status=status, by=request.user),
            done,
        )

    @admin.action(description=_("Hand the selected tickets to a department"), permissions=["change"])
    def hand_to_department(self, request, queryset):
        return hand_over_action(
            self,
            request,
            queryset,
            action="hand_to_department",
            hand_over=lambda ticket, **kwargs: ticket_hand_over(ticket=ticket, **kwargs),
        )

    @admin.action(description=_("Resolve the selected tickets"), permissions=["change"])
    def resolve_tickets(self, request, queryset):
        self._move(
            request,
            queryset,
            TicketStatus.RESOLVED,
            lambda n: ngettext("%d ticket resolved.", "%d tickets resolved.", n) % n,
        )

    @admin.action(description=_("Close the selected tickets"), permissions=["change"])
    def close_tickets(self, request, queryset):
        self._move(
            request, queryset, TicketStatus.CLOSED, lambda n: ngettext("%d ticket closed.", "%d tickets closed.", n) % n
        )

    @admin.action(description=_("Reopen the selected tickets"), permissions=["change"])
    def reopen_tickets(self, request, queryset):
        self._move(
            request,
            queryset,
            TicketStatus.OPEN,
            lambda n: ngettext("%d ticket reopened.", "%d tickets reopened.", n) % n,
        )

    @admin.action(description=_("Wait for the customer on the selected tickets"), permissions=["change"])
    def wait_for_customer(self, request, queryset):
        self._move(
            request,
            queryset,
            TicketStatus.WAITING,
            lambda n: ngettext("%d ticket waiting.", "%d tickets waiting.", n) % n,
        )


class TicketMessageAdminForm(forms.ModelForm):
    class Meta:
        model = TicketMessage
        fields = ("ticket", "author_kind", "body")


@admin.register(TicketMessage)
class TicketMessageAdmin(BigTableAdmin):
    """Every message of the contact line, searchable across tickets. A message once sent is not edited."""

    form = TicketMessageAdminForm
    list_display = ("ticket", "author_kind", "author", "created_at", "excerpt")
    list_filter = ("author_kind", "created_at")
    search_fields = ("body", "ticket__subject", *(f"ticket__{f}" for f in CUSTOMER_SEARCH))
    date_hierarchy = "created_at"
    raw_id_fields = ("ticket",)
    list_select_related = ("ticket", "author")

    @admin.display(description=_("message"))
    def excerpt(self, obj):
        return obj.body[:80]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        message = services.ticket_message_add(
            ticket=obj.ticket, body=obj.body, author_kind=obj.author_kind, by=request.user
        )
        obj.pk = message.pk


class LoopedFilter(admin.SimpleListFilter):
    title = _("fed back into preparation")
    parameter_name = "looped"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("Not yet")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(looped_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(looped_at__isnull=True)
        return queryset


@admin.register(SurveyResponse)
class SurveyResponseAdmin(BigTableAdmin):
    list_display = ("customer", "order", "product", "csat", "nps", "nps_group_label", "created_at", "looped_at")
    list_filter = (("csat", RecentValuesListFilter), ("nps", RecentValuesListFilter), LoopedFilter, "created_at")
    search_fields = ("order__number", "comment", "product_opinion", *CUSTOMER_SEARCH)
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer", "product")
    raw_id_fields = ("order",)
    readonly_fields = ("created_at", "looped_at")
    list_select_related = ("customer", "order", "product")

    @admin.display(description=_("NPS group"))
    def nps_group_label(self, obj):
        return NpsGroup(obj.nps_group).label if obj.nps_group else ""

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.survey_response_record(response=obj)


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(BigTableAdmin):
    list_display = ("order", "customer", "created_at", "sent_at", "answered_at")
    list_filter = (("sent_at", admin.EmptyFieldListFilter), ("answered_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("order__number", *CUSTOMER_SEARCH)
    date_hierarchy = "created_at"
    raw_id_fields = ("order",)
    fields = ("order", "customer", "created_at", "sent_at", "answered_at", "response", "link")
    readonly_fields = ("customer", "created_at", "sent_at", "answered_at", "response", "link")
    list_select_related = ("order", "customer")

    @admin.display(description=_("survey link"))
    def link(self, obj):
        if not obj.pk:
            return "—"
        url = survey_url(obj)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = services.survey_invitation_create(order=obj.order)
            obj.pk, obj.customer_id, obj.created_at = created.pk, created.customer_id, created.created_at


@admin.register(SurveyWording)
class SurveyWordingAdmin(admin.ModelAdmin):
    """The survey's questions in each language: one row, changed in place. Each blank field says which built-in
    question, in its own language, the customer reads instead."""

    fieldsets = (
        (_("English"), {"fields": ("csat_question", "nps_question", "comment_prompt")}),
        (_("Persian"), {"fields": ("csat_question_fa", "nps_question_fa", "comment_prompt_fa")}),
        (_("Arabic"), {"fields": ("csat_question_ar", "nps_question_ar", "comment_prompt_ar")}),
    )
    list_display = ("__str__", "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SurveyWording.objects.exists()

    def changelist_view(self, request, extra_context=None):
        wording = SurveyWording.objects.first()
        if wording is not None and self.has_view_or_change_permission(request, wording):
            return redirect("admin:aftersales_surveywording_change", wording.pk)
        return super().changelist_view(request, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, field in form.base_fields.items():
            key, language = _split(name)
            with translation.override(language or settings.LANGUAGE_CODE):
                built_in = str(SURVEY_QUESTIONS[key])
            field.help_text = _("Blank: the built-in question, “%(question)s”.") % {"question": built_in}
            if language in RTL_LANGUAGES:
                field.widget.attrs["dir"] = "rtl"
        return form


def _split(name: str) -> tuple[str, str]:
    """``("csat_question", "fa")`` of ``csat_question_fa``; the language is blank for the default one."""
    for key in SURVEY_QUESTIONS:
        if name.startswith(key):
            return key, name[len(key) :].lstrip("_")
    raise KeyError(name)


class ReadOnlyDeliveryAdmin(BigTableAdmin):
    """Automatic mail to customers: written by the sending pipeline, read here (status, tries, last answer)."""

    list_filter = ("status", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TicketAcknowledgement)
class TicketAcknowledgementAdmin(ReadOnlyDeliveryAdmin):
    list_display = ("ticket", "to", "language", "status", "attempts", "created_at", "sent_at", "error")
    search_fields = ("to", "ticket__subject")
    list_select_related = ("ticket",)


@admin.register(LateDeliveryApology)
class LateDeliveryApologyAdmin(ReadOnlyDeliveryAdmin):
    list_display = ("shipment", "customer", "ticket", "status", "attempts", "created_at", "sent_at", "error")
    search_fields = ("shipment__order__number", *CUSTOMER_SEARCH)
    list_select_related = ("shipment__order", "customer", "ticket")


@admin.register(Review)
class ReviewAdmin(BigTableAdmin):
    list_display = (
        "__str__",
        "product",
        "customer",
        "rating",
        "consent_to_publish",
        "status",
        "created_at",
        "published_at",
    )
    list_filter = ("status", "consent_to_publish", ("rating", RecentValuesListFilter), LoopedFilter, "created_at")
    search_fields = ("title", "body", "product__name", "product__sku", *CUSTOMER_SEARCH)
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer", "product")
    readonly_fields = ("status", "created_at", "published_at", "looped_at")
    raw_id_fields = ("order",)
    list_select_related = ("customer", "product")
    actions = ("publish_reviews", "reject_reviews")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.review_record(review=obj)

    @admin.action(description=_("Publish the selected reviews (only those with consent)"), permissions=["change"])
    def publish_reviews(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda r: services.review_publish(review=r),
            lambda n: ngettext("%d review published.", "%d reviews published.", n) % n,
        )

    @admin.action(description=_("Reject the selected reviews"), permissions=["change"])
    def reject_reviews(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.exclude(status=ReviewStatus.REJECTED),
            lambda r: services.review_reject(review=r),
            lambda n: ngettext("%d review rejected.", "%d reviews rejected.", n) % n,
        )


class WaitingFilter(admin.SimpleListFilter):
    title = _("waiting for a human")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return (("yes", _("Could not be read, not handled yet")),)

    def queryset(self, request, queryset):
        return inbound_mail_waiting_for_a_human(queryset) if self.value() == "yes" else queryset


class InboundMailAdminForm(forms.ModelForm):
    class Meta:
        model = InboundMail
        fields = ("raw",)


@admin.register(InboundMail)
class InboundMailAdmin(BigTableAdmin):
    """Every e-mail received; one that could not be read waits here, with the reason, for a human."""

    form = InboundMailAdminForm
    list_display = ("received_at", "source", "sender", "subject", "ticket", "short_error", "handled_at")
    list_filter = (WaitingFilter, "source", "received_at")
    search_fields = ("sender", "subject", "message_id")
    date_hierarchy = "received_at"
    list_select_related = ("ticket",)
    actions = ("mark_handled",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("source", "message_id", "sender", "subject", "ticket", "error", "received_at", "handled_at", "raw")

    def get_fields(self, request, obj=None):
        return ("raw",) if obj is None else self.get_readonly_fields(request, obj)

    @admin.display(description=_("why it could not be read"))
    def short_error(self, obj):
        return obj.error[:80]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        stored = services.inbound_mail_receive(raw=obj.raw.encode("utf-8"), source=InboundMailSource.WEBHOOK)
        obj.pk = stored.pk
        if stored.error:
            self.message_user(request, stored.error, messages.WARNING)

    @admin.action(description=_("Mark the selected e-mails handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        count = services.inbound_mail_mark_handled(mails=queryset)
        self.message_user(request, ngettext("%d e-mail marked handled.", "%d e-mails marked handled.", count) % count)


# FAQ and community: entries and the moderation queue (a module of its own).
from aftersales.admin import community  # noqa: E402, F401

from . import capacity as capacity  # noqa: E402

# The live chat: its console, conversations and canned replies.
from . import chat as chat  # noqa: E402

# Tickets handed to departments: each department's queue.
from . import handovers as handovers  # noqa: E402
