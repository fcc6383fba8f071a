"""The comments' background work: asking a new address to confirm itself, off the post's path.

A post from an address its browser has not proved asks the owner of the address to confirm it. Doing that
within the post (the commenter's row, the day's claim, the opt-out, the unsubscribe link's recipient, the
email) was eight of a post's statements; here it is one: this task's row, written in the comment's own
transaction. A comment is therefore never stored without the task that asks for its confirmation (the row
commits with it, or neither does), and no worker sees the row before the comment is there to read. The
worker then does the rest (``emails.queue_confirmation``, one transaction; run again when the worker lost its
connection mid-task: ``lab.runs.RUN_AGAIN_WHEN_CUT_SHORT``), and the email's own round sends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from django_tasks import task
else:
    try:  # Django 6.0 ships the framework, and django-tasks-db then runs Django's own tasks
        from django.tasks import task
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task

from comments import emails
from comments.models import Comment


@task()
def confirm_address(comment_id: int, email: str) -> bool:
    """Record the commenter of ``email`` and send its confirmation (at most once a day a mailbox); False when
    none was sent (sent lately, opted out, or the comment is gone)."""
    comment = Comment.objects.select_related("article").filter(pk=comment_id).first()
    if comment is None:
        return False
    with transaction.atomic():
        return emails.queue_confirmation(comment=comment, email=email) is not None


def ask_to_confirm(*, comment: Comment, email: str) -> None:
    """Within the comment's transaction: the confirmation it asks for, enqueued with it."""
    confirm_address.enqueue(comment.pk, email)
