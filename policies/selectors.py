"""The active moderation policy, as the pure core's Policy."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache

from django.conf import settings

from moderation import Policy
from moderation.model import AbuseModel, ModelError
from moderation.policy import SETTINGS
from newsroom import cache
from policies.models import ModerationPolicy

logger = logging.getLogger(__name__)

CACHE_KEY = "comments:active-policy"


def active_policy_record() -> ModerationPolicy:
    return cache.through(CACHE_KEY, _load_active)


def _load_active() -> ModerationPolicy:
    record = ModerationPolicy.objects.filter(is_active=True).first()
    if record is None:
        record, _ = ModerationPolicy.objects.get_or_create(name="default", defaults={"is_active": True})
    return record


SHADOW_CACHE_KEY = "comments:shadow-policy"


def shadow_policy_record() -> ModerationPolicy | None:
    """The draft shadowing the live policy, if one does (read through the cache, as the live one is)."""
    return cache.through(
        SHADOW_CACHE_KEY, lambda: ModerationPolicy.objects.filter(is_shadow=True, is_active=False).first()
    )


def forget_active_policy() -> None:
    cache.forget(CACHE_KEY, SHADOW_CACHE_KEY)


def policy_from_record(record: ModerationPolicy) -> Policy:
    """The core's Policy for a stored one, with the learned model this process has loaded."""
    stored = {name: setting.from_stored(getattr(record, name)) for name, setting in SETTINGS.items()}
    return Policy(**stored, min_seconds_to_write=settings.COMMENTS_MIN_SECONDS_TO_WRITE, model=active_model())


def live_policy() -> Policy:
    """What judges a comment posted now: the active policy and the loaded model."""
    return policy_from_record(active_policy_record())


def with_live_model(policy: Policy) -> Policy:
    """A policy from elsewhere (a file) judged the way the site would: with the loaded model."""
    return replace(policy, model=active_model())


@dataclass(frozen=True)
class ModelStatus:
    path: str
    model: AbuseModel | None
    error: str = ""


@lru_cache(maxsize=4)
def _load_model(path: str) -> ModelStatus:
    try:
        model = AbuseModel.load(path)
    except ModelError as exc:
        logger.warning("Abuse model not loaded, the rules alone decide: %s", exc)
        return ModelStatus(path, None, str(exc))
    return ModelStatus(path, model)


def model_status() -> ModelStatus:
    """The learned model named by settings.MODERATION_MODEL, loaded once per process (gunicorn preloads it)."""
    return _load_model(str(settings.MODERATION_MODEL))


def active_model() -> AbuseModel | None:
    return model_status().model


def forget_model() -> None:
    _load_model.cache_clear()


def model_summary() -> str:
    """One line for moderators: which model decides, or why none does."""
    status = model_status()
    if status.model is None:
        return f"No learned model: the rules alone decide. {status.error}"
    meta = status.model.metadata
    figures = meta.get("figures", {}).get("val", {})
    auc = f", validation AUC {figures['auc']}" if "auc" in figures else ""
    return f"{status.model.name} ({status.path}{auc})"
