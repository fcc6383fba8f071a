"""The active moderation policy, as the pure core's Policy, and the learned models: which is live, which shadows."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from moderation import Policy
from moderation.model import AbuseModel, ModelError
from moderation.policy import SETTINGS
from newsroom import cache
from policies import shares
from policies.models import LearnedModel, ModerationPolicy

if TYPE_CHECKING:
    from moderation.training import Record

logger = logging.getLogger(__name__)

# What decides a comment posted now: the live policy, the draft shadowing it, and which model files are live and
# shadowing, loaded together from the database and shared through the cache under a version. A post reads only the
# version (a few bytes, one cache read): this process keeps what it loaded for that version, and loads it again
# (from the cache, else the database) when the version changes. Making a policy or a model live forgets the
# version, so every app server on every machine reads the new one from its next post. Should the shared cache be
# unreachable, each process keeps its own copy for LIVE_CACHE_SECONDS, so a change reaches it within that.
LIVE_CACHE_KEY = "policies:live"
LIVE_VERSION_KEY = "policies:live-version"
LIVE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class ModelFile:
    pk: int
    name: str
    path: str  # as stored: relative to the models folder, wherever this machine mounts it
    sha256: str

    def load(self) -> ModelStatus:
        return _load_model(str(resolve(self.path)), self.sha256, self.pk)


@dataclass(frozen=True)
class Live:
    policy: ModerationPolicy
    shadow: ModerationPolicy | None
    model: ModelFile | None  # None: the shipped model, settings.MODERATION_MODEL
    shadow_model: ModelFile | None


_loaded_live: tuple[str, Live] | None = None  # this process's: (version, what it is)


def _live() -> Live:
    global _loaded_live
    version = cache.read(LIVE_VERSION_KEY)
    if version is not None and _loaded_live is not None and _loaded_live[0] == version:
        return _loaded_live[1]
    live = cache.call("get", f"{LIVE_CACHE_KEY}:{version}") if version is not None else None
    if not isinstance(live, Live):
        version, live = uuid.uuid4().hex, _load_live()
        cache.write({f"{LIVE_CACHE_KEY}:{version}": live, LIVE_VERSION_KEY: version}, LIVE_CACHE_SECONDS)
    _loaded_live = (version, live)
    return live


def _load_live() -> Live:
    policy = ModerationPolicy.objects.filter(is_active=True).first()
    if policy is None:
        policy, _ = ModerationPolicy.objects.get_or_create(name="default", defaults={"is_active": True})
    shadow = ModerationPolicy.objects.filter(is_shadow=True, is_active=False).first()
    files = {row.state: row for row in LearnedModel.objects.filter(state__in=["live", "shadow"])}
    return Live(policy, shadow, _model_file(files.get("live")), _model_file(files.get("shadow")))


def active_policy_record() -> ModerationPolicy:
    return _live().policy


def shadow_policy_record() -> ModerationPolicy | None:
    """The draft shadowing the live policy, if one does (read through the cache, as the live one is)."""
    return _live().shadow


def forget_active_policy() -> None:
    global _loaded_live
    cache.forget(LIVE_VERSION_KEY)
    _loaded_live = None


def policy_from_record(record: ModerationPolicy) -> Policy:
    """The core's Policy for a stored one, with the learned model this process has loaded."""
    return _policy(record, active_model())


def _policy(record: ModerationPolicy, model: AbuseModel | None) -> Policy:
    stored = {name: setting.from_stored(getattr(record, name)) for name, setting in SETTINGS.items()}
    # A hold level set as a share of the site's traffic is read from its recent comments (one cache read).
    return shares.with_shares(
        Policy(**stored, min_seconds_to_write=settings.COMMENTS_MIN_SECONDS_TO_WRITE, model=model)
    )


def live_policy() -> Policy:
    """What judges a comment posted now: the active policy and the loaded model (one cache read)."""
    live = _live()
    return _policy(live.policy, _live_status(live).model)


