"""On PostgreSQL the website events table becomes partitioned by month on occurred_at (emarketing.partitions)."""

from django.db import migrations

from emarketing.partitions import partition_table_by_month


def partition(apps, schema_editor):
    partition_table_by_month(schema_editor, table="campaigns_webevent", column="occurred_at")


class Migration(migrations.Migration):
    dependencies = [('campaigns', '0019_website_events')]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
