"""The admin, named after the product, lists the stages in the order a customer walks through them."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

STAGE_ORDER = ["customers", "campaigns", "orders", "aftersales", "cycle"]


class CycleAdminSite(admin.AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_header = self.site_title = self.index_title = settings.PRODUCT_NAME

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(STAGE_ORDER)}
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))


class CycleAdminConfig(AdminConfig):
    default_site = "emarketing.admin_site.CycleAdminSite"
