from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from articles.models import Article
from policies.models import ModerationPolicy


class JobState(models.TextChoices):
    """Where a background job is: a lab run, or a simulation run written to the database."""

    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


_Job = TypeVar("_Job", bound=models.Model)


class JobQuerySet(models.QuerySet[_Job]):
    def interrupted(self, *, before: dt.datetime) -> JobQuerySet[_Job]:
        """Jobs still "running" whose last sign of life is older than ``before``: their worker stopped.
        And jobs "waiting" since before then that were never handed to the queue (no task): the process
        that stored them stopped between its commit and the enqueue.

        A job writes its heartbeat each time it writes its progress (every few seconds); one from
        before heartbeats existed counts from when it was created."""
        running = Q(state=JobState.RUNNING) & (
            Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, created_at__lt=before)
        )
        never_queued = Q(state=JobState.QUEUED, task_id="", created_at__lt=before)
        return self.filter(running | never_queued)


class Job(models.Model):
    """What every background job keeps on its own row, for its page to read: how far it got, its last sign of
    life (``JobQuerySet.interrupted``), why it failed, when it ended, and the task that runs it."""

    progress = models.FloatField(default=0.0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, help_text="The task that runs it in the background")

    class Meta:
        abstract = True


class SimulationRun(Job):
    """One run of the simulator: its parameters and the report it produced.

    ``manage.py simulate`` fills it in one transaction (it is seen only once done); with ``--background``
    the worker runs it as a task, and its state, progress and heartbeat show how far it got."""

    State = JobState

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    report = models.JSONField(default=dict)
    # Done unless said otherwise: the synchronous command writes a run whole, in one transaction; the
    # background path creates it queued.
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.DONE)

    objects = JobQuerySet["SimulationRun"].as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class LabRun(Job):
    """One comparison in the policy lab: a draft against the live policy on one stream, run in the background."""

    class Stream(models.TextChoices):
        GENERATED = "generated", "Generated traffic for an article"
        REPLAY = "replay", "A replay file (uploaded)"
        REAL = "real", "The last N real comments of an article"

    State = JobState

    draft = models.ForeignKey(ModerationPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    live_name = models.CharField(max_length=50)
    draft_name = models.CharField(max_length=50)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    stream = models.CharField(max_length=10, choices=Stream.choices)
    parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JobQuerySet["LabRun"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.draft_name} vs {self.live_name} ({self.get_stream_display()})"
