"""The outbox's background work: sending readers' emails and moderators' alert webhooks, as tasks of Django's
task framework.

An email is a row written in the transaction of what it tells of (``services.email_queue``). Once that
transaction has committed, ``send_soon`` enqueues ``send_due``, which sends everything due: this email,
and any an earlier round left behind (a worker stopped mid-round, a lost enqueue). A failed send is
tried again at the same backoff as ever (``sending.RETRY_AFTER``): the round enqueues another with
``run_after`` at the failed emails' next try, so nothing polls the table. The ``OutboundEmail`` rows stay
the record of what was sent, tried and given up; the task rows only say when to look again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_tasks import task
else:
    try:  # Django 6.0 ships the framework, and django-tasks-db then runs Django's own tasks
        from django.tasks import task
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task

from outbox import sending, webhooks

logger = logging.getLogger(__name__)

# Failures of one round are tried again together when their next tries fall this close to each other.
RETRY_TOGETHER = dt.timedelta(minutes=1)


@task()
def send_due(limit: int = 100) -> dict[str, int]:
    """Send the emails that are due (``limit`` at most); enqueue the next try of those that failed."""
    result = sending.send_due(limit=limit)
    for at in retry_rounds(result.retry_at):
        send_later(at=at)
    if result.sent + result.failed + result.given_up >= limit:
        send_due.enqueue(limit)  # more may be due: another round, after whatever else waits
    return {"sent": result.sent, "failed": result.failed, "given_up": result.given_up}


def send_soon() -> None:
    """Enqueue a round now: called once a transaction that queued an email has committed."""
    send_due.enqueue()


def send_later(*, at: dt.datetime) -> bool:
    """Enqueue a round for ``at``; False where the backend cannot wait (the immediate one, in tests):
    the email's row keeps its next try, and the next round after it sends it."""
    if not send_due.get_backend().supports_defer:
        logger.info("The task backend cannot defer a task: the next try waits for the next round.")
        return False
    send_due.using(run_after=at).enqueue()
    return True


def retry_rounds(times: list[dt.datetime]) -> list[dt.datetime]:
    """One round for next tries that fall close together (a mail server down fails a whole round at
    once), at the latest of them, so each email still waits at least its own backoff."""
    rounds: list[dt.datetime] = []
    first: dt.datetime | None = None
    for at in sorted(times):
        if first is None or at - first > RETRY_TOGETHER:
            first = at
            rounds.append(at)
        else:
            rounds[-1] = at
    return rounds


@task()
def deliver_due(limit: int = 50) -> dict[str, int]:
    """Send the alert webhooks that are due; enqueue the next round at the earliest retry."""
    result = webhooks.send_due(limit=limit)
    for at in retry_rounds(result.retry_at):
        deliver_later(at=at)
    if result.more or result.sent + result.failed + result.given_up >= limit:
        deliver_due.enqueue(limit)  # more may be due: another round, whose claims start afresh
    return {"sent": result.sent, "failed": result.failed, "given_up": result.given_up, "paused": len(result.paused)}


def deliver_soon() -> None:
    """Enqueue a round of webhooks now: called once a transaction that raised an alert has committed."""
    deliver_due.enqueue()


def deliver_later(*, at: dt.datetime) -> bool:
    """Enqueue a round of webhooks for ``at``; False where the backend cannot wait (the deliveries keep their
    next try, and ``manage.py check_alerts`` or the next round sends them)."""
    if not deliver_due.get_backend().supports_defer:
        logger.info("The task backend cannot defer a task: the next webhook try waits for the next round.")
        return False
    deliver_due.using(run_after=at).enqueue()
    return True
