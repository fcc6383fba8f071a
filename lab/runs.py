"""The policy lab: a draft against the live policy on one stream, as a background job, and shadow mode's record.

``start`` stores a ``LabRun`` and runs it in a thread of this process once the
request's transaction has committed; ``run`` does the work (the same pipeline as
``manage.py simulate``, dry: nothing is posted), writing its progress as it goes so
the lab's page can show a bar, then the result: the side-by-side table, per-family
precision and recall, the comments whose fate changes, the moderators' workload
under the staffing entered. A job cut short by a restart stays "running" with its
progress; start it again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import close_old_connections, transaction
from django.utils import timezone

import moderation
from comments.models import Comment, ModerationEvent
from lab.models import LabRun
from lab.runner import facts_for, run_pipeline
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


def start(run: LabRun) -> None:
    """Run the job in the background once the run is stored (the request returns at once)."""
    transaction.on_commit(lambda: threading.Thread(target=_run_in_thread, args=(run.pk,), daemon=True).start())


def _run_in_thread(pk: int) -> None:
    try:
        run(pk)
    finally:
        close_old_connections()


def stream_for(lab: LabRun) -> list[StreamItem]:
    params = lab.parameters
    if lab.stream == LabRun.Stream.GENERATED:
        assert lab.article is not None
        return list(generate(facts_for(lab.article), int(params["comments"]), int(params.get("seed", 1)),
                             Corpus.load(DEFAULT_CORPUS)))  # fmt: skip
    if lab.stream == LabRun.Stream.REPLAY:
        items, _errors = read_records(Path(params["path"]))
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
    events = ModerationEvent.objects.by_moderators(dismissals=True).filter(comment_id__in=pks)
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
    lab = LabRun.objects.select_related("draft", "article").get(pk=pk)
    try:
        LabRun.objects.filter(pk=pk).update(state=LabRun.State.RUNNING, progress=0.0)
        if lab.draft is None:
            raise ValueError("the draft policy was deleted")
        items = stream_for(lab)[:MAX_COMMENTS]
        if not items:
            raise ValueError("the stream has no comments")
        article_text = lab.article.text_for_relevance() if lab.article else ""
        live = policy_from_record(active_policy_record())
        draft = policy_from_record(lab.draft)
        moderators = int(lab.parameters.get("moderators", 1))
        review_seconds = float(lab.parameters.get("review_seconds", 30))
        results = []
        for index, policy in enumerate((live, draft)):

            def progress(done: int, index: int = index) -> None:
                LabRun.objects.filter(pk=pk).update(progress=(index + done / len(items)) / 2)

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
        }
        LabRun.objects.filter(pk=pk).update(
            state=LabRun.State.DONE, progress=1.0, result=result, finished_at=timezone.now()
        )
    except Exception as exc:  # noqa: BLE001 - a failed job says why on its page, the site goes on
        logger.error("Lab run %s failed: %s\n%s", pk, exc, traceback.format_exc())
        LabRun.objects.filter(pk=pk).update(
            state=LabRun.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    lab.refresh_from_db()
    return lab


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
    decided: a moderator's approval proves the one that published right, a rejection the one that did not."""
    shadow = ModerationPolicy.objects.filter(is_shadow=True).first()
    judged = Comment.objects.real().exclude(shadow_decision="")
    if shadow is not None:
        judged = judged.filter(shadow_policy=shadow.name)
    elif not judged.exists():
        return None
    differ = [c for c in judged.order_by("-created_at")[:5000] if c.shadow_decision != c.decision]
    verdicts = {
        e.comment_id: e.action
        for e in ModerationEvent.objects.by_moderators().filter(comment_id__in=[c.pk for c in differ])
    }
    live_right = shadow_right = 0
    for comment in differ:
        action = verdicts.get(comment.pk)
        if action is None:
            continue
        good = action == "approve"
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
