"""Writes for the outbox: an email to a reader, or an alert to moderators, is a row, stored in the
transaction of what it tells of.

``email_queue`` stores it (unless its mailbox opted out); ``outbox.tasks.send_due`` sends what is due
after that transaction has committed, so a request never waits on a mail server. Every email
carries a one-click unsubscribe link signed for its address (no login; the link names the address by
the id of its ``Recipient`` row, so it stays short): ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` (RFC 8058) for mail programs, and the link in the text for people.

An opt-out holds for the mailbox, not for one spelling of its address: whoever queues an email names the
mailbox it delivers to (``commenters.mailboxes.mailbox_key``, which this app, below that one, does not
import), and an opted-out ``victim@`` gets nothing sent to ``Victim+1@`` either.

Alerts to moderators (``alert_raise``, called by ``comments.alerts``) are rows too: an ``AlertDelivery`` for
each subscription, with a webhook's request sent by ``tasks.deliver_due`` (``webhooks``), or an outbox email
of kind ``alert``. An alert email is an outbox email like any other: an address that asked for no more emails
gets no alerts either (its delivery says so), and its unsubscribe link stops everything to it.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from newsroom import db
from outbox import tasks, webhooks
from outbox.models import (
    AlertDelivery,
    AlertEvent,
    AlertSubscription,
    EmailOptOut,
    OutboundEmail,
    Recipient,
    new_secret,
)
from outbox.selectors import forget_alert_subscriptions

UNSUBSCRIBE_SALT = "comments.unsubscribe"
# The column an unsubscribe link is kept in, for the List-Unsubscribe header.
UNSUBSCRIBE_URL_MAX_LENGTH = OutboundEmail._meta.get_field("unsubscribe_url").max_length or 500


def unsubscribe_token(email: str, *, mailbox: str = "") -> str:
    """The key of an unsubscribe link: the signed id of the address's ``Recipient`` row (made on first use,
    noting the mailbox it delivers to), some 60 characters whatever the address; never expires."""
    email = email.lower()
    # Inserted if new, whoever else writes to the address at the same moment, with no savepoint inside the
    # transaction of what the email tells of; and without locking a row that is there already (an update
    # would hold it to the end of that transaction: two readers answering each other at once, each locking
    # the other's row, waited on each other).
    inserted = db.rows(
        f'INSERT INTO {db.table(Recipient)} ("email", "mailbox", "created_at") VALUES (%s, %s, %s) '  # noqa: S608
        'ON CONFLICT ("email") DO NOTHING RETURNING "id"',
        [email, mailbox, db.when(timezone.now())],
    )
    if inserted:
        return signing.dumps(int(inserted[0][0]), salt=UNSUBSCRIBE_SALT)
    pk, kept = Recipient.objects.filter(email=email).values_list("pk", "mailbox").get()
    if mailbox and kept != mailbox:  # the mailbox it delivers to, as this email says
        Recipient.objects.filter(pk=pk).update(mailbox=mailbox)
    return signing.dumps(pk, salt=UNSUBSCRIBE_SALT)


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
    # Every email queued asks: written out (``newsroom.db``), with ``_addressed_to``'s rule.
    sql = f'SELECT 1 FROM {db.table(EmailOptOut)} WHERE "email" = %s'  # noqa: S608
    params = [email.lower()]
    if mailbox:
        sql, params = sql + ' OR "mailbox" = %s', [*params, mailbox]
    return bool(db.rows(sql + " LIMIT 1", params))


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
    why: str = "you commented on our site",
) -> OutboundEmail | None:
    """Store an email to send (None if its mailbox asked for no more); the unsubscribe footer is added here.
    ``mailbox``: the mailbox ``to`` delivers to (``commenters.mailboxes.mailbox_key``), whose opt-out holds
    for every spelling of it. ``send_after``: not before then (a decision's undo window); the round that
    sends it is enqueued for then. ``why``: why this address gets it, for the footer."""
    if not to or opted_out(email=to, mailbox=mailbox):
        return None
    link = absolute_url(reverse("outbox:unsubscribe", kwargs={"token": unsubscribe_token(to, mailbox=mailbox)}))
    # Short whatever the address; a SITE_URL too long for the column costs the header, never the email.
    header_link = link if len(link) <= UNSUBSCRIBE_URL_MAX_LENGTH else ""
    footer = f"\n\n--\nYou get this because {why}. To get no more emails from our comments, open this link: {link}\n"
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


# Alerts to moderators ------------------------------------------------------------------------------------


def alert_subscription_save(*, subscription: AlertSubscription) -> AlertSubscription:
    """Store an editor's subscription (made or changed), its webhook address checked as the sender will; the
    field of the channel it does not use is cleared."""
    if subscription.channel == AlertSubscription.Channel.WEBHOOK:
        subscription.email = ""
    else:
        subscription.url = ""
    subscription.full_clean(exclude=["editor", "events", "secret", "url"])
    if subscription.channel == AlertSubscription.Channel.WEBHOOK:
        try:
            webhooks.check_url(subscription.url)
        except webhooks.UnsafeURL as exc:
            raise ValidationError({"url": str(exc)}) from None
    unknown = set(subscription.events) - set(AlertEvent.values)
    if unknown or not subscription.events:
        raise ValidationError({"events": "Choose one or more events."})
    with transaction.atomic():
        subscription.save()
        # Again once it commits: a post that read the list between the save and the commit cached the old one.
        transaction.on_commit(forget_alert_subscriptions)
    forget_alert_subscriptions()
    return subscription


def alert_subscription_delete(*, subscription: AlertSubscription) -> None:
    """Delete it; its deliveries stay in the log under its name, and those still waiting are given up."""
    with transaction.atomic():
        deliveries = AlertDelivery.objects.filter(subscription=subscription)
        deliveries.filter(subscription_name="").update(subscription_name=subscription.name[:200])
        deliveries.filter(sent_at__isnull=True, given_up_at__isnull=True, email__isnull=True).update(
            given_up_at=timezone.now(), claimed_until=None, last_error="The subscription was deleted."
        )
        subscription.delete()
    forget_alert_subscriptions()


def alert_subscription_renew_secret(*, subscription: AlertSubscription) -> str:
    """A new signing secret (the old one stops verifying at once); returned to be shown once."""
    secret = new_secret()
    AlertSubscription.objects.filter(pk=subscription.pk).update(secret=secret)
    subscription.secret = secret
    return secret


def alert_subscription_pause(*, subscription: AlertSubscription, reason: str) -> None:
    """Stop sending to a failing webhook and tell the editor who made it (by email, and in the admin)."""
    now = timezone.now()
    with transaction.atomic():
        AlertSubscription.objects.filter(pk=subscription.pk).update(paused_at=now, paused_reason=reason[:300])
        editor = subscription.editor
        if editor.email:
            link = absolute_url(reverse("admin:outbox_alertsubscription_change", args=[subscription.pk]))
            email_queue(
                to=editor.email, mailbox="", kind=OutboundEmail.Kind.ALERT_PAUSED,
                # Named by its label or host and id, never its URL: a hook's path is often its credential, and
                # moderators read the outbox.
                subject=f"Alerts to {subscription.name} are paused",
                body=(
                    f"The site stopped sending moderator alerts to {subscription.name}.\n\n{reason}\n\n"
                    f"Alerts wait until it is resumed. Once the endpoint works again, resume it here (select it, "
                    f"then the action “Resume”): {link}\n"
                ),
                why="you made this alert subscription",
            )  # fmt: skip
        transaction.on_commit(forget_alert_subscriptions)


def alert_subscription_resume(*, subscription: AlertSubscription) -> bool:
    """Send to a paused webhook again, starting with the alerts that waited; False if it was not paused."""
    with transaction.atomic():
        resumed = AlertSubscription.objects.filter(pk=subscription.pk, paused_at__isnull=False).update(
            paused_at=None, paused_reason="", failures=0, retry_at=None
        )
        if resumed:
            AlertDelivery.objects.filter(
                subscription=subscription, sent_at__isnull=True, given_up_at__isnull=True
            ).update(send_after=timezone.now())
            transaction.on_commit(forget_alert_subscriptions)
            transaction.on_commit(tasks.deliver_soon, robust=True)
    return bool(resumed)


def alert_raise(
    *,
    event: str,
    subscription_ids: list[int],
    payload: dict[str, Any],
    subject: str,
    text: str,
    key: str = "",
    once_per: dt.timedelta | None = None,
) -> list[AlertDelivery]:
    """Record an alert for each subscription, in the caller's transaction: a webhook delivery, or an email.
    Sent once that transaction commits. ``once_per``: not to a subscription alerted of this ``event`` and
    ``key`` that recently (its row is locked first, so two alerts racing to be first make one)."""
    if not subscription_ids:
        return []
    now = timezone.now()
    made: list[AlertDelivery] = []
    webhook = False
    with transaction.atomic():
        live = AlertSubscription.objects.filter(pk__in=subscription_ids, is_active=True, paused_at__isnull=True)
        if once_per is not None:
            # Locked first, then looked up in a statement of its own: the second of two racing alerts waits
            # here, then sees the first's delivery.
            live = live.select_for_update(of=("self",))
        subscriptions = list(live.select_related("editor").order_by("pk"))
        if once_per is not None:
            recent = set(
                AlertDelivery.objects.filter(
                    subscription__in=subscriptions, event=event, key=key, created_at__gte=now - once_per
                ).values_list("subscription_id", flat=True)
            )
            subscriptions = [s for s in subscriptions if s.pk not in recent]
        for subscription in subscriptions:
            delivery = AlertDelivery(
                subscription=subscription, subscription_name=subscription.name[:200], event=event, key=key,
                payload=payload, created_at=now, send_after=now,
            )  # fmt: skip
            if subscription.channel == AlertSubscription.Channel.EMAIL:
                delivery.send_after = None
                delivery.email = email_queue(
                    to=subscription.email, mailbox="", kind=OutboundEmail.Kind.ALERT, subject=subject,
                    body=_alert_email_body(text, subscription),
                    why=f"{subscription.editor.get_username()} subscribed this address to moderator alerts",
                )  # fmt: skip
                if delivery.email is None:
                    delivery.given_up_at, delivery.last_error = now, "The address asked for no more emails."
            else:
                webhook = True
            delivery.save()
            made.append(delivery)
        if webhook:
            transaction.on_commit(tasks.deliver_soon, robust=True)
    return made


def _alert_email_body(text: str, subscription: AlertSubscription) -> str:
    link = absolute_url(reverse("admin:outbox_alertsubscription_change", args=[subscription.pk]))
    return f"{text}\n\nChange or stop these alerts (an editor can): {link}"


def alert_subscriptions_lock(*, subscription_ids: list[int]) -> None:
    """Hold these subscriptions' rows until the caller's transaction ends, so that what it counts next (a
    story's held comments) includes whatever a transaction that held them before committed. Without it, two
    comments crossing a threshold at once each count only themselves, and neither alerts."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("alert_subscriptions_lock needs the caller's transaction.")
    list(
        AlertSubscription.objects.select_for_update()
        .filter(pk__in=subscription_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def alert_episode_open(*, subscription_ids: list[int], now: dt.datetime) -> list[int]:
    """Of these subscriptions, those with no waiting episode open, marked open now: the ones to alert.
    Locked, so that two checks at once alert once."""
    with transaction.atomic():
        fresh = list(
            AlertSubscription.objects.select_for_update()
            .filter(pk__in=subscription_ids, waiting_alerted_at__isnull=True)
            .values_list("pk", flat=True)
        )
        AlertSubscription.objects.filter(pk__in=fresh).update(waiting_alerted_at=now)
    return fresh


def alert_episode_close(*, subscription_ids: list[int]) -> int:
    """The queue is back under these subscriptions' thresholds: their next long wait is a new episode."""
    return AlertSubscription.objects.filter(pk__in=subscription_ids, waiting_alerted_at__isnull=False).update(
        waiting_alerted_at=None
    )
