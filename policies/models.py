from __future__ import annotations

from django.db import models
from django.db.models import Q


class ModerationPolicy(models.Model):
    """The comment policy as data: what readers are told is what the filter enforces."""

    class Mode(models.TextChoices):
        AUTO = "auto", "Automatic: publish, hold or reject by the checks"
        HOLD_ALL = "hold_all", "Hold every comment for review"
        PUBLISH_ALL = "publish_all", "Publish everything (no filtering)"

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
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.AUTO)
    abuse_hold = models.FloatField(default=0.5, help_text="Abuse score at which a comment is held (0-1).")
    abuse_reject = models.FloatField(default=0.9, help_text="Abuse score at which a comment is rejected (0-1).")
    model_hold = models.FloatField(
        default=0.61, help_text="The learned model's abuse probability at which a comment is held (0-1)."
    )
    model_reject = models.FloatField(
        default=0.96, help_text="The learned model's abuse probability at which a comment is rejected (0-1)."
    )
    class TopicAction(models.TextChoices):
        HOLD = "hold", "Hold it for review"
        FLAG = "flag", "Publish it and flag it for moderators"

    off_topic_hold = models.FloatField(
        default=0.5,
        help_text="Calibrated chance that a comment is off-topic (0-1) at which it is held or flagged. "
        "Off-topic alone never rejects.",
    )
    off_topic_action = models.CharField(
        max_length=8, choices=TopicAction.choices, default=TopicAction.HOLD,
        help_text="What happens to a likely off-topic comment.",
    )  # fmt: skip
    spam_hold = models.FloatField(default=0.5)
    spam_reject = models.FloatField(default=0.9)
    shouting_hold = models.FloatField(default=0.8)
    max_links = models.PositiveSmallIntegerField(default=2, help_text="More links than this and a comment is held.")
    blocked_words = models.TextField(blank=True, help_text="Extra words to treat as profanity, one per line.")
    allowed_words = models.TextField(blank=True, help_text="Words never to flag, one per line.")
    hold_first_comments = models.PositiveSmallIntegerField(
        default=0, help_text="Hold a new commenter's first N comments for review (0 = off; Coral uses 2)."
    )
    premoderate_rejected_share = models.FloatField(
        default=0.3,
        help_text="Pre-moderate a commenter when this share of their last week's comments (3 or more) "
        "was not published (0-1; 0: never).",
    )
    auto_close_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="Close a story's comments this many days after it was published (0: never). A story may override it.",
    )
    duplicate_window_minutes = models.PositiveSmallIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "moderation policies"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name
