"""The policy lab: a draft against the live policy on one stream, as a background job, and shadow mode's record.

The view stores a ``LabRun`` and ``lab.tasks.lab_run_start`` enqueues its task
(``lab.tasks.lab_run``) once that transaction has committed; the worker (``manage.py worker``) then
calls ``run``, which does the work (the same pipeline as ``manage.py simulate``, dry: nothing is
posted), writing its progress and a heartbeat as it goes so the lab's page can show a bar, then the
result: the side-by-side table, per-family precision and recall, the comments whose fate changes, the
moderators' workload under the staffing entered. The page reads the row, never the worker.

A job whose worker stopped (a restart, a crash, a killed process) stops beating; ``jobs_mark_interrupted``,
called when the worker starts and when the lab's pages read runs, marks it failed, so none stays
"running" forever. ``simulation_run`` is the same for a simulation written to the database in the
background (``manage.py simulate --background``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import logging
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

import moderation
from comments.models import Comment, ModerationEvent
from lab.models import JobState, LabRun, SimulationRun
from lab.runner import facts_for, run_pipeline
from newsroom import var
from policies import shares
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, policy_from_record
from simulation.generate import Corpus, generate
from simulation.metrics import Truth
from simulation.replay import read_records
from simulation.report import build_report, comparison_rows
from simulation.stream import StreamItem

logger = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(moderation.__file__).resolve().parent / "data" / "public-test.jsonl"
MAX_COMMENTS = 100_000
CHANGES_SHOWN = 200

# A job beats each time it writes its progress, every few seconds; one silent this long has no worker.
# Generous, because the first beat of a large job waits for its stream to be built.
STALE_AFTER = dt.timedelta(minutes=5)
# Tasks without a job row of their own (a round of emails, a retraining) that have been "running"
# this long were cut short: a round of emails takes minutes at most, a retraining less than an hour.
TASK_STALE_AFTER = dt.timedelta(hours=6)
INTERRUPTED = "interrupted: the worker stopped; start it again"


def job_beat(model: type[LabRun] | type[SimulationRun], pk: int, **fields: Any) -> None:
    """Write a job's progress (or state) and its heartbeat, the sign that its worker is alive."""
    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now(), **fields)


def job_interrupted(model: type[LabRun] | type[SimulationRun], pk: int) -> None:
    """A job cut short in its own process (the worker's stop signal, Ctrl+C twice) says so at once."""
    model.objects.filter(pk=pk, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
        state=JobState.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )


def jobs_mark_interrupted(*, now: dt.datetime | None = None, tasks: bool = False) -> int:
    """Mark failed the jobs still "running" whose worker stopped beating (and their task rows, which a
    killed worker leaves "running" forever); with ``tasks``, also the task rows of other kinds cut short
    long ago. Returns how many jobs were marked. Cheap when nothing is stale: one query a kind of job."""
    now = now or timezone.now()
    before = now - STALE_AFTER
    marked = 0
    task_ids: list[str] = []
    models: tuple[type[LabRun] | type[SimulationRun], ...] = (LabRun, SimulationRun)
    for model in models:
        stale = list(model.objects.interrupted(before=before).values_list("pk", "task_id"))
        if not stale:
            continue
        # Filtered again: one that beat since it was read is alive after all.
        count = (
            model.objects.interrupted(before=before)
            .filter(pk__in=[pk for pk, _ in stale])
            .update(state=JobState.FAILED, error=INTERRUPTED, finished_at=now)
        )
        marked += count
        task_ids += [task_id for _, task_id in stale if task_id]
        logger.warning("Marked %d %s failed, %s", count, model._meta.verbose_name_plural, INTERRUPTED)
    rows = DBTaskResult.objects.running()
    if task_ids:
        _fail_task_rows(rows.filter(id__in=_uuids(task_ids)), now)
    if tasks:
        # Those of jobs with a heartbeat are judged by it, above, however long they run.
        _fail_task_rows(rows.filter(started_at__lt=now - TASK_STALE_AFTER).exclude(task_path__in=HEARTBEAT_TASKS), now)
    return marked


HEARTBEAT_TASKS = ["lab.tasks.lab_run", "lab.tasks.simulation_run"]


def _fail_task_rows(rows: DBTaskResultQuerySet, now: dt.datetime) -> None:
    rows.update(
        status="FAILED", finished_at=now, return_value=None,
        exception_class_path=f"{JobInterrupted.__module__}.{JobInterrupted.__qualname__}", traceback=INTERRUPTED,
    )  # fmt: skip


# Tasks a worker runs again from the start when it lost one mid-run (its database connection dropped): a round
# of emails claims each email as it sends it, a confirmation's claim and email are one transaction (rolled back
# whole), a lab run and a retraining write their results whole at their end.
# A simulation posts its comments as it goes (run again, it would post them twice): it is marked interrupted, as
# when a worker stops. Nor is a task run again that has been cut short this many times (it may be the cause).
RUN_AGAIN_WHEN_CUT_SHORT = frozenset(
    {
        "outbox.tasks.send_due",
        "comments.tasks.confirm_address",
        "lab.tasks.lab_run",
        "lab.tasks.retrain",
        "policies.tasks.train_candidate",
        "policies.tasks.compare_candidate",
    }
)
MAX_TRIES = 3


