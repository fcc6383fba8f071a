"""Emails to readers: what a moderator decided on their held comment, and replies they asked to hear of.

The writes here run inside the transaction of what they tell of (a decision, a published
reply): the email is a row in the outbox, stored or dropped with it. ``send_due`` (run by
``manage.py send_outbox``) sends what is due after those transactions have committed; a
request never waits on a mail server. A send that fails is tried again later (1 minute,
then 5, 30, 2 hours, 6 hours), up to ``MAX_ATTEMPTS``; nothing about a comment depends on it.

Why an outbox table and a command rather than a task queue: Django 5.2 has no task
framework, and the table needs nothing beyond the database the site already has; several
app servers may each run a sender (a row is claimed before it is sent).

Every email carries a one-click unsubscribe link signed for its address (no login):
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) for mail programs, and the
link in the text for people.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .models import Comment, Commenter, CommentReport, EmailOptOut, ModerationEvent, OutboundEmail
from .selectors import comment_url

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "comments.unsubscribe"
CONFIRM_SALT = "comments.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 60 * 60
# One confirmation email an address a day, however many comments are posted with it.
CONFIRM_EVERY = dt.timedelta(days=1)
MAX_ATTEMPTS = 6
RETRY_AFTER = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
               dt.timedelta(hours=2), dt.timedelta(hours=6))  # fmt: skip
CLAIM_FOR = dt.timedelta(minutes=2)
EXCERPT = 300


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=UNSUBSCRIBE_SALT, compress=True)


def email_for_token(token: str) -> str | None:
    """The address an unsubscribe link was made for, or None if the link was not made here."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) and "@" in email else None


def confirmation_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=CONFIRM_SALT, compress=True)


def email_for_confirmation(token: str) -> str | None:
    """The address a confirmation link was made for, or None if it is not ours or older than a week."""
    try:
        email = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) and "@" in email else None


def queue_confirmation(*, comment: Comment, commenter: Commenter) -> OutboundEmail | None:
    """Ask the owner of the address to confirm it (at most once a day): the browser that opens the link
    counts as theirs from then on."""
    now = timezone.now()
    if commenter.confirmation_sent_at and now - commenter.confirmation_sent_at < CONFIRM_EVERY:
        return None
    link = _absolute(reverse("comments:confirm", kwargs={"token": confirmation_token(commenter.email)}))
    email = _queue(
        to=commenter.email,
        kind=OutboundEmail.Kind.CONFIRM,
        comment=comment,
        subject=f"Confirm your address for comments on “{comment.article.headline}”",
        body=(
            f"Hello {comment.author_name},\n\nA comment was posted with this address on “{comment.article.headline}”."
            f"\nIf it was you, confirm it here, in the browser you comment from (the link works for a week):\n{link}"
            "\n\nThen your comments from that browser count as yours: once some have been published, new ones are"
            " not held as a newcomer's. If it was not you, ignore this email; nothing else happens."
        ),
    )
    Commenter.objects.filter(pk=commenter.pk).update(confirmation_sent_at=now)
    return email


def unsubscribe(email: str) -> None:
    """No more emails to this address; those waiting in the outbox are dropped."""
    EmailOptOut.objects.get_or_create(email=email.lower())
    OutboundEmail.objects.filter(to=email.lower(), sent_at__isnull=True).delete()


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _queue(*, to: str, kind: str, comment: Comment, subject: str, body: str) -> OutboundEmail | None:
    if not to or comment.simulation_id is not None or EmailOptOut.objects.filter(email=to.lower()).exists():
        return None
    link = _absolute(reverse("comments:unsubscribe", kwargs={"token": unsubscribe_token(to)}))
    footer = (
        "\n\n--\nYou get this because you commented on our site. To get no more emails from our comments, "
        f"open this link: {link}\n"
    )
    return OutboundEmail.objects.create(
        to=to.lower(), kind=kind, comment=comment, subject=subject[:200], body=body + footer,
        unsubscribe_url=link, send_after=timezone.now(),
    )  # fmt: skip


