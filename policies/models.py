from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

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
            # Plain strings, not the core's enum: a migration copies the default and the choices.
            return models.CharField(
                default=str(setting.default), choices=list(setting.choices), help_text=setting.help, **options
            )
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
    # The settings a newsroom edits, each declared once in moderation.policy (its kind, default and help).
    mode = setting_field("mode", max_length=12)
    abuse_hold = setting_field("abuse_hold")
    abuse_reject = setting_field("abuse_reject")
    model_hold = setting_field("model_hold")
    model_reject = setting_field("model_reject")
    off_topic_hold = setting_field("off_topic_hold")
    off_topic_action = setting_field("off_topic_action", max_length=8)
    spam_hold = setting_field("spam_hold")
    spam_reject = setting_field("spam_reject")
    shouting_hold = setting_field("shouting_hold")
    max_links = setting_field("max_links")
    blocked_words = setting_field("blocked_words")
    allowed_words = setting_field("allowed_words")
    hold_first_comments = setting_field("hold_first_comments")
    premoderate_rejected_share = setting_field("premoderate_rejected_share")
    auto_close_days = setting_field("auto_close_days")
    duplicate_window_minutes = setting_field("duplicate_window_minutes")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "moderation policies"
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name
