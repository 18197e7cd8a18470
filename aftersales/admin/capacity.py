"""Service capacity in the admin: each team's tickets per day and chats at once."""

from django.contrib import admin

from aftersales.models import ServiceTeam
from aftersales.services.capacity import service_team_save


@admin.register(ServiceTeam)
class ServiceTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "tickets_per_day", "chats_at_once", "updated_at")
    list_editable = ("tickets_per_day", "chats_at_once")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        service_team_save(team=obj, name=obj.name, tickets_per_day=obj.tickets_per_day, chats_at_once=obj.chats_at_once)
