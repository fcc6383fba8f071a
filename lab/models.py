from __future__ import annotations

from django.conf import settings
from django.db import models

from articles.models import Article
from policies.models import ModerationPolicy


class SimulationRun(models.Model):
    """One run of the simulator: its parameters and the report it produced."""

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(max_length=200)
    parameters = models.JSONField(default=dict)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class LabRun(models.Model):
    """One comparison in the policy lab: a draft against the live policy on one stream, run in the background."""

    class Stream(models.TextChoices):
        GENERATED = "generated", "Generated traffic for an article"
        REPLAY = "replay", "A replay file (uploaded)"
        REAL = "real", "The last N real comments of an article"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(ModerationPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    live_name = models.CharField(max_length=50)
    draft_name = models.CharField(max_length=50)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)
    stream = models.CharField(max_length=10, choices=Stream.choices)
    parameters = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.draft_name} vs {self.live_name} ({self.get_stream_display()})"
