from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from lab import tasks
from lab.models import JobState, LabRun, SimulationRun
from lab.runs import jobs_mark_interrupted
from moderation.policy import SETTINGS
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record


class LabRunRefused(ValidationError):
    """A lab run not started, with a message for the editor."""


class DraftRefused(ValidationError):
    """A draft not made, with a message for the editor."""


def lab_run_create(
    *, editor: User | None, draft: ModerationPolicy, article: Article | None, stream: str, parameters: dict[str, Any]
) -> LabRun:
    """Store a lab run of a draft against the live policy and enqueue it, unless its editor has
    ``LAB_RUNS_PER_EDITOR`` waiting or running already (each takes a scoring process of its own).

    The count and the new run are one transaction that first locks the editor's row: a burst of posts
    from one editor is counted one post at a time, and never starts more than the limit together."""
    jobs_mark_interrupted()  # a run a restart stopped no longer counts as its editor's
    with transaction.atomic():
        if editor is not None:
            # PostgreSQL: the editor's other posts wait here until this one has committed (or refused). SQLite
            # has no row locks: its transactions begin IMMEDIATE (settings), holding the write lock already.
            list(get_user_model().objects.select_for_update().filter(pk=editor.pk).values_list("pk", flat=True))
        busy = LabRun.objects.filter(created_by=editor, state__in=[JobState.QUEUED, JobState.RUNNING]).count()
        if busy >= settings.LAB_RUNS_PER_EDITOR:
            raise LabRunRefused(
                f"You have {busy} lab runs waiting or running, the most one editor may: each takes a scoring "
                "process of its own. Start this one when one of them has finished."
            )
        run = LabRun.objects.create(
            draft=draft, draft_name=draft.name, live_name=active_policy_record().name, article=article,
            stream=stream, parameters=parameters, created_by=editor,
        )  # fmt: skip
        tasks.lab_run_start(run)
    return run


def simulation_delete(*, run: SimulationRun) -> int:
    """Delete a simulation run with every comment it generated (their audit rows and reports go with them).

    Returns how many comments were deleted. Readers' comments are never touched: only the run's own.
    """
    with transaction.atomic():
        count = Comment.objects.filter(simulation=run).count()
        run.delete()  # the run's comments cascade, and their events and reports with them
    return count


def policy_draft_from_curve(
    *, editor: User, hold_share: float | None = None, hold_at: float | None = None
) -> ModerationPolicy:
    """A draft copying the live policy but for the learned model's hold level, chosen on the trade-off curve:
    a share of the site's comments (``hold_share``) or a fixed score (``hold_at``, which turns a share off).

    Like any draft it changes nothing until it is made live (audited then, with every setting that changes);
    its making is in its admin history, as a draft saved in the admin is."""
    if (hold_share is None) == (hold_at is None):
        raise DraftRefused("Choose either a share of comments to hold or a score to hold at.")
    try:
        if hold_share is not None:
            share = SETTINGS["model_hold_share"].clean(hold_share)
            if not isinstance(share, float) or share <= 0:
                raise ValueError("a share of 0 holds nothing by share: choose a score to hold at instead")
            changes = {"model_hold_share": share}
        else:
            level = SETTINGS["model_hold"].clean(hold_at)
            assert isinstance(level, float)  # a chance's value
            changes = {"model_hold": level, "model_hold_share": 0.0}
    except ValueError as exc:
        raise DraftRefused(f"Not saved: {exc}.") from None
    with transaction.atomic():
        draft = ModerationPolicy.objects.get(pk=active_policy_record().pk)
        live_name = draft.name
        draft.pk, draft.is_active, draft.is_shadow = None, False, False
        draft.name = _draft_name(live_name, changes)
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.save()
        described = ", ".join(f"{name} {value:g}" for name, value in changes.items())
        LogEntry.objects.log_actions(
            user_id=editor.pk, queryset=[draft], action_flag=ADDITION, single_object=True,
            change_message=f"Drafted in the policy lab from the trade-off curve: a copy of {live_name} with {described}.",
        )  # fmt: skip
    return draft


def _draft_name(live: str, changes: dict[str, float]) -> str:
    """A name that says what the draft holds and when it was made, free among the policies (a slug of at most 50)."""
    if "model_hold_share" in changes and changes["model_hold_share"]:
        what = f"top{changes['model_hold_share'] * 100:.4g}pct".replace(".", "_")
    else:
        what = f"at{changes['model_hold']:.3f}".replace(".", "_")
    stamp = f"{timezone.now():%Y%m%d%H%M%S}"
    base = f"{live[: 50 - len(what) - len(stamp) - 6]}-{what}-{stamp}"
    name, n = base, 1
    while ModerationPolicy.objects.filter(name=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name