def with_live_model(policy: Policy) -> Policy:
    """A policy from elsewhere (a file) judged the way the site would: with the loaded model, and a hold level
    set as a share read from the site's recent comments."""
    return shares.with_shares(replace(policy, model=active_model()))


@dataclass(frozen=True)
class ModelStatus:
    path: str
    model: AbuseModel | None
    error: str = ""
    record: int | None = None  # the LearnedModel row, None for the shipped model while no row is live
    at: float = 0.0  # when it was loaded, or failed to be (time.monotonic())


def models_folder() -> Path:
    """Where trained model files are written and read: ``var/models/`` (NEWSROOM_VAR_DIR). Not under MEDIA_ROOT,
    which the site serves to anyone; with several app servers, a folder they all mount (as for media)."""
    return Path(settings.VAR_DIR) / "models"


def resolve(stored: str) -> Path:
    """A model file's path as stored, as this machine reaches it (blank: the shipped model)."""
    if not stored:
        return Path(settings.MODERATION_MODEL)
    path = Path(stored)
    return path if path.is_absolute() else models_folder() / path


def model_file_path(record: LearnedModel) -> Path:
    return resolve(record.path)


def _model_file(record: LearnedModel | None) -> ModelFile | None:
    """What an app server needs to load a row's file; None for the shipped model, which is read as while no row is
    live (settings.MODERATION_MODEL, unchecked: it is the release's own file, whichever release runs)."""
    if record is None or record.is_shipped:
        return None
    return ModelFile(record.pk, record.name, record.path, record.sha256)


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as stream:  # hashed in chunks: the file is never held whole
        return hashlib.file_digest(stream, "sha256").hexdigest()


# Model files loaded in this process, the latest used last: the live one, a shadowing one and the one live before
# them fit. One that could not be loaded is tried again after a while (a shared folder that did not answer).
_LOADED: OrderedDict[tuple[str, str, int | None], ModelStatus] = OrderedDict()
KEEP_LOADED = 4
RETRY_FAILED_SECONDS = 60.0


def _load_model(path: str, sha256: str = "", record: int | None = None) -> ModelStatus:
    """A model file, loaded once per process (gunicorn preloads the live one before its workers fork)."""
    key = (path, sha256, record)
    status = _LOADED.get(key)
    if status is None or (status.model is None and time.monotonic() - status.at >= RETRY_FAILED_SECONDS):
        status = _read_model(path, sha256, record)
        _LOADED[key] = status
    _LOADED.move_to_end(key)
    while len(_LOADED) > KEEP_LOADED:
        _LOADED.popitem(last=False)
    return status


def _read_model(path: str, sha256: str, record: int | None) -> ModelStatus:
    try:
        if sha256 and file_sha256(path) != sha256:
            raise ModelError(f"{path} has changed since it was trained (its SHA-256 differs): refused")
        model = AbuseModel.load(path)
    except OSError as exc:
        return _not_loaded(path, record, f"{path}: cannot read it ({exc.strerror or exc})")
    except ModelError as exc:
        return _not_loaded(path, record, str(exc))
    return ModelStatus(path, model, record=record, at=time.monotonic())


def _not_loaded(path: str, record: int | None, error: str) -> ModelStatus:
    logger.warning("Abuse model not loaded, the rules alone decide: %s", error)
    return ModelStatus(path, None, error, record, time.monotonic())


def model_status() -> ModelStatus:
    """The live learned model: the live row's file, or while no row is live the shipped one named by
    settings.MODERATION_MODEL; loaded once per process (gunicorn preloads it), and again when another is made
    live, on any app server (``LIVE_CACHE_KEY``)."""
    return _live_status(_live())


def _live_status(live: Live) -> ModelStatus:
    return _load_model(str(settings.MODERATION_MODEL)) if live.model is None else live.model.load()


def record_status(record: LearnedModel) -> ModelStatus:
    """A stored model's file, loaded (once per process) and checked against the checksum it was trained with."""
    return _load_model(str(model_file_path(record)), record.sha256, record.pk)


