"""Writes for the outbox: an email to a reader is a row, stored in the transaction of what it tells of.

``email_queue`` stores it (unless its mailbox opted out); ``outbox.tasks.send_due`` sends what is due
after that transaction has committed, so a request never waits on a mail server. Every email
carries a one-click unsubscribe link signed for its address (no login; the link names the address by
the id of its ``Recipient`` row, so it stays short): ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` (RFC 8058) for mail programs, and the link in the text for people.

An opt-out holds for the mailbox, not for one spelling of its address: whoever queues an email names the
mailbox it delivers to (``commenters.mailboxes.mailbox_key``, which this app, below that one, does not
import), and an opted-out ``victim@`` gets nothing sent to ``Victim+1@`` either.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from outbox import tasks
from outbox.models import EmailOptOut, OutboundEmail, Recipient

UNSUBSCRIBE_SALT = "comments.unsubscribe"
# The column an unsubscribe link is kept in, for the List-Unsubscribe header.
UNSUBSCRIBE_URL_MAX_LENGTH = OutboundEmail._meta.get_field("unsubscribe_url").max_length or 500


def unsubscribe_token(email: str, *, mailbox: str = "") -> str:
    """The key of an unsubscribe link: the signed id of the address's ``Recipient`` row (made on first use,
    noting the mailbox it delivers to), some 60 characters whatever the address; never expires."""
    recipient, created = Recipient.objects.get_or_create(email=email.lower(), defaults={"mailbox": mailbox})
    if mailbox and not created and recipient.mailbox != mailbox:
        Recipient.objects.filter(pk=recipient.pk).update(mailbox=mailbox)
    return signing.dumps(recipient.pk, salt=UNSUBSCRIBE_SALT)


def recipient_for_token(token: str) -> Recipient | None:
    """Whom an unsubscribe link was made for (the address, and the mailbox it delivers to), or None if the link
    was not made here. Links sent before the links carried an id carry the address itself, signed with the
    same salt: they still work (for the mailbox its ``Recipient`` row names, if it has one; an unsaved row)."""
    try:
        signed = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(signed, int) and not isinstance(signed, bool):
        return Recipient.objects.filter(pk=signed).first()
    if isinstance(signed, str) and "@" in signed:
        return Recipient.objects.filter(email=signed.lower()).first() or Recipient(email=signed.lower())
    return None


def opted_out(*, email: str, mailbox: str) -> bool:
    """Whether the owner of this mailbox asked for no more emails, under this spelling of it or another."""
    return EmailOptOut.objects.filter(_addressed_to(email, mailbox, field="email")).exists()


def unsubscribe(*, email: str, mailbox: str = "") -> EmailOptOut:
    """No more emails to this mailbox, however its address is spelled; those waiting in the outbox are dropped.
    ``mailbox``: the one ``email`` delivers to (without it, the address alone)."""
    email = email.lower()
    with transaction.atomic():
        opt_out, created = EmailOptOut.objects.get_or_create(email=email, defaults={"mailbox": mailbox})
        if mailbox and not created and opt_out.mailbox != mailbox:
            EmailOptOut.objects.filter(pk=opt_out.pk).update(mailbox=mailbox)
        OutboundEmail.objects.filter(_addressed_to(email, mailbox, field="to"), sent_at__isnull=True).delete()
    return opt_out


def _addressed_to(email: str, mailbox: str, *, field: str) -> Q:
    """Rows for this address, or for any address of this mailbox (rows stored before mailboxes were kept have
    theirs filled in by migration 0003)."""
    found = Q(**{field: email.lower()})
    return found | Q(mailbox=mailbox) if mailbox else found


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_queue(
    *,
    to: str,
    mailbox: str,
    kind: str,
    subject: str,
    body: str,
    comment_id: int | None = None,
    send_after: dt.datetime | None = None,
) -> OutboundEmail | None:
    """Store an email to send (None if its mailbox asked for no more); the unsubscribe footer is added here.
    ``mailbox``: the mailbox ``to`` delivers to (``commenters.mailboxes.mailbox_key``), whose opt-out holds
    for every spelling of it. ``send_after``: not before then (a decision's undo window); the round that
    sends it is enqueued for then."""
    if not to or opted_out(email=to, mailbox=mailbox):
        return None
    link = absolute_url(reverse("outbox:unsubscribe", kwargs={"token": unsubscribe_token(to, mailbox=mailbox)}))
    # Short whatever the address; a SITE_URL too long for the column costs the header, never the email.
    header_link = link if len(link) <= UNSUBSCRIBE_URL_MAX_LENGTH else ""
    footer = (
        "\n\n--\nYou get this because you commented on our site. To get no more emails from our comments, "
        f"open this link: {link}\n"
    )
    email = OutboundEmail.objects.create(
        to=to.lower(), mailbox=mailbox, kind=kind, comment_id=comment_id, subject=subject[:200], body=body + footer,
        unsubscribe_url=header_link, send_after=send_after or timezone.now(),
    )  # fmt: skip
    # Sent once what it tells of is stored for good; robust: whatever happens to the enqueue, the
    # transaction has committed, and the next round sends the row.
    if send_after is not None and send_after > timezone.now():
        transaction.on_commit(partial(tasks.send_later, at=send_after), robust=True)
    else:
        transaction.on_commit(tasks.send_soon, robust=True)
    return email
