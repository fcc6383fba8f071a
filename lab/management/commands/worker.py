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
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lab.runs import jobs_mark_interrupted
from outbox import tasks as outbox_tasks
from outbox.sending import CLAIM_FOR


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
        try:
            marked = jobs_mark_interrupted(tasks=True)
            # Emails a stopped worker left unsent: due now, or claimed by it until its claim lapses.
            outbox_tasks.send_soon()
            outbox_tasks.send_later(at=timezone.now() + CLAIM_FOR)
        except KeyboardInterrupt:
            return
        if marked and verbosity > 0:
            self.stdout.write(f"Marked {marked} interrupted job{'s' if marked != 1 else ''} failed.")
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
        }
        if options["worker_id"]:
            worker["worker_id"] = options["worker_id"]
        call_command("db_worker", **worker)


def stop_with_parent() -> None:
    """Send this process SIGTERM once its parent has ended (it is then adopted by another): the worker
    finishes its task and exits, rather than living on, orphaned, after ``dev.py``'s server stopped."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
