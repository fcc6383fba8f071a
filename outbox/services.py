"""Writes for the outbox: an email to a reader is a row, stored in the transaction of what it tells of.

``email_queue`` stores it (unless its address opted out); ``outbox.tasks.send_due`` sends what is due
after that transaction has committed, so a request never waits on a mail server. Every email
carries a one-click unsubscribe link signed for its address (no login; the link names the address by
the id of its ``Recipient`` row, so it stays short): ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` (RFC 8058) for mail programs, and the link in the text for people.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outbox import tasks
from outbox.models import EmailOptOut, OutboundEmail, Recipient

UNSUBSCRIBE_SALT = "comments.unsubscribe"
# The column an unsubscribe link is kept in, for the List-Unsubscribe header.
UNSUBSCRIBE_URL_MAX_LENGTH = OutboundEmail._meta.get_field("unsubscribe_url").max_length or 500


def unsubscribe_token(email: str) -> str:
    """The key of an unsubscribe link: the signed id of the address's ``Recipient`` row (made on first use),
    some 60 characters whatever the address; never expires."""
    recipient, _ = Recipient.objects.get_or_create(email=email.lower())
    return signing.dumps(recipient.pk, salt=UNSUBSCRIBE_SALT)


def email_for_token(token: str) -> str | None:
    """The address an unsubscribe link was made for, or None if the link was not made here. Links sent
    before the links carried an id carry the address itself, signed with the same salt: they still work."""
    try:
        signed = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(signed, int) and not isinstance(signed, bool):
        return Recipient.objects.filter(pk=signed).values_list("email", flat=True).first()
    return signed if isinstance(signed, str) and "@" in signed else None


def unsubscribe(email: str) -> None:
    """No more emails to this address; those waiting in the outbox are dropped."""
    EmailOptOut.objects.get_or_create(email=email.lower())
    OutboundEmail.objects.filter(to=email.lower(), sent_at__isnull=True).delete()


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_queue(
    *, to: str, kind: str, subject: str, body: str, comment_id: int | None = None, send_after: dt.datetime | None = None
) -> OutboundEmail | None:
    """Store an email to send (None if the address asked for no more); the unsubscribe footer is added here.
    ``send_after``: not before then (a decision's undo window); the round that sends it is enqueued for then."""
    if not to or EmailOptOut.objects.filter(email=to.lower()).exists():
        return None
    link = absolute_url(reverse("outbox:unsubscribe", kwargs={"token": unsubscribe_token(to)}))
    # Short whatever the address; a SITE_URL too long for the column costs the header, never the email.
    header_link = link if len(link) <= UNSUBSCRIBE_URL_MAX_LENGTH else ""
    footer = (
        "\n\n--\nYou get this because you commented on our site. To get no more emails from our comments, "
        f"open this link: {link}\n"
    )
    email = OutboundEmail.objects.create(
        to=to.lower(), kind=kind, comment_id=comment_id, subject=subject[:200], body=body + footer,
        unsubscribe_url=header_link, send_after=send_after or timezone.now(),
    )  # fmt: skip
    # Sent once what it tells of is stored for good; robust: whatever happens to the enqueue, the
    # transaction has committed, and the next round sends the row.
    if send_after is not None and send_after > timezone.now():
        transaction.on_commit(partial(tasks.send_later, at=send_after), robust=True)
    else:
        transaction.on_commit(tasks.send_soon, robust=True)
    return email
