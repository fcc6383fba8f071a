"""Sanctions and commenters are looked up by the mailbox an address delivers to (commenters.mailboxes), and a
domain ban by the domain as DNS knows it: the keys of the rows already stored are filled in here."""

from typing import Any

from django.db import migrations, models

from commenters.mailboxes import domain_key, mailbox_key


def fill_keys(apps: Any, schema_editor: Any) -> None:
    Sanction = apps.get_model("commenters", "Sanction")
    Commenter = apps.get_model("commenters", "Commenter")
    for sanction in Sanction.objects.all().only("pk", "email", "domain"):
        sanction.mailbox = mailbox_key(sanction.email) if sanction.email else ""
        sanction.domain = domain_key(sanction.domain) if sanction.domain else ""
        sanction.save(update_fields=["mailbox", "domain"])
    for commenter in Commenter.objects.all().only("pk", "email").iterator(chunk_size=2000):
        Commenter.objects.filter(pk=commenter.pk).update(mailbox=mailbox_key(commenter.email))


class Migration(migrations.Migration):
    dependencies = [
        ("commenters", "0003_signed_in_by_site"),
    ]

    operations = [
        migrations.AddField(
            model_name="commenter",
            name="mailbox",
            field=models.CharField(blank=True, db_index=True, default="", max_length=320),
        ),
        migrations.AddField(
            model_name="sanction",
            name="mailbox",
            field=models.CharField(blank=True, db_index=True, default="", max_length=320),
        ),
        migrations.AlterField(
            model_name="sanction",
            name="domain",
            field=models.CharField(
                blank=True, db_index=True, help_text="Ban a whole email domain (and its subdomains).", max_length=253
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
