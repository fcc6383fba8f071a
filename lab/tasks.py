"""The lab's background work as tasks: lab runs, simulations written to the database, retraining.

Why this engine: Django's task framework (``django.tasks`` from Django 6.0; on 5.2 its backport
``django-tasks``) with the database backend of ``django-tasks-db`` and its worker.

- It needs nothing beyond the site's own database: SQLite on one machine (a worker claims a task in
  an exclusive transaction), PostgreSQL across several (each worker claims a row with
  ``SELECT … FOR UPDATE SKIP LOCKED``, so two never run one task). No broker to run, watch or lose.
- A task is a row of that database, so it can be written in the same transaction as what it tells
  of and is as durable as the rest. We enqueue once that transaction has committed
  (``transaction.on_commit``): a worker never picks up a task whose job it cannot read yet, a request
  rolled back leaves no task behind, and the immediate backend of the tests runs a task where a
  worker would, after the commit.
- It is the API Django itself ships from 6.0: these tasks move to ``django.tasks`` by an import.

Each job keeps its own row as the record a page reads (``LabRun``, ``SimulationRun``, an email's
``OutboundEmail`` in ``outbox/tasks.py``); a task row only says what to run next and whether it ran.
``manage.py worker`` runs them. A job that fails writes why on its row, and its task fails too.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.core.management import call_command
from django.db import transaction

if TYPE_CHECKING:
    from django_tasks import task
else:
    try:  # Django 6.0 ships the framework, and django-tasks-db then runs Django's own tasks
        from django.tasks import task
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task

from lab import runs
from lab.models import JobState, LabRun, SimulationRun


@task()
def lab_run(run_id: int) -> str:
    """A draft against the live policy (``runs.run``): progress and result on the ``LabRun``."""
    lab = runs.run(run_id)
    if lab.state == JobState.FAILED:
        raise runs.JobFailed(lab.error)
    return str(lab.state)


@task()
def simulation_run(run_id: int, argv: list[str]) -> str:
    """``manage.py simulate ARGV`` into the queued ``SimulationRun``; returns what it printed."""
    return runs.simulation_run(run_id, argv)


@task()
def retrain(argv: list[str]) -> str:
    """``manage.py train_filter ARGV``, queued by its ``--background``; returns what it printed (the
    figures). No row of ours records it: the task's own row does (status, output, traceback)."""
    out = io.StringIO()
    call_command("train_filter", *argv, stdout=out)
    return out.getvalue()


def simulation_start(*, run_id: int, argv: list[str]) -> None:
    """Enqueue a queued simulation run (once it is stored) and note its task on it."""
    result = simulation_run.enqueue(run_id, argv)
    SimulationRun.objects.filter(pk=run_id).update(task_id=result.id)


def lab_run_start(run: LabRun) -> None:
    """Enqueue the run's task once the run is stored: the request returns at once, the worker runs it."""

    def enqueue() -> None:
        result = lab_run.enqueue(run.pk)
        LabRun.objects.filter(pk=run.pk).update(task_id=result.id)

    transaction.on_commit(enqueue)
