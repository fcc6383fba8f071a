"""Comments name their author by the mailbox the address delivers to (commenters.mailboxes): the key of the
comments already stored is filled in here, one batch at a time."""

from typing import Any

from django.db import migrations, models

from commenters.mailboxes import mailbox_key

BATCH = 2000


def fill_mailboxes(apps: Any, schema_editor: Any) -> None:
    Comment = apps.get_model("comments", "Comment")
    last = 0
    while True:
        batch = list(Comment.objects.filter(pk__gt=last).order_by("pk").only("pk", "author_email")[:BATCH])
        if not batch:
            return
        for comment in batch:
            comment.mailbox = mailbox_key(comment.author_email)
        Comment.objects.bulk_update(batch, ["mailbox"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_embedded_stories"),
        ("comments", "0002_decision_versions_and_undo"),
        ("lab", "0002_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="mailbox",
            field=models.CharField(blank=True, default="", max_length=320),
        ),
        migrations.RunPython(fill_mailboxes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("simulation__isnull", True)),
                fields=["mailbox", "created_at"],
                name="comment_mailbox_week_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("simulation__isnull", True)),
                fields=["mailbox", "status"],
                name="comment_mailbox_status_idx",
            ),
        ),
    ]