def active_model() -> AbuseModel | None:
    return model_status().model


def shadow_model_status() -> ModelStatus | None:
    """The candidate model judging every real comment beside the live one, if one is."""
    return _shadow_status(_live())


def _shadow_status(live: Live) -> ModelStatus | None:
    return None if live.shadow_model is None else live.shadow_model.load()


def shadow_judge() -> tuple[str, Policy] | None:
    """What judges every real comment beside the live policy and model, deciding nothing, and its name for the
    comment's record: the shadowing draft policy, with the shadowing candidate model if there is one (else the
    live model); or a shadowing candidate model alone, with the live policy's settings. None: nothing shadows."""
    live = _live()
    draft = live.shadow
    shadow = _shadow_status(live)
    if draft is None and (shadow is None or shadow.model is None):
        return None
    if shadow is not None and shadow.model is not None and live.shadow_model is not None:
        policy = _policy(draft or live.policy, shadow.model)
        # The lab finds what a shadowing draft did by the draft's name; a candidate alone goes by its own.
        name = draft.name if draft is not None else f"model: {live.shadow_model.name}"
    else:
        assert draft is not None
        policy, name = _policy(draft, _live_status(live).model), draft.name
    return name[:50], policy


def forget_model() -> None:
    """Read the live and shadow models afresh (this process loads their files again)."""
    forget_active_policy()
    _LOADED.clear()


def model_summary() -> str:
    """One line for moderators: which model decides, or why none does."""
    status = model_status()
    if status.model is None:
        return f"No learned model: the rules alone decide. {status.error}"
    meta = status.model.metadata
    figures = meta.get("figures", {}).get("val", {})
    auc = f", validation AUC {figures['auc']}" if "auc" in figures else ""
    return f"{status.model.name} ({status.path}{auc})"


# --- What the site's moderators decided, to train on and to compare models on ----------------------------------

# New moderator decisions since the live model was trained at which the training page says a candidate is worth
# training: enough that the held-out share a candidate is compared on (moderation.training.split_for) holds
# a few dozen of them.
NEW_DECISIONS_TO_RETRAIN = 200
DECISIONS_CACHE_KEY = "policies:decisions-count"


def decision_records() -> list[Record]:
    """The site's moderator decisions on real comments posted here (not simulated, not imported), as training
    records (a ``key``, the comment's id, and a ``split`` fixed by it). Read by the function
    ``settings.MODERATION_DECISIONS`` names: this app sits below the comments and the lab that read them
    (tests/test_layout.py), as Django's own lower layers call the site's code by a setting."""
    read: Callable[[], list[Record]] = import_string(settings.MODERATION_DECISIONS)
    return read()


def decisions_count(*, fresh: bool = False) -> int:
    """How many moderator decisions there are to learn from, counted as ``decision_records`` reads them (read at
    most once a minute for the page)."""
    if fresh:
        cache.forget(DECISIONS_CACHE_KEY)
    count: Callable[[], int] = import_string(settings.MODERATION_DECISIONS_COUNT)
    return cache.through(DECISIONS_CACHE_KEY, count, 60)


def live_model_record() -> LearnedModel | None:
    """The live model's row; None while the shipped model, which has none, is live."""
    return LearnedModel.objects.live().select_related("created_by", "previous").first()


@dataclass(frozen=True)
class Retraining:
    decisions: int  # moderator decisions there are now
    trained_on: int  # there were when the live model was trained
    new: int
    enough: bool
    needed: int = NEW_DECISIONS_TO_RETRAIN


def retraining(live: LearnedModel | None) -> Retraining:
    """Whether enough moderator decisions have come in since the live model was trained to train another."""
    total = decisions_count()
    trained_on = live.decisions if live is not None else 0
    new = max(0, total - trained_on)
    return Retraining(total, trained_on, new, new >= NEW_DECISIONS_TO_RETRAIN)
