"""The marketer's content scores and tags: an inline on each creative, and the tags' own list."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns.models import ContentTag, CreativeContent


class CreativeContentInline(admin.StackedInline):
    """The five dimensions (0–5, blank if not scored) and the tags, on the creative's page."""

    model = CreativeContent
    can_delete = True
    max_num = 1
    extra = 1
    verbose_name = _("content scores and tags")
    verbose_name_plural = _("content scores and tags")
    autocomplete_fields = ("tags",)
    fields = (("entertainment", "interaction", "up_to_date"), ("customisation", "word_of_mouth"), "tags")


@admin.register(ContentTag)
class ContentTagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