def queue_decision(*, comment: Comment, event: ModerationEvent) -> OutboundEmail | None:
    """Tell the author of a held comment what a moderator decided, and why; a rejected text is given back."""
    headline = comment.article.headline
    if event.new_status == Comment.Status.PUBLISHED:
        subject = f"Your comment on “{headline}” is published"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your comment on “{headline}” and published it:\n"
            f"{_absolute(comment_url(comment))}\n\n“{_excerpt(comment.body)}”"
        )
    else:
        reason = dict(CommentReport.Reason.choices).get(event.reason, event.reason or "it breaks the policy")
        note = f"\nTheir note: {event.note.strip()}" if event.note.strip() else ""
        subject = f"Your comment on “{headline}” was not published"
        body = (
            f"Hello {comment.author_name},\n\nA moderator read your comment on “{headline}” and did not publish it.\n"
            f"Reason: {reason}.{note}\n\nYour text, so you can change it and post it again:\n\n{comment.body}\n\n"
            f"The story: {_absolute(comment.article.get_absolute_url())}#comments"
        )
    return _queue(
        to=comment.author_email, kind=OutboundEmail.Kind.DECISION, comment=comment, subject=subject, body=body
    )


def queue_reply(*, reply: Comment) -> OutboundEmail | None:
    """Tell the author of the comment answered, if they asked to hear of replies (and did not write this one)."""
    parent = reply.parent
    if parent is None or not parent.notify_replies or parent.author_email == reply.author_email:
        return None
    if parent.status != Comment.Status.PUBLISHED:
        return None
    headline = reply.article.headline
    return _queue(
        to=parent.author_email,
        kind=OutboundEmail.Kind.REPLY,
        comment=reply,
        subject=f"{reply.author_name} replied to your comment on “{headline}”",
        body=(
            f"Hello {parent.author_name},\n\n{reply.author_name} replied to your comment on “{headline}”:\n\n"
            f"“{_excerpt(reply.body)}”\n\nRead it and answer: {_absolute(comment_url(reply))}"
        ),
    )


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0


def send_due(*, limit: int = 100) -> SendResult:
    """Send the emails that are due; a failure is recorded on the email and tried again later."""
    result = SendResult()
    now = timezone.now()
    due = (
        OutboundEmail.objects.filter(sent_at__isnull=True, send_after__lte=now, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:limit]
    )
    connection = get_connection(fail_silently=False)
    for pk in list(due):
        # Claim it: of several senders, the one whose update lands sends it.
        claimed = (
            OutboundEmail.objects.filter(pk=pk, sent_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + CLAIM_FOR)
        )
        if not claimed:
            continue
        email = OutboundEmail.objects.get(pk=pk)
        message = EmailMessage(
            subject=email.subject, body=email.body, to=[email.to], connection=connection,
            headers={"List-Unsubscribe": f"<{email.unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )  # fmt: skip
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - any failure of the mail server is recorded and retried
            attempts = email.attempts + 1
            wait = RETRY_AFTER[min(attempts - 1, len(RETRY_AFTER) - 1)]
            OutboundEmail.objects.filter(pk=pk).update(
                attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
                send_after=timezone.now() + wait, claimed_until=None,
            )  # fmt: skip
            if attempts >= MAX_ATTEMPTS:
                result.given_up += 1
                logger.error("Gave up emailing %s after %d attempts: %s", email.to, attempts, exc)
            else:
                result.failed += 1
                logger.warning("Emailing %s failed (attempt %d, again in %s): %s", email.to, attempts, wait, exc)
            connection = get_connection(fail_silently=False)  # a fresh connection for the next one
            continue
        OutboundEmail.objects.filter(pk=pk).update(
            sent_at=timezone.now(), attempts=email.attempts + 1, claimed_until=None, last_error=""
        )
        result.sent += 1
    return result
