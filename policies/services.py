"""Writes for policies: making a draft live and choosing the shadow; training a learned model, comparing it with
the live one, shadowing it, making it live and rolling back. Each audited."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from commenters.models import ControlEvent
from moderation import Context, Mode, Policy, moderate
from moderation.model import AbuseModel, ModelError
from moderation.training import roc_auc
from newsroom import var
from policies.models import LearnedModel, ModelEvent, ModerationPolicy
from policies.selectors import (
    active_policy_record,
    decision_records,
    decisions_count,
    file_sha256,
    forget_active_policy,
    forget_model,
    model_file_path,
    model_status,
    models_folder,
    policy_from_record,
    record_status,
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


# --- Learned models: training a candidate, comparing, shadowing, making live, rolling back ----------------------


class ModelRefused(ValidationError):
    """A change of learned model refused, with a message for the editor; the live model is untouched."""


# Changed comments a comparison keeps, each way (the page shows them; the counts are complete).
CHANGES_KEPT = 200


def _event(model: LearnedModel, action: str, actor: User | None, detail: str) -> None:
    ModelEvent.objects.create(model=model, action=action, actor=actor, detail=detail)


def model_train_start(*, actor: User | None, name: str = "", data: Sequence[Path] = ()) -> LearnedModel:
    """Store a candidate being trained and enqueue its training (``policies.tasks.train_candidate``) once that
    has committed; audited. One model trains at a time: a second click is refused, never a second training."""
    from policies import tasks  # the task module imports this one

    now = timezone.now()
    name = (name.strip() or f"site-{now:%Y%m%d-%H%M%S}")[:200]
    filename = f"{slugify(name)[:80] or 'model'}-{now:%Y%m%d%H%M%S%f}.nrm"
    try:
        with transaction.atomic():
            running = LearnedModel.objects.select_for_update().filter(state=LearnedModel.State.TRAINING).first()
            if running is not None:
                raise ModelRefused(f"{running.name} is being trained already: wait for it to finish (or fail).")
            card = {"data": [var.stored(path) for path in data]}
            model = LearnedModel.objects.create(name=name, path=filename, created_by=actor, card=card)
            files = "".join(f", {Path(path).name}" for path in data)
            _event(model, ModelEvent.Action.TRAIN, actor, f"{name}: training started on the decisions{files}")
            transaction.on_commit(lambda: tasks.train_candidate_start(model.pk))
    except IntegrityError:  # another editor's click, at the same moment: one training, theirs
        raise ModelRefused("Another candidate is being trained already: wait for it to finish (or fail).") from None
    return model


def model_training_begins(*, model: LearnedModel) -> list[str]:
    """What the worker notes as it starts a candidate's training: how many moderator decisions there are (new
    ones are counted from here); returns the ``manage.py train_filter`` arguments: the decisions and the
    labelled files chosen for it, into its file in the models folder."""
    model.decisions = decisions_count(fresh=True)
    LearnedModel.objects.filter(pk=model.pk).update(decisions=model.decisions)
    folder = models_folder()
    folder.mkdir(parents=True, exist_ok=True)
    argv = [arg for path in model.card.get("data", []) for arg in ("--data", str(var.found(path)))]
    # The site's stage is learned on top of the model that judges now, not the one the settings name.
    live = model_status()
    argv += ["--base", live.path] if live.model is not None else []
    return [*argv, "--from-decisions", "--out", str(folder / model.path), "--name", model.name]


def _inspect(path: Path) -> tuple[str, dict[str, Any]]:
    """A model file's SHA-256 and card, refused (ModelRefused) if it is missing, unreadable or not a model."""
    try:
        sha256 = file_sha256(path)
        card = AbuseModel.load(path).metadata
    except OSError as exc:
        raise ModelRefused(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    except ModelError as exc:
        raise ModelRefused(f"{path} is not a usable model: {exc}.") from None
    return sha256, card


def model_trained(*, model: LearnedModel) -> LearnedModel:
    """A candidate's file is written: record its checksum and card, audited."""
    sha256, card = _inspect(model_file_path(model))
    with transaction.atomic():
        LearnedModel.objects.filter(pk=model.pk).update(
            state=LearnedModel.State.CANDIDATE, sha256=sha256, card={**card, "data": model.card.get("data", [])},
            trained_at=timezone.now(), error="",
        )  # fmt: skip
        model.refresh_from_db()
        _event(model, ModelEvent.Action.TRAINED, None, f"{model.name}: trained, {model.path} ({sha256[:12]})")
    return model


def model_training_failed(*, model: LearnedModel, error: str) -> None:
    """A training that failed says why on its row (the page shows it); audited. Its file, if any, is left out."""
    with transaction.atomic():
        updated = LearnedModel.objects.filter(pk=model.pk, state=LearnedModel.State.TRAINING).update(
            state=LearnedModel.State.FAILED, error=error[:4000], trained_at=timezone.now()
        )
        if updated:
            _event(model, ModelEvent.Action.FAILED, None, f"{model.name}: {error[:500]}")


def model_comparison_failed(*, model: LearnedModel, error: str) -> None:
    LearnedModel.objects.filter(pk=model.pk).update(comparison={"error": error[:4000]})


def model_compare_again(*, model: LearnedModel) -> None:
    """Compare a candidate again in the background, with the model live now."""
    from policies import tasks

    LearnedModel.objects.filter(pk=model.pk).update(comparison={"pending": True})
    transaction.on_commit(lambda: tasks.compare_candidate_start(model.pk))


def model_register(*, path: Path, actor: User | None, name: str = "") -> LearnedModel:
    """A model file trained by hand (``manage.py train_filter --out`` into the models folder) as a candidate."""
    folder = models_folder().resolve()
    resolved = path.resolve()
    if resolved.parent != folder:
        raise ModelRefused(f"{path} is not in the models folder ({folder}).")
    sha256, card = _inspect(resolved)
    with transaction.atomic():
        model = LearnedModel.objects.create(
            name=(name or str(card.get("name") or resolved.stem))[:200], path=resolved.name, sha256=sha256,
            state=LearnedModel.State.CANDIDATE, created_by=actor, trained_at=timezone.now(), card=card,
            decisions=decisions_count(),
        )  # fmt: skip
        _event(model, ModelEvent.Action.TRAINED, actor, f"{model.name}: {resolved.name} added as a candidate")
    return model


@dataclass(frozen=True)
class HeldOut:
    """One held-out moderator decision: a real comment, and whether the moderator found it abusive."""

    key: int
    text: str
    abusive: bool


def held_out_decisions() -> list[HeldOut]:
    """The site's moderator decisions kept out of training (the records of the test split): what a candidate is
    compared on, never having learned from them, nor the live model."""
    return [HeldOut(int(r.key), r.text, r.abusive) for r in decision_records() if r.split == "test"]


def compare_models(
    held_out: Sequence[HeldOut], *, live: AbuseModel | None, candidate: AbuseModel, policy: Policy
) -> dict[str, Any]:
    """The live and the candidate model on held-out decisions: each one's AUC, how often the filter agrees with
    the moderators, and the comments whose decision would change, each way. Judged on the text alone (no
    article, no author) under the live policy's settings in its automatic mode, so only the model differs."""
    policy = replace(policy, mode=Mode.AUTO)
    texts = [item.text for item in held_out]
    labels = [item.abusive for item in held_out]
    figures: dict[str, Any] = {"held_out": len(held_out), "abusive": sum(labels)}
    actions: dict[str, list[str]] = {}
    scores: dict[str, list[float]] = {}
    for side, model in (("live", live), ("candidate", candidate)):
        judged = replace(policy, model=model)
        actions[side] = [moderate(text, Context(), judged).action.value for text in texts]
        scores[side] = [float(s) for s in model.scores(texts)] if model is not None and texts else []
        auc = roc_auc(labels, scores[side]) if scores[side] else float("nan")
        figures[side] = {
            "auc": None if math.isnan(auc) else round(auc, 4),
            # A comment published that the moderator approved, or not published that they rejected as abusive.
            "agrees": sum((action == "publish") != label for action, label in zip(actions[side], labels, strict=True)),
        }
    published, held, other = [], [], 0
    for index, item in enumerate(held_out):
        before, after = actions["live"][index], actions["candidate"][index]
        if before == after:
            continue
        change = {
            "comment": item.key, "text": item.text[:500],
            "moderator": "rejected as abusive" if item.abusive else "approved",
            "live": before, "candidate": after,
            "live_score": round(scores["live"][index], 3) if scores["live"] else None,
            "candidate_score": round(scores["candidate"][index], 3),
            # The candidate is right where it publishes what the moderator approved, or stops what they rejected.
            "candidate_right": (after == "publish") != item.abusive,
        }  # fmt: skip
        if after == "publish":
            published.append(change)
        elif before == "publish":
            held.append(change)
        else:
            other += 1  # held by one, rejected by the other: unpublished either way
    figures.update(
        published_by_candidate=len(published), held_by_candidate=len(held), hold_reject_swaps=other,
        published=published[:CHANGES_KEPT], held=held[:CHANGES_KEPT],
    )  # fmt: skip
    return figures


def model_compare(*, model: LearnedModel) -> LearnedModel:
    """Compare a candidate with the model live now on the held-out decisions, and keep the figures on its row."""
    candidate = record_status(model)
    if candidate.model is None:
        raise ModelRefused(f"{model.name} cannot be loaded: {candidate.error}")
    live = model_status()
    record = active_policy_record()
    figures = compare_models(
        held_out_decisions(), live=live.model, candidate=candidate.model, policy=policy_from_record(record)
    )
    figures.update(
        live_name=live.model.name if live.model else "no model (the rules alone)", live_record=live.record,
        live_sha256=file_sha256(live.path) if live.model else "", policy=record.name,
        compared_at=timezone.now().isoformat(),
    )  # fmt: skip
    LearnedModel.objects.filter(pk=model.pk).update(comparison=figures)
    model.refresh_from_db()
    return model


def _usable(model: LearnedModel) -> None:
    """Refuse a model whose file is gone or is no longer the file that was trained (the live one is untouched)."""
    if model.state in (LearnedModel.State.TRAINING, LearnedModel.State.FAILED):
        raise ModelRefused(f"{model.name} has no trained model to use ({model.get_state_display().lower()}).")
    sha256, _card = _inspect(model_file_path(model))
    if model.sha256 and sha256 != model.sha256 and not model.is_shipped:
        raise ModelRefused(
            f"{model.name}'s file ({model_file_path(model)}) has changed since it was trained (its SHA-256 differs): "
            "it is not used. Train a new candidate."
        )


def model_shadow(*, model: LearnedModel | None, actor: User | None) -> None:
    """Let one candidate judge every real comment beside the live model, deciding nothing (None: stop); audited.
    With a draft policy shadowing, the draft judges with this model."""
    with transaction.atomic():
        rows = list(LearnedModel.objects.select_for_update().usable())
        current = next((row for row in rows if row.state == LearnedModel.State.SHADOW), None)
        if model is not None:
            model = next((row for row in rows if row.pk == model.pk), None) or model
            if model.state == LearnedModel.State.LIVE:
                raise ModelRefused(f"{model.name} is the live model: it cannot shadow itself.")
            _usable(model)
        if current is not None and current != model:
            LearnedModel.objects.filter(pk=current.pk).update(state=LearnedModel.State.CANDIDATE)
            _event(current, ModelEvent.Action.UNSHADOW, actor, f"{current.name} no longer shadows the live model")
        if model is not None and model != current:
            LearnedModel.objects.filter(pk=model.pk).update(state=LearnedModel.State.SHADOW)
            _event(model, ModelEvent.Action.SHADOW, actor, f"{model.name} judges every comment beside the live model")
    forget_model()


def _shipped_model() -> LearnedModel:
    """The shipped model's row, made when a trained model first replaces it: what a roll-back returns to. Its file
    is the release's (settings.MODERATION_MODEL): a new release's model shows under its own name."""
    path = Path(settings.MODERATION_MODEL)
    sha256, card = _inspect(path)
    found = {"name": str(card.get("name") or path.stem)[:200], "sha256": sha256, "card": card}
    model, created = LearnedModel.objects.get_or_create(path="", defaults={**found, "state": "retired"})
    if not created and model.sha256 != sha256:
        LearnedModel.objects.filter(pk=model.pk).update(**found)
        model.refresh_from_db()
    return model


def model_make_live(*, model: LearnedModel, actor: User | None) -> LearnedModel:
    """Make this model the one that judges every comment, on every app server; the one live before is kept for a
    roll-back. Audited. Refused, changing nothing, for a file that is missing or not the one trained."""
    try:
        with transaction.atomic():
            # Every row that could be or become live, locked: a second editor's click waits here, then sees
            # this one's result (PostgreSQL; SQLite's transactions begin IMMEDIATE and wait for the first).
            rows = {row.pk: row for row in LearnedModel.objects.select_for_update().usable()}
            model = rows.get(model.pk, model)
            if model.state == LearnedModel.State.LIVE:
                raise ModelRefused(f"{model.name} is the live model already.")
            _usable(model)
            live = next((row for row in rows.values() if row.state == LearnedModel.State.LIVE), None)
            if live is None:
                live = _shipped_model()
                if live.pk == model.pk:
                    raise ModelRefused(f"{model.name} is the live model already (the shipped one).")
            LearnedModel.objects.filter(pk=live.pk).update(state=LearnedModel.State.RETIRED)
            LearnedModel.objects.filter(pk=model.pk).update(
                state=LearnedModel.State.LIVE, previous=live, live_since=timezone.now()
            )
            _event(model, ModelEvent.Action.LIVE, actor, f"{model.name} made live (was {live.name})")
    except IntegrityError:
        raise ModelRefused("Another editor changed the live model at the same moment: look again.") from None
    forget_model()
    model.refresh_from_db()
    return model


def model_roll_back(*, actor: User | None) -> LearnedModel:
    """Make the model live before the live one live again (the live one is retired); audited."""
    with transaction.atomic():
        rows = {row.pk: row for row in LearnedModel.objects.select_for_update().usable()}
        live = next((row for row in rows.values() if row.state == LearnedModel.State.LIVE), None)
        if live is None or live.previous_id is None:
            raise ModelRefused("There is no earlier model to roll back to: the shipped model is live.")
        previous = rows.get(live.previous_id) or LearnedModel.objects.get(pk=live.previous_id)
        _usable(previous)
        LearnedModel.objects.filter(pk=live.pk).update(state=LearnedModel.State.RETIRED)
        LearnedModel.objects.filter(pk=previous.pk).update(state=LearnedModel.State.LIVE, live_since=timezone.now())
        _event(previous, ModelEvent.Action.ROLLBACK, actor, f"rolled back from {live.name} to {previous.name}")
    forget_model()
    previous.refresh_from_db()
    return previous
