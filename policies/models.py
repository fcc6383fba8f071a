from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from moderation.policy import SETTINGS, Kind


def setting_field(name: str, **options: Any) -> models.Field[Any, Any]:
    """The column for one of a policy's settings, made from its declaration in moderation.policy.SETTINGS.

    ``options`` are what only the database needs to know, such as the width of a choice's column."""
    setting = SETTINGS[name]
    match setting.kind:
        case Kind.CHANCE:
            return models.FloatField(default=setting.default, help_text=setting.help, **options)
        case Kind.COUNT:
            return models.PositiveSmallIntegerField(default=setting.default, help_text=setting.help, **options)
        case Kind.CHOICE:
            # Plain strings, not the core's enum: a migration copies the default and the choices. The column
            # is wide enough for the longest value, and never narrower than 12, so a new value rarely widens it.
            width = max(12, *(len(value) for value, _label in setting.choices))
            return models.CharField(
                max_length=width, default=str(setting.default), choices=list(setting.choices), help_text=setting.help,
                **options,
            )  # fmt: skip
        case Kind.WORDS:
            # Stored as text, one word a line, as the admin edits it; blank is the empty list.
            return models.TextField(blank=True, help_text=setting.help, **options)


class ModerationPolicy(models.Model):
    """The comment policy as data: what readers are told is what the filter enforces."""

    name = models.SlugField(max_length=50, unique=True)
    is_active = models.BooleanField(
        default=False, help_text="The policy the site uses (only one). Others are drafts: editing them changes nothing."
    )
    is_shadow = models.BooleanField(
        default=False,
        help_text="A draft that judges every real comment beside the live policy (which alone decides), "
        "so the lab can show where they differ. Only one.",
    )
    summary = models.TextField(
        default="Comments are moderated and generally will be posted if they are on-topic and not abusive."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "moderation policies"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name


# The settings a newsroom edits, each declared once in moderation.policy (its kind, default, help and group):
# one column each, added here, so a new setting needs only its declaration and a migration.
for _name in SETTINGS:
    ModerationPolicy.add_to_class(_name, setting_field(_name))


class LearnedModelQuerySet(models.QuerySet["LearnedModel"]):
    def live(self) -> LearnedModelQuerySet:
        return self.filter(state=LearnedModel.State.LIVE)

    def shadow(self) -> LearnedModelQuerySet:
        return self.filter(state=LearnedModel.State.SHADOW)

    def usable(self) -> LearnedModelQuerySet:
        """Models with a file that may be shadowed or made live: trained, and not failed."""
        return self.exclude(state__in=[LearnedModel.State.TRAINING, LearnedModel.State.FAILED])


class LearnedModel(models.Model):
    """One learned abuse model file (``moderation.model``) and where it stands: being trained, a candidate, judging
    beside the live model (shadow), live, retired, or failed to train. The file holds the model card (its
    metadata: training data and figures), copied here for the pages; the file is the model, the row its story.

    The shipped model (``settings.MODERATION_MODEL``) is live while no row is: it gets a row of its own, retired,
    when a trained model first replaces it, so that a roll-back can return to it."""

    class State(models.TextChoices):
        TRAINING = "training", "Training"
        CANDIDATE = "candidate", "Candidate"
        SHADOW = "shadow", "Shadowing the live model"
        LIVE = "live", "Live"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Training failed"

    name = models.CharField(max_length=200)
    # Relative to the models folder (policies.selectors.models_folder), which every app server mounts, wherever
    # it mounts it. Blank for the shipped model: settings.MODERATION_MODEL, the file of whichever release runs.
    path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the file as trained: a changed file is refused.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.TRAINING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    trained_at = models.DateTimeField(null=True, blank=True)
    live_since = models.DateTimeField(null=True, blank=True)
    # The model that was live when this one was made live: what "Roll back" returns to.
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decisions = models.PositiveIntegerField(
        default=0, help_text="Moderator decisions the site had when it was trained (new ones are counted from here)."
    )
    card = models.JSONField(default=dict, blank=True, help_text="The model file's metadata: its data and figures.")
    comparison = models.JSONField(
        default=dict, blank=True, help_text="Against the live model on held-out moderator decisions."
    )
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    objects = LearnedModelQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two editors clicking at once still leave one live model, one shadow and one training.
            models.UniqueConstraint(fields=["state"], condition=Q(state="live"), name="one_live_model"),
            models.UniqueConstraint(fields=["state"], condition=Q(state="shadow"), name="one_shadow_model"),
            models.UniqueConstraint(fields=["state"], condition=Q(state="training"), name="one_model_training"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.path == ""


class ModelEvent(models.Model):
    """The audit of the learned models: who trained, shadowed, made live or rolled back which model, and when."""

    class Action(models.TextChoices):
        TRAIN = "train", "Training started"
        TRAINED = "trained", "Candidate trained"
        FAILED = "failed", "Training failed"
        SHADOW = "shadow", "Shadowing the live model"
        UNSHADOW = "unshadow", "Shadowing stopped"
        LIVE = "live", "Made live"
        ROLLBACK = "rollback", "Rolled back"

    model = models.ForeignKey(LearnedModel, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    action = models.CharField(max_length=12, choices=Action.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else "system"
        return f"{self.get_action_display()}: {self.model} by {who}"
