"""Readers' emails as tasks: handed to the worker when their transaction commits, tried again at their backoff."""

import datetime as dt
from types import SimpleNamespace
from unittest import mock

import pytest
from django.utils import timezone

from comments.services import comment_approve
from factories import DATABASE_TASKS, make_seed_article
from outbox import sending, tasks
from outbox.models import OutboundEmail
from outbox.sending import RETRY_AFTER
from tests.conftest import free_port
from tests.outbox.test_notifications import held

pytestmark = pytest.mark.django_db


def waiting_rounds():
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(task_path="outbox.tasks.send_due", status="READY"))


def test_an_email_is_handed_to_the_worker_when_what_it_tells_of_commits(settings, admin_user,
                                                                        django_capture_on_commit_callbacks):  # fmt: skip
    comment = held(make_seed_article())  # (its address's confirmation sent at once)
    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=comment, actor=admin_user)
        assert OutboundEmail.objects.filter(kind="decision").exists() and not waiting_rounds()
    assert len(waiting_rounds()) == 1


def test_the_immediate_backend_sends_at_the_commit(smtp, admin_user, django_capture_on_commit_callbacks):
    comment = held(make_seed_article())
    with django_capture_on_commit_callbacks(execute=True):
        comment_approve(comment=comment, actor=admin_user)
        assert smtp.messages == []
    assert len(smtp.news()) == 1 and OutboundEmail.objects.get(kind="decision").sent_at is not None


def test_a_failed_round_enqueues_the_next_try_at_the_backoff(settings, admin_user):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # the mail server is down
    article = make_seed_article()
    comments = [held(article) for _ in range(3)]  # (their addresses' confirmations queued at once)
    settings.TASKS = DATABASE_TASKS
    for comment in comments:
        comment_approve(comment=comment, actor=admin_user)
    count = OutboundEmail.objects.count()  # a decision and a request to confirm the address, for each
    # The sender reads a clock the test holds still: the backoff is exact however slow the machine is.
    now = timezone.now()
    with mock.patch.object(sending, "timezone", SimpleNamespace(now=lambda: now)):
        assert tasks.send_due.call() == {"sent": 0, "failed": count, "given_up": 0}
    emails = list(OutboundEmail.objects.all())
    assert all(e.attempts == 1 for e in emails)
    (retry,) = waiting_rounds()  # one round for them all, at the latest of their next tries
    assert retry.run_after == max(e.send_after for e in emails)
    assert retry.run_after == now + RETRY_AFTER[0]


def test_the_immediate_backend_cannot_wait_so_the_row_keeps_the_next_try():
    assert tasks.send_later(at=timezone.now() + dt.timedelta(minutes=1)) is False


def test_next_tries_close_together_share_a_round():
    t = timezone.now()
    times = [t, t + dt.timedelta(seconds=30), t + dt.timedelta(minutes=30), t + dt.timedelta(minutes=30, seconds=1)]
    assert tasks.retry_rounds(times) == [t + dt.timedelta(seconds=30), t + dt.timedelta(minutes=30, seconds=1)]
    assert tasks.retry_rounds([]) == []
