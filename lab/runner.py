"""The Django side of the simulator: articles and policies from the database, and the
database path, where every simulated comment goes through ``comments.services.comment_post``
exactly as a comment posted on the page does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.utils import timezone

from articles.models import Article
from comments import services
from comments.models import Comment
from comments.sanitize import clean_text
from lab.models import SimulationRun
from moderation import Context, Policy, Verdict, moderate
from moderation.ahead import score_ahead
from moderation.checks.learned import explained_from
from moderation.files import FileFormatError, read_json
from moderation.model import AbuseModel
from newsroom import limits
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, live_policy, policy_from_record, with_live_model
from simulation.article import ArticleFacts, extract_facts
from simulation.pipeline import Decision, Pipeline
from simulation.stream import StreamItem

# A policy file is a score of settings and two word lists: a megabyte is room for tens of thousands of words.
POLICY_FILE_BYTES = 1_000_000


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
            # Read as every file is (moderation.files): a size limit, UTF-8, nesting 32 deep at most.
            data = read_json(path, max_bytes=POLICY_FILE_BYTES)
        except OSError as exc:
            raise SimulationSetupError(f"cannot read policy file {spec}: {exc.strerror or exc}") from None
        except FileFormatError as exc:
            raise SimulationSetupError(f"policy file {spec}: {exc}") from None
        try:
            # Checked against the policy's settings (moderation.policy.SETTINGS): each bad one refused by name.
            return path.stem, with_live_model(Policy.from_dict(data))
        except ValueError as exc:
            raise SimulationSetupError(f"policy file {spec}: {exc}") from None
    if spec == "default":
        return active_policy_record().name, live_policy()
    record = ModerationPolicy.objects.filter(name=spec).first()
    if record is None:
        names = ", ".join(ModerationPolicy.objects.values_list("name", flat=True)) or "none yet"
        raise SimulationSetupError(f"no policy named {spec!r} (policies: {names}); or give a .json file")
    return record.name, policy_from_record(record)


def dry_run(item: StreamItem, context: Context, policy: Policy) -> Verdict:
    """The sink of a dry run: judge, store nothing."""
    return moderate(item.text, context, policy)


class DatabaseSink:
    """Posts each simulated comment through the service, as the page would, marked as the run's."""

    def __init__(self, *, article: Article, run: SimulationRun, start: dt.datetime) -> None:
        self.article = article
        self.run = run
        self.start = start
        self.comments: dict[str, Comment] = {}

    def __call__(self, item: StreamItem, context: Context, policy: Policy) -> Verdict:
        parent = self.comments.get(item.parent_id) if item.parent_id else None
        if parent is not None and parent.status != Comment.Status.PUBLISHED:
            # Nobody can answer a comment they cannot see: it becomes a new thread.
            parent = None
        result = services.comment_post_simulated(
            article=self.article,
            # Replayed text is cleaned as the web form cleans what readers type.
            author_name=clean_text(item.author, single_line=True)[: limits.NAME_MAX_LENGTH] or "Reader",
            author_email=item.email[: limits.EMAIL_MAX_LENGTH] or "reader@sim.example",
            body=clean_text(item.text),
            parent=parent,
            simulated=services.Simulated(
                run_id=self.run.pk,
                created_at=self.start + dt.timedelta(seconds=item.at),
                policy=policy,
                context=context,
                ground_truth={k: v for k, v in vars(item.truth).items() if v is not None},
            ),
        )
        self.comments[item.id] = result.comment
        assert result.verdict is not None
        return result.verdict


Sink = Callable[[StreamItem, Context, Policy], Verdict]


def run_pipeline(
    items: Iterable[StreamItem],
    *,
    article_text: str,
    policy: Policy,
    sink: Sink = dry_run,
    progress: Callable[[int], None] | None = None,
    batch: int = 500,
) -> tuple[list[Decision], list[tuple[StreamItem, str]]]:
    """Moderate the stream in order and hand every comment to the sink: a dry run judges only, the
    database sink stores each through the service. One loop either way.

    The caller wraps a database run in one transaction, so an interrupted run leaves nothing behind.
    """
    pipeline = Pipeline(article_text=article_text, policy=policy)
    decisions: list[Decision] = []
    skipped: list[tuple[StreamItem, str]] = []
    pending = list(items)
    chunks = [pending[offset : offset + batch] for offset in range(0, len(pending), batch)]
    # The learned model scores each chunk's texts in one pass (the next chunk in a second process
    # while this one is judged); each comment then reads its score.
    model = policy.model
    if isinstance(model, AbuseModel):
        scorers: Iterable[Policy] = (
            replace(policy, model=scores)
            for scores in score_ahead(model, [[i.text for i in c] for c in chunks], explain_from=explained_from(policy))
        )
    else:
        scorers = itertools.repeat(policy)
    for number, (chunk, scored) in enumerate(zip(chunks, scorers, strict=False)):
        for item in chunk:
            context = pipeline.context_for(item)
            try:
                verdict = sink(item, context, scored)
            except services.CommentError as exc:
                skipped.append((item, exc.messages[0]))
                continue
            decisions.append(pipeline.observe(item, verdict))
        if progress:
            progress(min(len(pending), (number + 1) * batch))
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
                # Published, but listed for a moderator: why (a likely off-topic comment short of a hold).
                "flagged": [reason.code for reason in d.verdict.flagged],
                "scores": d.verdict.scores,
            }
        )
