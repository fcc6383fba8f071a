"""Run the site's background work: ``manage.py worker [--batch] [--interval 1]``.

Why: lab runs, simulations written to the database, readers' emails and retraining are tasks stored in
the site's own database (``lab/tasks.py`` says why that engine); this process runs them, one at a time.
Start one beside the web server (``dev.py serve`` and ``dev.py prod`` do), or several, on several
machines, against one PostgreSQL.

Before its first task it marks failed the jobs a stopped worker left "running" (their heartbeat
stopped: ``lab.runs.jobs_mark_interrupted``), so none stays "running" forever, and enqueues a round of
emails for any a stopped worker left unsent. Then it is django-tasks-db's worker (``db_worker``):
SIGTERM or Ctrl+C lets the current task finish, a second one stops it at once; ``--batch`` runs what
is due and exits. It does not reload on code changes (that would cut a task short): restart it.

It outlives its database connection: a restart or a fail-over of PostgreSQL (a dropped connection raises
``OperationalError`` or ``InterfaceError`` out of ``db_worker``'s loop) once stopped it for good, and with it
every email and lab run, silently (``dev.py prod`` starts it once). It now closes its connections, says so in
one line, waits a moment and goes on; the task it was running, whose end could not be recorded, is put back in
the queue or marked interrupted (``lab.runs.tasks_cut_short``). ``--batch`` exits non-zero instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

if TYPE_CHECKING:
    from django_tasks.signals import task_started
else:
    try:  # Django 6.0 ships the framework, and django-tasks-db then sends Django's own signals
        from django.tasks.signals import task_started
    except ImportError:  # Django 5.2: the backport
        from django_tasks.signals import task_started

from lab.runs import jobs_mark_interrupted, tasks_cut_short
from outbox import tasks as outbox_tasks
from outbox.sending import CLAIM_FOR

logger = logging.getLogger(__name__)

# Seconds to wait after losing the database before looking again: a restart or a fail-over takes a moment.
RECONNECT_AFTER = 2.0


class Command(BaseCommand):
    help = "Run background tasks (lab runs, simulations, emails, retraining); first mark interrupted jobs failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="run the tasks that are due, then exit")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks when no task waits (default 1)"
        )
        parser.add_argument("--queue-name", default="default", help="queues to run, comma-separated; '*' for all")
        parser.add_argument("--max-tasks", type=int, help="exit after this many tasks")
        parser.add_argument("--worker-id", help="a name unique among the workers (default: a random one)")
        parser.add_argument(
            "--with-parent", action="store_true",
            help="stop (as on SIGTERM) when the process that started this one ends: dev.py's server",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["interval"] < 0 or (options["max_tasks"] is not None and options["max_tasks"] < 1):
            raise CommandError("--interval must be 0 or more and --max-tasks at least 1.")
        if options["with_parent"]:
            stop_with_parent()
        verbosity = int(options["verbosity"])
        # Named once for all its runs of db_worker: the rows it claimed are found by it after a lost connection.
        worker_id = options["worker_id"] or get_random_string(32)
        worker: dict[str, Any] = {
            "batch": options["batch"],
            "interval": options["interval"],
            "queue_name": options["queue_name"],
            "max_tasks": options["max_tasks"],
            # The random pause that spreads workers started together is no use to a batch.
            "startup_delay": not options["batch"],
            "reload": False,
            "verbosity": verbosity,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "worker_id": worker_id,
        }
        started = 0

        def count(**kwargs: Any) -> None:
            nonlocal started
            started += 1

        task_started.connect(count, weak=False)
        prepared = cut_short = False
        try:
            while True:
                try:
                    if not prepared:
                        self.prepare(verbosity)
                        prepared = True
                    if cut_short:
                        tasks_cut_short(worker_id=worker_id)
                        # A round of emails cut short left its emails claimed until the claim lapses: the round
                        # run again now passes them by, so another waits for the lapse (as at start-up).
                        outbox_tasks.send_later(at=timezone.now() + CLAIM_FOR)
                        cut_short = False
                    if options["max_tasks"] is not None:
                        if started >= options["max_tasks"]:
                            return
                        worker["max_tasks"] = options["max_tasks"] - started
                    call_command("db_worker", **worker)
                    return
                except (OperationalError, InterfaceError) as exc:
                    connections.close_all()
                    if options["batch"]:
                        with contextlib.suppress(OperationalError, InterfaceError):
                            tasks_cut_short(worker_id=worker_id)  # if the database is back already
                        raise CommandError(f"Lost the database; tasks may be left to run: {_one_line(exc)}") from exc
                    logger.warning(
                        "Lost the database (%s); the worker looks again in %g s.", _one_line(exc), RECONNECT_AFTER
                    )
                    time.sleep(RECONNECT_AFTER)
                    cut_short = cut_short or prepared
                    worker["startup_delay"] = False
        except KeyboardInterrupt:
            return
        finally:
            task_started.disconnect(count)

    def prepare(self, verbosity: int) -> None:
        """Before the first task: mark failed the jobs a stopped worker left "running", and enqueue a round of
        the emails it left unsent (due now, or claimed by it until its claim lapses)."""
        marked = jobs_mark_interrupted(tasks=True)
        outbox_tasks.send_soon()
        outbox_tasks.send_later(at=timezone.now() + CLAIM_FOR)
        if marked and verbosity > 0:
            self.stdout.write(f"Marked {marked} interrupted job{'s' if marked != 1 else ''} failed.")


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{exc.__class__.__name__}: {exc}".split())[:300]


def stop_with_parent() -> None:
    """Send this process SIGTERM once its parent has ended (it is then adopted by another): the worker
    finishes its task and exits, rather than living on, orphaned, after ``dev.py``'s server stopped."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
