"""Marketers and Managers may export customers (e-mails and phones) as CSV; viewing them no longer suffices.

Sales agents are in neither group: their accounts get ``view_customer`` to find a buyer, never the export.
"""

from django.db import migrations

GROUPS = ("Marketers", "Managers")


def grant_export(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the groups need this one now.
    create_permissions(global_apps.get_app_config("customers"), apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="customers", content_type__model="customer", codename="export_customer"
    ).first()
    if permission is None:
        return
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke_export(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="customers", codename="export_customer").first()
    if permission is None:
        return
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0015_customer_export_permission"),
        ("cycle", "0005_touch_daily_proxied"),
    ]

    operations = [migrations.RunPython(grant_export, revoke_export)]
