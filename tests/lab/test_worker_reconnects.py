"""The worker outlives a dropped database connection, and the task it was running is not lost.

Found by an outside attack: with PostgreSQL's connections terminated every 50 ms, ``manage.py worker`` exited
with ``OperationalError: the connection is closed`` while it ran ``outbox.tasks.send_due`` (django-tasks-db's
worker records a task's end on the dropped connection, and that error ends its loop), and nothing started it
again: emails and lab runs stopped, silently.

These run the worker in this process, on the test database (``tests/lab/test_worker.py`` runs it as a process
of its own): on PostgreSQL the connection is really terminated; on either database, a patched record of the
task's end fails as it does on a dropped connection.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from factories import DATABASE_TASKS
from lab import runs
from lab import tasks as lab_tasks
from lab.models import JobState, LabRun, SimulationRun
from outbox import sending
from outbox import tasks as outbox_tasks
from outbox.models import OutboundEmail
from outbox.services import email_queue
from policies.models import ModerationPolicy

if TYPE_CHECKING:
    from django_tasks import task
else:
    try:  # Django 6.0
        from django.tasks import task
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task

pytestmark = pytest.mark.django_db(transaction=True)

CALLS: list[str] = []


@task()
def steady() -> str:
    CALLS.append("steady")
    return "ran"


@pytest.fixture
def queue(settings, monkeypatch):
    """Tasks stored in the database for the worker (not run where they are enqueued), and a quick reconnect;
    the worker's signal handlers are this process's again afterwards."""
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr("lab.management.commands.worker.RECONNECT_AFTER", 0.01)
    CALLS.clear()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture(params=["patched", "terminated"])
def dropped(request):
    """The first round of emails loses the database mid-round, and its end cannot be recorded: on PostgreSQL
    its connection is terminated; on either database, recording the end fails as on a dropped connection."""
    if request.param == "terminated" and connection.vendor != "postgresql":
        pytest.skip("terminating a connection is PostgreSQL's (pg_terminate_backend)")
    send_due, set_failed = sending.send_due, DBTaskResult.set_failed
    rounds: list[int] = []

    def drops_first(**kwargs):
        CALLS.append("send_due")
        rounds.append(1)
        if len(rounds) == 1:
            if request.param == "terminated":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            raise OperationalError("the connection is closed")
        return send_due(**kwargs)

    def fails_on_the_dropped_connection(self, exc):
        if request.param == "patched" and len(rounds) == 1 and not getattr(self, "_dropped", False):
            raise OperationalError("the connection is closed")
        return set_failed(self, exc)

    with (
        mock.patch("outbox.sending.send_due", drops_first),
        mock.patch.object(DBTaskResult, "set_failed", fails_on_the_dropped_connection),
    ):
        yield request.param


def an_email() -> OutboundEmail:
    email = email_queue(to="amina@example.com", mailbox="amina@example.com", kind="reply", subject="A reply",
                        body="Ben replied.")  # fmt: skip
    assert email is not None
    return email


def test_the_worker_goes_on_after_losing_the_database_and_runs_the_task_it_lost_again(queue, dropped, caplog):
    email = an_email()  # its round of emails is enqueued as it is stored
    steady.enqueue()
    with caplog.at_level(logging.WARNING, logger="lab"):
        # The round cut short, the same round again, steady, and the round the worker enqueues as it starts.
        call_command("worker", "--max-tasks", "4", "--interval", "0", verbosity=0)
    assert CALLS == ["send_due", "send_due", "steady", "send_due"]
    assert [m.to for m in mail.outbox] == [["amina@example.com"]]
    email.refresh_from_db()
    assert email.sent_at is not None
    ran = DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True)
    assert sorted(path.rsplit(".", 1)[1] for path in ran) == ["send_due", "send_due", "steady"]
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "FAILED"]).exists()
    lost = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Lost the database")]
    assert len(lost) == 1 and "the worker looks again" in lost[0]


def test_after_losing_the_database_a_round_waits_for_the_claims_the_lost_round_left(queue, dropped):
    """Found by a second attack: emails a round cut short had claimed stayed unsent on a quiet site, since the
    round run again passes claimed emails by. The worker enqueues a round for when those claims lapse."""
    an_email()
    before = timezone.now()
    call_command("worker", "--max-tasks", "2", "--interval", "0", verbosity=0)
    waiting = DBTaskResult.objects.filter(status="READY", task_path__endswith="send_due", run_after__isnull=False)
    lapse = before + sending.CLAIM_FOR
    rounds = waiting.filter(run_after__gte=lapse, run_after__lt=lapse + dt.timedelta(minutes=1))
    assert rounds.count() == 2  # one at start-up, one after the loss


def test_a_batch_exits_with_an_error_and_leaves_the_task_it_lost_to_run_again(queue, dropped):
    email = an_email()
    with pytest.raises(CommandError, match="Lost the database"):
        call_command("worker", "--batch", verbosity=0)
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "FAILED"]).exists()  # back in the queue
    assert mail.outbox == []
    call_command("worker", "--batch", verbosity=0)
    email.refresh_from_db()
    assert email.sent_at is not None and len(mail.outbox) == 1


def test_a_task_cut_short_runs_again_only_where_that_is_safe(queue):
    """A round of emails or a lab run starts over; a simulation (which posts as it goes) is marked interrupted,
    and so is a task cut short again and again; another worker's tasks are not this one's to touch."""
    run = SimulationRun.objects.create(label="Doha", state=JobState.RUNNING)
    simulation = DBTaskResult.objects.get(id=lab_tasks.simulation_run.enqueue(run.pk, []).id)
    SimulationRun.objects.filter(pk=run.pk).update(task_id=str(simulation.id))
    draft = ModerationPolicy.objects.create(name="stricter", mode="hold_all")
    lab = LabRun.objects.create(draft=draft, draft_name="stricter", live_name="default", state=JobState.RUNNING,
                                progress=0.4, heartbeat_at=timezone.now())  # fmt: skip
    comparison = DBTaskResult.objects.get(id=lab_tasks.lab_run.enqueue(lab.pk).id)
    LabRun.objects.filter(pk=lab.pk).update(task_id=str(comparison.id))
    emails = DBTaskResult.objects.get(id=outbox_tasks.send_due.enqueue().id)
    again_and_again = DBTaskResult.objects.get(id=lab_tasks.retrain.enqueue([]).id)
    others = DBTaskResult.objects.get(id=outbox_tasks.send_due.enqueue().id)
    for row in (simulation, comparison, emails):
        row.claim("w1")
    for worker in ("w0", "w2", "w1"):
        again_and_again.claim(worker)
    others.claim("w2")
    assert runs.tasks_cut_short(worker_id="w1") == (2, 2)
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert [status[r.id] for r in (emails, comparison, simulation, again_and_again, others)] == [
        "READY", "READY", "FAILED", "FAILED", "RUNNING",
    ]  # fmt: skip
    run.refresh_from_db()
    assert run.state == JobState.FAILED and run.error == runs.INTERRUPTED
    lab.refresh_from_db()
    assert lab.state == JobState.QUEUED and lab.progress == 0  # it waits for its turn again