def tasks_cut_short(*, worker_id: str, now: dt.datetime | None = None) -> tuple[int, int]:
    """The tasks worker ``worker_id`` was running when it lost its database (the row it claimed says "running",
    and what the task did was not recorded): put back in the queue to run again, or, where that is not safe,
    marked failed as interrupted with their job. Returns how many of each."""
    now = now or timezone.now()
    rows = DBTaskResult.objects.running().only("id", "task_path", "worker_ids")
    theirs = [row for row in rows if row.worker_ids and row.worker_ids[-1] == worker_id]
    again = [r.id for r in theirs if r.task_path in RUN_AGAIN_WHEN_CUT_SHORT and len(r.worker_ids) < MAX_TRIES]
    lost = [r.id for r in theirs if r.id not in again]
    if again:
        DBTaskResult.objects.running().filter(id__in=again).update(status="READY", started_at=None)
        # Its page says it waits again (not "running" with a heartbeat that stopped, soon marked interrupted).
        LabRun.objects.filter(task_id__in=[str(id_) for id_ in again], state=JobState.RUNNING).update(
            state=JobState.QUEUED, progress=0.0
        )
        logger.info("Put back %d task%s cut short by a lost database connection", len(again), _s(again))
    if lost:
        models: tuple[type[LabRun] | type[SimulationRun], ...] = (LabRun, SimulationRun)
        for model in models:
            for pk in model.objects.filter(task_id__in=[str(id_) for id_ in lost]).values_list("pk", flat=True):
                job_interrupted(model, pk)
        _fail_task_rows(DBTaskResult.objects.running().filter(id__in=lost), now)
        logger.warning("Marked %d task%s cut short by a lost database connection failed", len(lost), _s(lost))
    return len(again), len(lost)


def _s(items: list[Any]) -> str:
    return "" if len(items) == 1 else "s"


def _uuids(ids: list[str]) -> list[uuid.UUID]:
    """The ids that can be the database backend's (another backend's are not UUIDs)."""
    parsed = []
    for value in ids:
        try:
            parsed.append(uuid.UUID(value))
        except ValueError:
            continue
    return parsed


class JobInterrupted(Exception):
    """What a task row cut short by a stopped worker is marked as having raised."""


class JobFailed(Exception):
    """A job failed and said why on its row: its task fails with the same words."""


def stream_for(lab: LabRun) -> list[StreamItem]:
    params = lab.parameters
    if lab.stream == LabRun.Stream.GENERATED:
        assert lab.article is not None
        return list(generate(facts_for(lab.article), int(params["comments"]), int(params.get("seed", 1)),
                             Corpus.load(DEFAULT_CORPUS)))  # fmt: skip
    if lab.stream == LabRun.Stream.REPLAY:
        items, _errors = read_records(var.found(params["path"]))
        return items
    assert lab.article is not None
    comments = list(
        Comment.objects.real().filter(article=lab.article).order_by("-created_at", "-id")[: int(params["comments"])]
    )
    comments.reverse()
    start_at = comments[0].created_at if comments else timezone.now()
    truth = _moderators_truth([c.pk for c in comments])
    return [
        StreamItem(
            id=str(c.pk),
            text=c.body,
            author=c.author_name,
            email=c.author_email,
            at=(c.created_at - start_at).total_seconds(),
            parent_id=str(c.parent_id) if c.parent_id else None,
            truth=truth.get(c.pk, Truth()),
        )  # fmt: skip
        for c in comments
    ]


def _moderators_truth(pks: list[int]) -> dict[int, Truth]:
    """What moderators decided is the only truth real comments have: approved is clean, rejected as abusive is."""
    truth: dict[int, Truth] = {}
    # A batch at a time: one statement binds 65,535 values at most on PostgreSQL (newsroom/postgresql).
    events = itertools.chain.from_iterable(
        ModerationEvent.objects.by_moderators(dismissals=True).filter(comment_id__in=pks[start : start + 10_000])
        for start in range(0, len(pks), 10_000)
    )
    for event in events:
        if event.action in ("approve", "dismiss_reports"):
            truth[event.comment_id] = Truth(abusive=False, on_topic=True, spam=False)
        else:
            truth[event.comment_id] = Truth(
                abusive=event.reason == "abusive",
                on_topic=event.reason != "off_topic",
                spam=event.reason == "spam",
            )
    return truth


