"""The admin, named after the product, lists the stages in the order a customer walks through them, and shows dates
in the Solar Hijri calendar in Persian."""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import models
from django.http import HttpRequest

from emarketing.admin_tools import with_jalali_dates, with_safe_date_hierarchy

_ModelT = TypeVar("_ModelT", bound=models.Model)

STAGE_ORDER = ["customers", "campaigns", "orders", "aftersales", "cycle"]


class CycleAdminSite(admin.AdminSite):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_header = self.site_title = self.index_title = settings.PRODUCT_NAME

    def register(
        self,
        model_or_iterable: type[_ModelT] | Iterable[type[_ModelT]],
        admin_class: "type[admin.ModelAdmin[_ModelT]] | None" = None,
        **options: Any,
    ) -> None:
        # Every ModelAdmin of the site (the stages' and Django's own) shows dates the Persian way in Persian, and
        # its date drill-down answers a date out of range as a bad lookup.
        admin_class = with_jalali_dates(with_safe_date_hierarchy(admin_class or admin.ModelAdmin))
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(STAGE_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))


class CycleAdminConfig(AdminConfig):
    default_site = "emarketing.admin_site.CycleAdminSite"
