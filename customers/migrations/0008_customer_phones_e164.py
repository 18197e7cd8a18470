"""Phones already stored become E.164, read in each customer's country (else PHONE_DEFAULT_REGION).

Id-ordered batches keep memory flat; a phone that cannot be read stays as it is (the admin shows the error when
the customer is next edited). Reversing does nothing: the E.164 form is as good a phone as the old one.
"""

from django.db import migrations

from emarketing.contacts import InvalidPhone, normalise_phone

BATCH_SIZE = 2000


def customer_phones_to_e164(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    database = schema_editor.connection.alias if schema_editor is not None else "default"
    rows = Customer.objects.using(database).exclude(phone="").order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).values_list("pk", "phone", "country")[:BATCH_SIZE])
        if not batch:
            return
        last = batch[-1][0]
        changed = []
        for pk, phone, country in batch:
            try:
                e164 = normalise_phone(phone, country=country)
            except InvalidPhone:
                continue
            if e164 != phone:
                changed.append(Customer(pk=pk, phone=e164))
        Customer.objects.using(database).bulk_update(changed, ["phone"])


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0007_contact_fields'),
    ]

    operations = [
        migrations.RunPython(customer_phones_to_e164, migrations.RunPython.noop, elidable=True),
    ]
