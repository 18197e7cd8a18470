"""On PostgreSQL the touches table becomes partitioned by month on occurred_at (emarketing.partitions)."""

from django.db import migrations

from emarketing.partitions import partition_table_by_month


def partition(apps, schema_editor):
    partition_table_by_month(schema_editor, table="campaigns_touch", column="occurred_at")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0014_touch_hit_id")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
