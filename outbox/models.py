from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
        ALERT = "alert", "A moderator alert (to staff)"
        ALERT_PAUSED = "paused", "An alert webhook was paused (to its editor)"

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


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class AlertEvent(models.TextChoices):
    """What moderators can be alerted of; the value is the ``event`` of the payload (docs/alerts.md)."""

    COMMENT_HELD = "comment.held", "A comment is held for review"
    COMMENT_REPORTED = "comment.reported", "A reader reports a comment"
    STORY_HELD_BURST = "story.held_burst", "A story passes N held comments within an hour"
    QUEUE_WAITING = "queue.waiting", "The oldest item in the review queue waits M minutes"


# The bounds of a subscription's thresholds, checked by the form and the model, and applied again where they are
# used (a row written by hand): beyond them a threshold means "never" and only costs a deferred task.
BURST_THRESHOLD_MAX = 10_000
WAITING_MINUTES_MAX = 7 * 24 * 60


class AlertSubscription(models.Model):
    """An email address or a webhook an editor subscribed to moderator alerts.

    The site pauses a webhook that keeps failing (``webhooks.PAUSE_AFTER`` failed attempts in a row) and tells
    the editor who made it; an editor resumes it from the admin."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    label = models.CharField(max_length=120, blank=True, help_text="What it is for, e.g. “Night desk chat”.")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_subscriptions",
        help_text="Who made it: told by email if the site pauses it.",
    )  # fmt: skip
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(max_length=limits.EMAIL_MAX_LENGTH, blank=True)
    # Checked by ``webhooks.check_url`` (on save and before each request), not by URLField's pattern, which
    # refuses some spellings with a vaguer message and allows others the check refuses.
    url = models.CharField(max_length=1000, blank=True, help_text="http or https, on a public address.")
    # A list of AlertEvent values (a JSON list: the handful of subscriptions is read whole and cached).
    events = models.JSONField(default=list)
    burst_threshold = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(BURST_THRESHOLD_MAX)],
        help_text="N, for “A story passes N held comments within an hour”: how many held comments within an hour alert.",
    )  # fmt: skip
    waiting_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(WAITING_MINUTES_MAX)],
        help_text="M, for “The oldest item in the review queue waits M minutes”: how many minutes (a week at most).",
    )  # fmt: skip
    # Signs each webhook request (HMAC-SHA256); shown to the editor once, when made or renewed.
    secret = models.CharField(max_length=64, default=new_secret)
    is_active = models.BooleanField(default=True, help_text="Untick to stop its alerts for a while.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the sender: failed attempts in a row (a success resets them), when the endpoint may be tried
    # again, and the pause that stops it after too many.
    failures = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    # queue.waiting: when this subscription was alerted of the episode still running (None: none is).
    waiting_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.label or self.endpoint

    @property
    def target(self) -> str:
        """Where alerts go, in full: a webhook's URL is often a credential (a chat's hook path), so this is for
        the editors' own form and the sender, never for a page, log or email others read (``endpoint``)."""
        return self.url if self.channel == self.Channel.WEBHOOK else self.email

    @property
    def endpoint(self) -> str:
        """Where alerts go, fit to show anyone who may see the subscription's name: a webhook's host alone."""
        if self.channel != self.Channel.WEBHOOK:
            return self.email
        try:
            host = urlsplit(self.url.strip()).hostname or ""
        except ValueError:
            host = ""
        return f"a webhook on {host}" if host else "a webhook"

    @property
    def name(self) -> str:
        """Its label (or its endpoint) and its id: how an email or a log names it."""
        return f"“{self}” (subscription {self.pk})"


class AlertDelivery(models.Model):
    """One alert to one subscription: the payload, written in the transaction of what it tells of, and how
    its sending went (a webhook's here, with each attempt below; an email's in its ``OutboundEmail``)."""

    # A deleted subscription leaves its log: the delivery keeps the name it had (what it was sent to).
    subscription = models.ForeignKey(
        AlertSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    subscription_name = models.CharField(max_length=200, blank=True, default="")
    event = models.CharField(max_length=20, choices=AlertEvent.choices)
    # What an alert is about ("story:12", "queue:…"): once-an-hour and once-an-episode alerts look it up.
    key = models.CharField(max_length=100, blank=True, default="")
    payload = models.JSONField()
    created_at = models.DateTimeField(db_index=True)
    email = models.ForeignKey(OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    send_after = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "alert deliveries"
        indexes = [
            models.Index(fields=["subscription", "event", "key", "created_at"], name="alert_dedupe_idx"),
            models.Index(fields=["sent_at", "given_up_at", "send_after"], name="alert_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription or self.subscription_name or 'a deleted subscription'}"


class DeliveryAttempt(models.Model):
    """One request of a webhook delivery, as the endpoint answered it (or did not)."""

    delivery = models.ForeignKey(AlertDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
