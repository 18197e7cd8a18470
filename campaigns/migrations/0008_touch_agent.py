"""Every touch says which kind of agent made it: a person, a mail proxy or a bot.

New touches are a person's unless the product says otherwise. Touches already flagged as automated are told
apart by their User-Agent, by the rule as it stood when the agent was added: Apple's bare "Mozilla/5.0" and the
image proxies of the large mailbox providers are proxies, every other automated touch (scanners, crawlers,
previews, prefetches) a bot. Only automated touches are read, in id-ordered batches, each batch its own
transaction, so a table of hundreds of millions of rows is neither held in memory nor locked for the whole run.
Reversing drops the column; nothing else to undo.
"""

import re

from django.db import migrations, models, transaction

BATCH_SIZE = 5000
MAIL_PROXY = re.compile(r"GoogleImageProxy|via ggpht\.com|YahooMailProxy|Yahoo! Slurp|OutlookImageProxy", re.I)


def _is_proxy(user_agent):
    agent = (user_agent or "")[:500].strip()
    return agent == "Mozilla/5.0" or bool(MAIL_PROXY.search(agent))


def automated_touches_agent(apps, schema_editor):
    Touch = apps.get_model("campaigns", "Touch")
    database = schema_editor.connection.alias if schema_editor is not None else "default"
    rows = Touch.objects.using(database).filter(is_automated=True).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", "user_agent")[:BATCH_SIZE])
        if not batch:
            return
        last = batch[-1][0]
        proxies = [pk for pk, agent in batch if _is_proxy(agent)]
        bots = [pk for pk, agent in batch if not _is_proxy(agent)]
        with transaction.atomic(using=database):
            if proxies:
                Touch.objects.using(database).filter(pk__in=proxies).update(agent="proxy")
            if bots:
                Touch.objects.using(database).filter(pk__in=bots).update(agent="bot")


class Migration(migrations.Migration):
    # One transaction per batch (see above), not one for the whole table.
    atomic = False

    dependencies = [
        ('campaigns', '0007_sending_domains'),
    ]

    operations = [
        migrations.AddField(
            model_name='touch',
            name='agent',
            field=models.CharField(choices=[('person', 'A person'), ('proxy', 'A mail proxy (delivered, fetched by the provider)'), ('bot', 'A bot, link preview or scanner')], db_default='person', default='person', help_text='Who opened or clicked: a person, a mail proxy (shown apart, not counted) or a bot (never counted).', max_length=8, verbose_name='agent'),
        ),
        migrations.RunPython(automated_touches_agent, migrations.RunPython.noop, elidable=True),
    ]
