"""The Django side of the simulator: articles and policies from the database, and the
database path, where every simulated comment goes through ``comments.services.comment_post``
exactly as a comment posted on the page does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.utils import timezone

from articles.models import Article

from .models import Comment, ModerationPolicy, SimulationRun
from .moderation import Context, Policy, Verdict, moderate
from .policy import active_model, active_policy_record, policy_from_record
from .sanitize import clean_text
from .services import CommentError, comment_post
from .simulation.article import ArticleFacts, extract_facts
from .simulation.pipeline import Decision, Pipeline
from .simulation.stream import StreamItem


class SimulationSetupError(ValueError):
    pass


def facts_for(article: Article) -> ArticleFacts:
    facts = extract_facts(article.headline, "\n\n".join([article.standfirst, *article.paragraphs]))
    return ArticleFacts(facts.headline, facts.entities, facts.numbers, facts.claims, article.text_for_relevance())


def resolve_policy(spec: str) -> tuple[str, Policy]:
    """A policy by name ("default" is the active one), or a JSON file of Policy fields."""
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return path.stem, Policy.from_dict(data)
        except OSError as exc:
            raise SimulationSetupError(f"cannot read policy file {spec}: {exc.strerror}") from None
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise SimulationSetupError(f"policy file {spec} is not a JSON object of policy fields: {exc}") from None
    if spec == "default":
        record = active_policy_record()
    else:
        record = ModerationPolicy.objects.filter(name=spec).first()
        if record is None:
            names = ", ".join(ModerationPolicy.objects.values_list("name", flat=True)) or "none yet"
            raise SimulationSetupError(f"no policy named {spec!r} (policies: {names}); or give a .json file")
    return record.name, policy_from_record(record)


class DatabaseSink:
    """Posts each simulated comment through the service, as the page would, and marks it simulated."""

    def __init__(self, *, article: Article, run: SimulationRun, start: dt.datetime) -> None:
        self.article = article
        self.run = run
        self.start = start
        self.comments: dict[str, Comment] = {}
        self.skipped: list[tuple[StreamItem, str]] = []

    def __call__(self, item: StreamItem, context: Context, policy: Policy) -> Verdict:
        parent = self.comments.get(item.parent_id) if item.parent_id else None
        if parent is not None and parent.status != Comment.Status.PUBLISHED:
            # Nobody can answer a comment they cannot see: it becomes a new thread.
            parent = None
        result = comment_post(
            article=self.article,
            # Replayed text is cleaned as the web form cleans what readers type.
            author_name=clean_text(item.author, single_line=True)[:50] or "Reader",
            author_email=item.email[:254] or "reader@sim.example",
            body=clean_text(item.text),
            parent=parent,
            policy=policy,
            context=context,
            simulation=self.run,
            ground_truth={k: v for k, v in vars(item.truth).items() if v is not None},
            created_at=self.start + dt.timedelta(seconds=item.at),
        )
        self.comments[item.id] = result.comment
        assert result.verdict is not None
        return result.verdict


def run_pipeline(
    items: Iterable[StreamItem],
    *,
    article_text: str,
    policy: Policy,
    sink: DatabaseSink | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = 500,
) -> tuple[list[Decision], list[tuple[StreamItem, str]]]:
    """Moderate the stream in order; with a sink, store every comment through the service.

    The caller wraps a database run in one transaction, so an interrupted run leaves nothing behind.
    """
    pipeline = Pipeline(article_text=article_text, policy=policy)
    model = active_model()
    decisions: list[Decision] = []
    skipped: list[tuple[StreamItem, str]] = []
    pending = list(items)
    for offset in range(0, len(pending), batch):
        chunk = pending[offset : offset + batch]
        # A dry run scores the chunk's texts at once; a database run posts each through the service.
        scorer = model.batch(item.text for item in chunk) if model is not None and sink is None else model
        for item in chunk:
            context = pipeline.context_for(item)
            if sink is None:
                verdict = moderate(item.text, context, policy, scorer)
            else:
                try:
                    verdict = sink(item, context, policy)
                except CommentError as exc:
                    skipped.append((item, exc.messages[0]))
                    continue
            decisions.append(pipeline.observe(item, verdict))
        if progress:
            progress(min(len(pending), offset + batch))
    return decisions, skipped


def start_time_for(items: list[StreamItem]) -> dt.datetime:
    """Simulated time ends now: the stream's first comment is placed that long ago."""
    span = max((item.at for item in items), default=0.0)
    return timezone.now() - dt.timedelta(seconds=span)


def save_run(*, article: Article | None, label: str, parameters: dict[str, Any]) -> SimulationRun:
    return SimulationRun.objects.create(article=article, label=label[:200], parameters=parameters)


def decisions_jsonl(decisions: Iterable[Decision]) -> Iterable[str]:
    for d in decisions:
        yield json.dumps(
            {
                "id": d.item.id if not d.item.id.startswith("line-") else d.item.line,
                "decision": d.verdict.action.value,
                "reasons": d.verdict.codes,
                "scores": d.verdict.scores,
            }
        )
