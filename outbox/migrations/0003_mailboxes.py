"""An opt-out holds for the mailbox an address delivers to (commenters.mailboxes), not for one spelling of it:
the opt-outs, emails and unsubscribe links stored before keep working, their mailboxes filled in here."""

from typing import Any

from django.db import migrations, models

from commenters.mailboxes import mailbox_key


def fill_mailboxes(apps: Any, schema_editor: Any) -> None:
    for name, field in (("EmailOptOut", "email"), ("Recipient", "email"), ("OutboundEmail", "to")):
        model = apps.get_model("outbox", name)
        # One update an address (an outbox holds many emails to each reader), read first: the rows change.
        addresses = list(model.objects.filter(mailbox="").values_list(field, flat=True).distinct().order_by())
        for address in addresses:
            model.objects.filter(**{field: address}, mailbox="").update(mailbox=mailbox_key(address))


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0002_recipient"),
    ]

    operations = [
        migrations.AddField(
            model_name="emailoptout",
            name="mailbox",
            field=models.CharField(blank=True, db_index=True, default="", max_length=320),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="mailbox",
            field=models.CharField(blank=True, db_index=True, default="", max_length=320),
        ),
        migrations.AddField(
            model_name="recipient",
            name="mailbox",
            field=models.CharField(blank=True, default="", max_length=320),
        ),
        migrations.RunPython(fill_mailboxes, migrations.RunPython.noop),
    ]
