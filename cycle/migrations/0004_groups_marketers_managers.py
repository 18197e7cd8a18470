"""The Marketers and Managers groups with their model permissions.

Marketers run customers, segments, campaigns, creatives, orders and tickets in the administration and read the
dashboards; they may look at the plan but not change it. Managers have all of that, the plan models (budget,
people, deadlines, reviews) and the dashboards.
"""

from django.db import migrations

ACTIONS = ("add", "change", "delete", "view")

MARKETERS = {
    "customers": {
        "customer": ("add", "change", "view"),
        "segment": ("add", "change", "view"),
        "segmentcondition": ("add", "change", "delete", "view"),
        "segmentmembership": ("view",),
        "consent": ("view",),
        "consentevent": ("view",),
        "occasion": ("add", "change", "delete", "view"),
        "need": ("change", "view"),
        "needmention": ("view",),
        "customerhistory": ("view",),
    },
    "campaigns": {
        "campaign": ("add", "change", "view"),
        "creative": ("add", "change", "delete", "view"),
        "topic": ("add", "change", "view"),
        "touch": ("add", "view"),
        "message": ("view",),
        "link": ("view",),
    },
    "orders": {
        "order": ("change", "view"),
        "orderline": ("change", "view"),
        "payment": ("view",),
        "shipment": ("change", "view"),
        "product": ("view",),
        "agent": ("view",),
    },
    "aftersales": {
        "ticket": ("add", "change", "view"),
        "ticketmessage": ("add", "view"),
        "surveyresponse": ("view",),
        "review": ("change", "view"),
    },
    "cycle": {
        "marketingplan": ("view",),
        "objective": ("view",),
        "rollupstate": ("view_dashboards",),
    },
}

MANAGERS_EXTRA = {
    "cycle": {
        "marketingplan": ACTIONS,
        "objective": ACTIONS,
        "planperson": ACTIONS,
        "budgetline": ACTIONS,
        "milestone": ACTIONS,
        "planreview": ACTIONS,
        "planstatuschange": ("view",),
        "looprun": ("view",),
        "rollupstate": ("view", "view_dashboards"),
    },
}


def _codenames(spec):
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                codename = action if action == "view_dashboards" else f"{action}_{model}"
                yield app_label, model, codename


def _permissions(apps, spec):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, model, codename in _codenames(spec):
        permission = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        ).first()
        if permission is not None:
            found.append(permission)
    return found


def create_groups(apps, schema_editor):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run; the groups need them now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    marketers, _ = Group.objects.get_or_create(name="Marketers")
    marketers.permissions.add(*_permissions(apps, MARKETERS))
    managers, _ = Group.objects.get_or_create(name="Managers")
    managers.permissions.add(*_permissions(apps, MARKETERS), *_permissions(apps, MANAGERS_EXTRA))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Marketers", "Managers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0003_tier_history_conditions_recommendations"),
        ("campaigns", "0003_sending_links_interests_occasion_offers"),
        ("orders", "0002_payment_notification"),
        ("aftersales", "0003_contact_line_and_survey_invitations"),
        ("cycle", "0003_dashboard_rollups"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
