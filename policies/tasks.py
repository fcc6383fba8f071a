"""Training a candidate model in the background: ``manage.py train_filter`` on the site's moderator decisions,
run by the worker (``manage.py worker``), then the candidate compared with the live model.

The training page stores the candidate's row (``services.model_train_start``) and this module enqueues its task
once that has committed, as the lab's runs are (``lab/tasks.py`` says why this engine). The row is the record the
page reads: training, then a candidate with its card and comparison, or failed with why; the task's own row in the
admin (Tasks Database Backend) keeps the command's output.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from django.core.management import CommandError, call_command

if TYPE_CHECKING:
    from django_tasks import task
    from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
else:
    try:  # Django 6.0 ships the framework
        from django.tasks import task
        from django.tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch
    except ImportError:  # Django 5.2: the backport
        from django_tasks import task
        from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from policies import services
from policies.models import LearnedModel

logger = logging.getLogger(__name__)


@task()
def train_candidate(model_id: int) -> str:
    """Train the candidate of this row, record its file and card, compare it with the live model; returns what
    the training printed. A failure is written on the row (the page says why), then raised for the task."""
    model = LearnedModel.objects.get(pk=model_id)
    if model.state != LearnedModel.State.TRAINING:  # run again after it finished (a worker lost its database)
        return f"{model.name} is {model.get_state_display().lower()} already"
    out = io.StringIO()
    try:
        call_command("train_filter", *services.model_training_begins(model=model), stdout=out, stderr=out)
        model = services.model_trained(model=model)
    except Exception as exc:
        if not isinstance(exc, CommandError | services.ModelRefused):
            logger.exception("Training %s failed", model.name)
        services.model_training_failed(model=model, error=_why(exc))
        raise
    compare(model)
    return out.getvalue()


@task()
def compare_candidate(model_id: int) -> str:
    """Compare a candidate again, with the model live now (another may have been made live since)."""
    compare(LearnedModel.objects.get(pk=model_id))
    return "compared"


def compare(model: LearnedModel) -> None:
    try:
        services.model_compare(model=model)
    except Exception as exc:
        if not isinstance(exc, services.ModelRefused):
            logger.exception("Comparing %s failed", model.name)
        services.model_comparison_failed(model=model, error=_why(exc))
        raise


def _why(exc: Exception) -> str:
    """What the page tells the editor: a refusal's own words, else the exception's."""
    if isinstance(exc, services.ModelRefused):
        return exc.messages[0]
    return str(exc) if isinstance(exc, CommandError) else f"{type(exc).__name__}: {exc}"


def train_candidate_start(model_id: int) -> None:
    """Enqueue a stored candidate's training and note its task on it (called once the row has committed)."""
    result = train_candidate.enqueue(model_id)
    LearnedModel.objects.filter(pk=model_id).update(task_id=str(result.id))


def compare_candidate_start(model_id: int) -> None:
    compare_candidate.enqueue(model_id)


def trainings_check() -> int:
    """Mark failed the trainings whose task failed or was lost without saying so on the row (its worker killed,
    or its task marked interrupted by the lab's sweep); how many. One query when nothing trains."""
    marked = 0
    for model in LearnedModel.objects.filter(state=LearnedModel.State.TRAINING).exclude(task_id=""):
        try:
            result = train_candidate.get_result(model.task_id)
        except NotImplementedError:  # a backend that keeps no results
            continue
        except (TaskResultDoesNotExist, TaskResultMismatch):
            services.model_training_failed(model=model, error="its task was lost: train it again")
            marked += 1
            continue
        if result.status == "FAILED":
            last = result.errors[-1].traceback.strip().splitlines()[-1:] if result.errors else []
            services.model_training_failed(model=model, error=f"its task failed: {' '.join(last) or 'no reason'}")
            marked += 1
    return marked
