from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from articles.models import Article
from comments.models import Comment
from lab import tasks
from lab.models import JobState, LabRun, SimulationRun
from lab.runs import jobs_mark_interrupted
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record


class LabRunRefused(ValidationError):
    """A lab run not started, with a message for the editor."""


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
