"""Import presets in the admin: the column mappings marketers saved from an import preview."""

from django.contrib import admin

from customers.models import ImportPreset


@admin.register(ImportPreset)
class ImportPresetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at")
    fields = ("kind", "name", "columns", "date_formats", "created_by", "created_at")
