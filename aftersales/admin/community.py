"""FAQ and community in the admin: FAQ entries by topic, and the moderation queue of questions and answers
(approve, reject, mark the best answer, answer as the team). Every change goes through the community services,
so the help search always reads what readers see."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftersales.models import CommunityAnswer, CommunityQuestion, FaqEntry, HelpDocument, HelpfulVote, ModerationStatus
from aftersales.services import community
from emarketing.admin_tools import BigTableAdmin, run_for_each


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "published", "position", "helped_count", "updated_at")
    list_editable = ("published", "position")
    list_filter = ("published", "topic")
    search_fields = ("title", "title_fa", "title_ar", "answer", "answer_fa", "answer_ar")
    list_select_related = ("topic",)
    autocomplete_fields = ("topic",)
    readonly_fields = ("helped_count", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("topic", "published", "position")}),
        (_("English"), {"fields": ("title", "answer")}),
        (_("Persian"), {"fields": ("title_fa", "answer_fa")}),
        (_("Arabic"), {"fields": ("title_ar", "answer_ar")}),
        (_("Readers"), {"fields": ("helped_count", "created_at", "updated_at")}),
    )

    def save_model(self, request, obj, form, change):
        community.faq_entry_save(entry=obj)


class ModerationQueueFilter(admin.SimpleListFilter):
    """The queue first: what waits for a moderator, unless another status is chosen."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*ModerationStatus.choices, ("all", _("All"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or ModerationStatus.PENDING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or ModerationStatus.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


class CommunityAnswerInline(admin.StackedInline):
    """The answers of a question; a new one here is the team's (shown at once)."""

    model = CommunityAnswer
    extra = 0
    fields = ("body", "author_name", "status", "is_best", "helped_count")
    readonly_fields = ("status", "is_best", "helped_count")
    verbose_name_plural = _("answers")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CommunityQuestion)
class CommunityQuestionAdmin(BigTableAdmin):
    list_display = ("title", "asker_name", "language", "topic", "status", "wants_news", "created_at")
    list_filter = (ModerationQueueFilter, "language", "topic", "wants_news")
    search_fields = ("title", "body", "asker_name", "asker_email")
    list_select_related = ("topic",)
    date_hierarchy = "created_at"
    autocomplete_fields = ("topic", "customer")
    readonly_fields = ("status", "moderated_by", "moderated_at", "created_at", "asker_email", "wants_news", "customer")
    fields = (
        "title",
        "body",
        "topic",
        "language",
        "asker_name",
        "asker_email",
        "wants_news",
        "customer",
        "status",
        "moderated_by",
        "moderated_at",
        "created_at",
    )
    inlines = (CommunityAnswerInline,)
    actions = ("approve_questions", "reject_questions")

    def save_formset(self, request, form, formset, change):
        # A new answer written here is the team's: through the service, which shows it at once.
        for answer in formset.save(commit=False):
            if answer.pk is None:
                community.answer_add(
                    question=form.instance, body=answer.body, author_name=answer.author_name, staff=request.user
                )
        for obj in formset.deleted_objects:
            obj.delete()

    @admin.action(description=_("Approve the selected questions"), permissions=["change"])
    def approve_questions(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda q: community.question_approve(question=q, by=request.user),
            lambda n: ngettext("%d question approved.", "%d questions approved.", n) % n,
        )

    @admin.action(description=_("Reject the selected questions"), permissions=["change"])
    def reject_questions(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda q: community.question_reject(question=q, by=request.user),
            lambda n: ngettext("%d question rejected.", "%d questions rejected.", n) % n,
        )


@admin.register(CommunityAnswer)
class CommunityAnswerAdmin(BigTableAdmin):
    list_display = ("__str__", "question", "status", "is_best", "helped_count", "created_at")
    list_filter = (ModerationQueueFilter, "is_best")
    search_fields = ("body", "author_name", "question__title")
    list_select_related = ("question",)
    date_hierarchy = "created_at"
    raw_id_fields = ("question",)
    readonly_fields = ("status", "is_best", "helped_count", "staff", "customer", "moderated_at", "created_at")
    actions = ("approve_answers", "reject_answers", "mark_best")

    def has_add_permission(self, request):
        return False  # the team answers from the question's page

    @admin.action(description=_("Approve the selected answers"), permissions=["change"])
    def approve_answers(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.select_related("question"),
            lambda a: community.answer_approve(answer=a, by=request.user),
            lambda n: ngettext("%d answer approved.", "%d answers approved.", n) % n,
        )

    @admin.action(description=_("Reject the selected answers"), permissions=["change"])
    def reject_answers(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.select_related("question"),
            lambda a: community.answer_reject(answer=a, by=request.user),
            lambda n: ngettext("%d answer rejected.", "%d answers rejected.", n) % n,
        )

    @admin.action(description=_("Mark as the best answer of its question"), permissions=["change"])
    def mark_best(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda a: community.answer_mark_best(answer=a),
            lambda n: ngettext("%d best answer marked.", "%d best answers marked.", n) % n,
        )


class ReadOnlyAdmin(BigTableAdmin):
    """Rows the product writes itself: looked at, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HelpDocument)
class HelpDocumentAdmin(ReadOnlyAdmin):
    """What the help search reads (written by the community services and when an information page is saved)."""

    list_display = ("title", "kind", "language", "link")
    list_filter = ("kind", "language")
    search_fields = ("title",)
    fields = ("kind", "language", "title", "excerpt", "link", "folded")


@admin.register(HelpfulVote)
class HelpfulVoteAdmin(ReadOnlyAdmin):
    list_display = ("voter", "faq", "answer", "created_at")
    list_select_related = ("faq", "answer")
    date_hierarchy = "created_at"
    fields = ("voter", "faq", "answer", "created_at")
