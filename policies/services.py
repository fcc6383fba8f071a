"""Writes for policies: making a draft live and choosing the shadow, each audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from commenters.models import ControlEvent
from policies.models import ModerationPolicy
from policies.selectors import (
    forget_active_policy,
)


class PolicyError(ValidationError):
    """A policy change refused, with a message for the editor."""


# The fields a policy's editor sets (all but its name and its bookkeeping), read from the model so a field
# added later is shown too: what a change of live policy shows, field by field.
POLICY_FIELDS = tuple(
    f.name
    for f in ModerationPolicy._meta.concrete_fields
    if f.name not in {"id", "name", "is_active", "is_shadow", "updated_at"}
)


def policy_difference(live: ModerationPolicy | None, draft: ModerationPolicy) -> list[tuple[str, Any, Any]]:
    """(field, live value, draft value) for each field the draft would change."""
    return [
        (name, getattr(live, name, None), getattr(draft, name))
        for name in POLICY_FIELDS
        if live is None or getattr(live, name) != getattr(draft, name)
    ]


def policy_activate(*, policy: ModerationPolicy, actor: User | None = None) -> ModerationPolicy:
    """Make this policy the live one (and no other), and have every worker read it afresh; audited with what
    changed."""
    with transaction.atomic():
        live = ModerationPolicy.objects.filter(is_active=True).exclude(pk=policy.pk).first()
        changes = policy_difference(live, policy)
        ModerationPolicy.objects.exclude(pk=policy.pk).filter(is_active=True).update(is_active=False)
        policy.is_active, policy.is_shadow = True, False
        policy.save(update_fields=["is_active", "is_shadow"])
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.POLICY_ACTIVATE,
            detail=f"{policy.name} made live (was {live.name if live else 'none'}): "
            + ("; ".join(f"{name} {old!r} -> {new!r}" for name, old, new in changes) or "no field changed"),
        )  # fmt: skip
    forget_active_policy()
    return policy


def policy_shadow(*, policy: ModerationPolicy | None, actor: User | None) -> None:
    """Let one draft judge every real comment beside the live policy (None: no shadow); audited."""
    with transaction.atomic():
        ModerationPolicy.objects.filter(is_shadow=True).update(is_shadow=False)
        if policy is not None:
            if policy.is_active:
                raise PolicyError("The live policy cannot shadow itself: choose a draft.")
            ModerationPolicy.objects.filter(pk=policy.pk).update(is_shadow=True)
        ControlEvent.objects.create(
            actor=actor, action=ControlEvent.Action.POLICY_SHADOW,
            detail=f"{policy.name} shadows the live policy" if policy else "no shadow policy",
        )  # fmt: skip
    forget_active_policy()
