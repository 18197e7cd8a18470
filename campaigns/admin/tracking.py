"""Delivery and tracking in the admin: topic interests, tracked links, messages, AIDA touches and occasion offers."""

from django.contrib import admin

from campaigns.admin.campaigns import HTTPS_URLS
from campaigns.agents import AgentKind
from campaigns.models import (
    TOUCH_KIND_STEP,
    ErasureConfirmation,
    FormConfirmationMail,
    Link,
    Message,
    OccasionOffer,
    TopicInterest,
    Touch,
)
from campaigns.services import touch_record
from emarketing.admin_tools import BigTableAdminMixin, RecentValuesListFilter


@admin.register(TopicInterest)
class TopicInterestAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "topic", "created_at")
    list_filter = ("topic",)
    search_fields = ("=customer__email", "topic__name")
    autocomplete_fields = ("customer", "topic")
    list_select_related = ("customer", "topic")


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("url", "campaign", "created_at")
    search_fields = ("url", "campaign__name")
    autocomplete_fields = ("campaign",)
    list_select_related = ("campaign",)

    def get_readonly_fields(self, request, obj=None):
        # A sent link must keep its address: clicks already out there redirect to it.
        return ("campaign", "url", "created_at") if obj else ()


@admin.register(Message)
class MessageAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("id", "campaign", "customer", "variant", "status", "attempts", "sent_at", "error")
    list_filter = ("status", ("sent_at", admin.DateFieldListFilter))
    search_fields = ("=customer__email",)
    autocomplete_fields = ("campaign", "customer", "creative")
    readonly_fields = ("claim", "claimed_at", "attempts", "error", "sent_at", "next_attempt_at", "variant", "in_test")
    list_select_related = ("campaign", "customer", "variant")
    # No date_hierarchy: its date drill-down reads the whole table; the sent-at filter only narrows it.


@admin.register(Touch)
class TouchAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "step", "kind", "source", "customer", "campaign", "agent")
    list_filter = ("step", "kind", "source", "agent", ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("=customer__email", "=campaign__name")
    autocomplete_fields = ("customer", "campaign", "creative")
    readonly_fields = ("step",)
    list_select_related = ("customer", "campaign")
    fields = (
        ("kind", "step", "source"),
        ("customer", "campaign", "creative"),
        "occurred_at",
        "detail",
        ("user_agent", "referrer"),
        "agent",
    )

    def get_readonly_fields(self, request, obj=None):
        # An offline contact entered here is a person's; a recorded touch may be corrected (a scanner missed).
        return self.readonly_fields if obj is not None else (*self.readonly_fields, "agent")

    def save_model(self, request, obj, form, change):
        """Offline contacts (phone, letters, visits) are entered here, through the same service as the web."""
        if change:
            obj.step = TOUCH_KIND_STEP[obj.kind]
            obj.is_automated = obj.agent != AgentKind.PERSON
            super().save_model(request, obj, form, change)
            return
        touch = touch_record(
            kind=obj.kind,
            source=obj.source,
            customer=obj.customer,
            campaign=obj.campaign,
            creative=obj.creative,
            occurred_at=obj.occurred_at,
            user_agent=obj.user_agent,
            referrer=obj.referrer,
            detail=obj.detail,
        )
        obj.pk, obj.step = touch.pk, touch.step


@admin.register(OccasionOffer)
class OccasionOfferAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("occasion", "customer", "campaign", "year", "status", "sent_at")
    list_filter = ("status", ("year", RecentValuesListFilter), "campaign")
    search_fields = ("=customer__email",)
    autocomplete_fields = ("customer", "campaign")
    raw_id_fields = ("occasion",)
    readonly_fields = ("attempts", "error", "sent_at")
    list_select_related = ("occasion", "customer", "campaign")


@admin.register(FormConfirmationMail)
class FormConfirmationMailAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The e-mails asking visitors to confirm what they sent through a capture form: written by the form and the
    sending pipeline, read here."""

    list_display = ("submission", "status", "attempts", "created_at", "sent_at", "error")
    list_filter = ("status",)
    search_fields = ("=submission__id",)
    list_select_related = ("submission",)
    readonly_fields = ("submission", "status", "attempts", "error", "created_at", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ErasureConfirmation)
class ErasureConfirmationAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The e-mails asking customers to confirm the erasure of their data: written by the preference centre and
    the sending pipeline, read here."""

    list_display = ("customer", "language", "status", "attempts", "created_at", "sent_at", "error")
    list_filter = ("status",)
    search_fields = ("=customer__id",)
    list_select_related = ("customer",)
    readonly_fields = ("customer", "language", "status", "attempts", "error", "created_at", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
