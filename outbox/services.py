"""Writes for the outbox: an email to a reader is a row, stored in the transaction of what it tells of.

``email_queue`` stores it (unless its address opted out); ``outbox.tasks.send_due`` sends what is due
after that transaction has committed, so a request never waits on a mail server. Every email
carries a one-click unsubscribe link signed for its address (no login): ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` (RFC 8058) for mail programs, and the link in the text for people.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox import tasks
from outbox.models import EmailOptOut, OutboundEmail

UNSUBSCRIBE_SALT = "comments.unsubscribe"


def unsubscribe_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=UNSUBSCRIBE_SALT, compress=True)


def email_for_token(token: str) -> str | None:
    """The address an unsubscribe link was made for, or None if the link was not made here."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) and "@" in email else None


def unsubscribe(email: str) -> None:
    """No more emails to this address; those waiting in the outbox are dropped."""
    EmailOptOut.objects.get_or_create(email=email.lower())
    OutboundEmail.objects.filter(to=email.lower(), sent_at__isnull=True).delete()


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_queue(*, to: str, kind: str, subject: str, body: str, comment_id: int | None = None) -> OutboundEmail | None:
    """Store an email to send (None if the address asked for no more); the unsubscribe footer is added here."""
    if not to or EmailOptOut.objects.filter(email=to.lower()).exists():
        return None
    link = absolute_url(reverse("outbox:unsubscribe", kwargs={"token": unsubscribe_token(to)}))
    footer = (
        "\n\n--\nYou get this because you commented on our site. To get no more emails from our comments, "
        f"open this link: {link}\n"
    )
    email = OutboundEmail.objects.create(
        to=to.lower(), kind=kind, comment_id=comment_id, subject=subject[:200], body=body + footer,
        unsubscribe_url=link, send_after=timezone.now(),
    )  # fmt: skip
    # Sent once what it tells of is stored for good; robust: whatever happens to the enqueue, the
    # transaction has committed, and the next round sends the row.
    transaction.on_commit(tasks.send_soon, robust=True)
    return email