def run(pk: int) -> LabRun:
    """Run a lab job: what its task does. A failure is written on the run (its page says why), not raised."""
    lab = LabRun.objects.select_related("draft", "article").get(pk=pk)
    try:
        job_beat(LabRun, pk, state=JobState.RUNNING, progress=0.0)
        if lab.draft is None:
            raise ValueError("the draft policy was deleted")
        items = stream_for(lab)[:MAX_COMMENTS]
        if not items:
            raise ValueError("the stream has no comments")
        job_beat(LabRun, pk)
        article_text = lab.article.text_for_relevance() if lab.article else ""
        live_record = active_policy_record()
        live = policy_from_record(live_record)
        draft = policy_from_record(lab.draft)
        # Each policy's learned-model hold level as it stood for this run: a share is read from the site's
        # recent comments, so the same draft may hold at another score next week.
        hold_levels = {
            name: shares.record_hold_level(record).describe()
            for name, record in (("live", live_record), ("draft", lab.draft))
        }
        moderators = int(lab.parameters.get("moderators", 1))
        review_seconds = float(lab.parameters.get("review_seconds", 30))
        results = []
        for index, policy in enumerate((live, draft)):

            def progress(done: int, index: int = index) -> None:
                job_beat(LabRun, pk, progress=(index + done / len(items)) / 2)

            decisions, _skipped = run_pipeline(
                items, article_text=article_text, policy=policy, progress=progress, batch=250
            )
            results.append(decisions)
        a = build_report(results[0], moderators=moderators, review_seconds=review_seconds, label=lab.live_name)
        b = build_report(results[1], moderators=moderators, review_seconds=review_seconds, label=lab.draft_name)
        changes = [
            {
                "id": d1.item.id,
                "real": lab.stream == LabRun.Stream.REAL,
                "text": d1.item.text[:300],
                "live": d1.verdict.action.value,
                "live_reasons": list(d1.verdict.codes),
                "draft": d2.verdict.action.value,
                "draft_reasons": list(d2.verdict.codes),
            }
            for d1, d2 in zip(results[0], results[1], strict=True)
            if d1.verdict.action != d2.verdict.action
        ]
        result = {
            "comments": len(items),
            "table": comparison_rows(a, b),
            "live": _families(a),
            "draft": _families(b),
            "changed": len(changes),
            "changes": changes[:CHANGES_SHOWN],
            "workload": {"live": a["workload"], "draft": b["workload"]},
            "staffing": {"moderators": moderators, "review_seconds": review_seconds},
            "hold_levels": hold_levels,
        }
        job_beat(LabRun, pk, state=JobState.DONE, progress=1.0, result=result, finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 - a failed job says why on its page, the site goes on
        logger.error("Lab run %s failed: %s\n%s", pk, exc, traceback.format_exc())
        LabRun.objects.filter(pk=pk).update(
            state=LabRun.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    except BaseException:
        job_interrupted(LabRun, pk)
        raise
    lab.refresh_from_db()
    return lab


def simulation_run(pk: int, argv: list[str]) -> str:
    """Run a simulation queued by ``manage.py simulate --background``: the command itself, with the
    arguments it was given, filling the queued run (``--into-run``) with progress and heartbeat.
    Returns what the command printed; a failure is written on the run, then raised for the task."""
    job_beat(SimulationRun, pk, state=JobState.RUNNING, progress=0.0)
    out = io.StringIO()
    try:
        call_command("simulate", *argv, "--into-run", str(pk), stdout=out, stderr=out)
    except Exception as exc:
        logger.error("Simulation run %s failed: %s\n%s", pk, exc, traceback.format_exc())
        SimulationRun.objects.filter(pk=pk).update(
            state=JobState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise JobFailed(str(exc)) from exc
    except BaseException:
        job_interrupted(SimulationRun, pk)
        raise
    job_beat(SimulationRun, pk, state=JobState.DONE, progress=1.0, finished_at=timezone.now())
    return out.getvalue()


def _families(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, **values} for name, values in report["families"].items()]


@dataclass(frozen=True)
class ShadowRecord:
    policy: str
    judged: int
    disagreed: int
    decided: int  # disagreements a moderator has since decided
    live_right: int
    shadow_right: int
    latest: list[Comment]


def shadow_record(limit: int = 50) -> ShadowRecord | None:
    """Where the shadow policy and the live one differed on real comments, and who was right once a moderator
    decided: a moderator's approval (or keeping it published over reports) proves the one that published right,
    a rejection or removal the one that did not."""
    shadow = ModerationPolicy.objects.filter(is_shadow=True).first()
    judged = Comment.objects.real().exclude(shadow_decision="")
    if shadow is not None:
        judged = judged.filter(shadow_policy=shadow.name)
    elif not judged.exists():
        return None
    differ = [c for c in judged.order_by("-created_at")[:5000] if c.shadow_decision != c.decision]
    verdicts = {
        e.comment_id: e.action
        for e in ModerationEvent.objects.by_moderators(dismissals=True).filter(comment_id__in=[c.pk for c in differ])
    }
    live_right = shadow_right = 0
    for comment in differ:
        action = verdicts.get(comment.pk)
        if action is None:
            continue
        good = action in ("approve", "dismiss_reports")  # published, or kept published over readers' reports
        live_right += (comment.decision == "publish") == good
        shadow_right += (comment.shadow_decision == "publish") == good
    return ShadowRecord(
        policy=shadow.name if shadow else differ[0].shadow_policy if differ else "",
        judged=judged.count(),
        disagreed=len(differ),
        decided=sum(1 for c in differ if c.pk in verdicts),
        live_right=live_right,
        shadow_right=shadow_right,
        latest=differ[:limit],
    )
