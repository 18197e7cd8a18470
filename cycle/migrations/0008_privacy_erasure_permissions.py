"""Managers may erase customers (the right to be forgotten) and read the record of erasures.

Marketers may not: an erasure cannot be undone. Sales agents are in neither group and never get it. The groups
are made by 0004 of this app; a database without them (they were deleted) is left as it is.
"""

from django.db import migrations

GROUP = "Managers"
PERMISSIONS = (("customer", "erase_customer"), ("erasure", "view_erasure"))


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    for model, codename in PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label="customers", content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            yield permission


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the group needs these now.
    create_permissions(global_apps.get_app_config("customers"), apps=apps, verbosity=0)
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_privacy_erasure"),
        ("cycle", "0007_audit_view_to_managers"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
