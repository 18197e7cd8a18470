"""The needs board: needs and wants by segment and product, where they were heard and where they trend."""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import (
    Need,
    NeedMention,
    NeedSource,
    NeedStatus,
    Segment,
)
from customers.services import need_hand_over, need_set_status
from emarketing.admin_tools import BigTableAdminMixin

from .departments import hand_over_action


class HeardInSegmentFilter(admin.SimpleListFilter):
    title = _("heard from customers in segment")
    parameter_name = "heard_in_segment"

    def lookups(self, request, model_admin):
        return list(Segment.objects.order_by("name").values_list("pk", "name")[:200])

    def queryset(self, request, queryset):
        segment_id = self.value()
        if segment_id:
            return queryset.filter(
                pk__in=NeedMention.objects.filter(customer__memberships__segment_id=segment_id).values("need_id")
            )
        return queryset


@admin.register(Need)
class NeedAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """The needs board: needs and wants by segment and product, where they were heard and where they trend.

    Turning a need into an objective belongs to the plan: ``cycle/admin.py`` registers this board again with that
    action added, so the marketer keeps one screen while preparation knows nothing of the plan.
    """

    list_display = (
        "title",
        "kind",
        "category",
        "product",
        "segment",
        "status",
        "mention_count",
        "last_30_days",
        "previous_30_days",
        "trend",
        "sources",
        "last_heard_at",
        "objective",
    )
    list_filter = (
        "status",
        "kind",
        "category",
        "source",
        HeardInSegmentFilter,
        ("segment", admin.RelatedOnlyFieldListFilter),
        ("product", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title",)
    raw_id_fields = ("product", "objective")
    autocomplete_fields = ("segment",)
    readonly_fields = ("mention_count", "first_heard_at", "last_heard_at", "objective", "latest_mentions")
    actions: tuple[str, ...] = ("accept", "close", "reopen", "hand_to_department")

    def get_queryset(self, request):
        now = timezone.now()
        recent, previous = now - dt.timedelta(days=30), now - dt.timedelta(days=60)
        sources = {
            f"src_{source.value}": Count("mentions", filter=Q(mentions__source=source.value)) for source in NeedSource
        }
        return (
            super()
            .get_queryset(request)
            .select_related("product", "segment", "objective")
            .annotate(
                recent=Count("mentions", filter=Q(mentions__heard_at__gte=recent)),
                previous=Count("mentions", filter=Q(mentions__heard_at__gte=previous, mentions__heard_at__lt=recent)),
                **sources,
            )
        )

    @admin.display(description=_("last 30 days"), ordering="recent")
    def last_30_days(self, obj):
        return obj.recent

    @admin.display(description=_("30 days before"), ordering="previous")
    def previous_30_days(self, obj):
        return obj.previous

    @admin.display(description=_("trend"))
    def trend(self, obj):
        delta = obj.recent - obj.previous
        if delta > 0:
            return format_html('<span title="{}">▲ +{}</span>', gettext("heard more often"), delta)
        if delta < 0:
            return format_html('<span title="{}">▼ {}</span>', gettext("heard less often"), delta)
        return "＝"

    @admin.display(description=_("heard from"))
    def sources(self, obj):
        return ", ".join(
            f"{source.label}: {getattr(obj, f'src_{source.value}', 0)}"
            for source in NeedSource
            if getattr(obj, f"src_{source.value}", 0)
        )

    @admin.display(description=_("latest mentions"))
    def latest_mentions(self, obj):
        rows = obj.mentions.select_related("customer").order_by("-heard_at")[:10] if obj.pk else []
        return format_html_join(
            "",
            "<p>{} — {} ({}): {}</p>",
            ((m.heard_at.date(), m.customer or "—", m.get_source_display(), m.excerpt) for m in rows),
        )

    def _move(self, request, queryset, status):
        moved, refused = 0, []
        for need in queryset:
            try:
                moved += need_set_status(need=need, status=status)
            except ValidationError as error:
                refused.append(f"{need}: {' '.join(error.messages)}")
        self.message_user(request, gettext("%(count)d needs updated.") % {"count": moved}, messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Hand the selected needs to a department"), permissions=["change"])
    def hand_to_department(self, request, queryset):
        return hand_over_action(
            self,
            request,
            queryset,
            action="hand_to_department",
            hand_over=lambda need, **kwargs: need_hand_over(need=need, **kwargs),
        )

    @admin.action(description=_("Accept the selected needs"), permissions=["change"])
    def accept(self, request, queryset):
        self._move(request, queryset, NeedStatus.ACCEPTED)

    @admin.action(description=_("Close the selected needs"), permissions=["change"])
    def close(self, request, queryset):
        self._move(request, queryset, NeedStatus.CLOSED)

    @admin.action(description=_("Reopen the selected needs"), permissions=["change"])
    def reopen(self, request, queryset):
        self._move(request, queryset, NeedStatus.OPEN)


@admin.register(NeedMention)
class NeedMentionAdmin(BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("heard_at", "need", "customer", "source", "source_id", "excerpt")
    list_select_related = ("need", "customer")
    list_filter = ("source", "need__category")
    raw_id_fields = ("need", "customer")
    search_fields = ("excerpt",)
    date_hierarchy = "heard_at"
