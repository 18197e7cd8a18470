"""Managers see the jobs page, run a job now, choose each job's owners and read the recorded runs.

Marketers get none of it: the page is the managers' view of the product's machinery.
"""

from django.db import migrations

GROUP = "Managers"
PERMISSIONS = (
    ("cycle", "scheduledjob", "view_scheduledjob"),
    ("cycle", "scheduledjob", "change_scheduledjob"),
    ("cycle", "scheduledjob", "run_job"),
    ("taskruns", "taskrun", "view_taskrun"),
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
    for app_label in ("cycle", "taskruns"):
        create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name=GROUP):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("taskruns", "0001_job_runs"),
        ("cycle", "0011_scheduled_job_owners"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
