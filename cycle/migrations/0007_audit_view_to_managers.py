"""Managers read the audit log (who changed what, when) and remove a staff member's lost two-factor device.

Marketers get neither: the log names who did what to customers, consent and permissions, and a device is what keeps
an account safe when its password is known.
"""

from django.db import migrations

GROUP = "Managers"
PERMISSIONS = (
    ("auditlog", "logentry", "view_logentry"),
    ("otp_totp", "totpdevice", "view_totpdevice"),
    ("otp_totp", "totpdevice", "delete_totpdevice"),
    ("otp_static", "staticdevice", "view_staticdevice"),
    ("otp_static", "staticdevice", "delete_staticdevice"),
)


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, model, codename in PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            found.append(permission)
    return found


def grant(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the group needs these now.
    for app_label in ("auditlog", "otp_totp", "otp_static"):
        create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        ("cycle", "0006_export_permission_to_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
