"""The one row of tier rules, with the defaults, so that marketers find it in the admin to edit."""

from django.db import migrations


def create(apps, schema_editor):
    TierPolicy = apps.get_model("customers", "TierPolicy")
    if not TierPolicy.objects.exists():
        TierPolicy.objects.create()


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_customer_value")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
