from __future__ import annotations

from django.db import models

from newsroom import limits

# As wide as the mailbox key it holds (``commenters.mailboxes.KEY_MAX_LENGTH``, which the outbox, below that
# app, does not import; a test holds the two equal).
MAILBOX_MAX_LENGTH = 320


class OutboundEmail(models.Model):
    """An email to a reader, written in the same transaction as what it tells of, sent later by the
    outbox's task (``outbox.tasks.send_due``; an outbox: a request never waits on a mail server, a
    failed send is tried again, and nothing about the comment depends on it)."""

    class Kind(models.TextChoices):
        DECISION = "decision", "A moderator decided on their held comment"
        REPLY = "reply", "Someone replied to their comment"
        CONFIRM = "confirm", "Confirm the address they commented with"

    to = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH)
    # The mailbox ``to`` delivers to (``commenters.mailboxes.mailbox_key``, given by whoever queues the email):
    # an opt-out drops what waits for any spelling of it.
    mailbox = models.CharField(max_length=MAILBOX_MAX_LENGTH, blank=True, default="", db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(
        "comments.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    unsubscribe_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it may next be tried (a failure pushes it back), and until when a sender has claimed it.
    send_after = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["send_after", "id"]
        indexes = [models.Index(fields=["sent_at", "send_after"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}"


class Recipient(models.Model):
    """An address the outbox has written to. Its emails' unsubscribe links name it by this row's id,
    signed, rather than by the address itself: a link stays short however long the address is (an
    internationalised address written out in a link ran past the URL's column and failed the write of
    the decision or reply it came with)."""

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, unique=True)
    # The mailbox it delivers to, as the email that made this row said: what its unsubscribe link stops.
    mailbox = models.CharField(max_length=MAILBOX_MAX_LENGTH, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email


class EmailOptOut(models.Model):
    """A mailbox that asked for no more emails (the unsubscribe link in each one): the address the link was
    sent to, and the mailbox it delivers to, which no other spelling of it ("+tag", capitals) gets past."""

    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, unique=True)
    mailbox = models.CharField(max_length=MAILBOX_MAX_LENGTH, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email
