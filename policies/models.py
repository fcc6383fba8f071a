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
