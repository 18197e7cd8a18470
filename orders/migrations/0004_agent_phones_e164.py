"""Agents' phones already stored become E.164 (national forms read in PHONE_DEFAULT_REGION).

Id-ordered batches; a phone that cannot be read stays as it is. Reversing does nothing.
"""

from django.db import migrations

from emarketing.contacts import InvalidPhone, normalise_phone

BATCH_SIZE = 2000


def agent_phones_to_e164(apps, schema_editor):
    Agent = apps.get_model("orders", "Agent")
    database = schema_editor.connection.alias if schema_editor is not None else "default"
    rows = Agent.objects.using(database).exclude(phone="").order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", "phone")[:BATCH_SIZE])
        if not batch:
            return
        last = batch[-1][0]
        changed = []
        for pk, phone in batch:
            try:
                e164 = normalise_phone(phone)
            except InvalidPhone:
                continue
            if e164 != phone:
                changed.append(Agent(pk=pk, phone=e164))
        Agent.objects.using(database).bulk_update(changed, ["phone"])


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_agent_phone_help'),
    ]

    operations = [
        migrations.RunPython(agent_phones_to_e164, migrations.RunPython.noop, elidable=True),
    ]
