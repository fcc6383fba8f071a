"""The Django side of the simulator: articles and policies from the database, and the
database path, where every simulated comment goes through ``comments.services.comment_post``
exactly as a comment posted on the page does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

from django.utils import timezone

from articles.models import Article
from comments import services
from comments.models import Comment, ModerationEvent
from comments.sanitize import clean_text
from lab.models import SimulationRun
from moderation import Context, Policy, Verdict, moderate
from moderation.ahead import score_ahead
from moderation.checks.learned import explained_from
from moderation.files import FileFormatError, read_json
from moderation.model import AbuseModel, BatchScores, Findings
from newsroom import limits
from newsroom.db import refresh_planner_statistics
from policies.models import ModerationPolicy
from policies.selectors import active_policy_record, live_policy, policy_from_record, with_live_model
from simulation.article import ArticleFacts, extract_facts
from simulation.pipeline import REMEMBERED, Decision, Pipeline
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
    """Posts each simulated comment through the service, as the page would, marked as the run's.

    It remembers the comments a later reply may answer (the latest ``REMEMBERED`` of them, as the pipeline
    does), not the whole run: a run of any size is written as it goes, in the same memory."""

    def __init__(self, *, article: Article, run: SimulationRun, start: dt.datetime) -> None:
        self.article = article
        self.run = run
        self.start = start
        self.comments: dict[str, Comment] = {}
        self._order: deque[str] = deque()
        self.written = 0

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
        self.written += 1
        self.comments[item.id] = result.comment
        self._order.append(item.id)
        if len(self._order) > REMEMBERED:
            self.comments.pop(self._order.popleft(), None)
        assert result.verdict is not None
        return result.verdict

    def done(self) -> None:
        """A run is a bulk load: let the database's planner see the rows it wrote (``newsroom.db``)."""
        if self.written:
            refresh_planner_statistics(Comment, ModerationEvent)


Sink = Callable[[StreamItem, Context, Policy], Verdict]


class Scores:
    """The learned model's scores for a stream, a batch at a time, each distinct text scored once.

    A stream says the same things over and over ("Agreed.", the same real comment drawn again): each batch
    sends the second process (``moderation.ahead``) only the texts it has not scored yet, and the scores and
    spans of the latest ``REMEMBERED`` texts are kept here. A text forgotten in between is scored again by
    the model itself, with the same figures."""

    def __init__(
        self, model: AbuseModel, chunks: Iterator[list[StreamItem]], count: int, explain_from: float, policy: Policy
    ) -> None:
        self.model = model
        self._policy = policy
        # Which text-only checks found something in the texts remembered (worked out beside their scores).
        self._findings: Findings | None = None
        self._chunks = chunks
        self._count = count
        self._explain_from = explain_from
        self._items: dict[int, list[StreamItem]] = {}
        self._fresh: dict[int, list[str]] = {}
        self._asked: set[str] = set()
        self._score: dict[str, float] = {}
        self._spans: dict[str, tuple[tuple[int, int], ...]] = {}
        self._order: deque[str] = deque()

    def __iter__(self) -> Iterator[tuple[list[StreamItem], BatchScores]]:
        batches = _Batches(self)
        ahead = score_ahead(self.model, batches, explain_from=self._explain_from, policy=self._policy)
        for index, scored in enumerate(ahead):
            self._learn(scored)
            items = self._items.pop(index)
            del self._fresh[index]
            known = {item.text: score for item in items if (score := self._score.get(item.text)) is not None}
            spans = {text: found for text in known if (found := self._spans.get(text)) is not None}
            yield items, BatchScores(self.model, known, spans, self._findings)

    def _texts(self, index: int) -> list[str]:
        """The texts of batch ``index`` not scored yet nor asked for: read from the stream the first time
        ``score_ahead`` asks (it asks in order), the same list when it asks again."""
        fresh = self._fresh.get(index)
        if fresh is None:
            items = self._items[index] = next(self._chunks, [])
            unknown = dict.fromkeys(item.text for item in items if item.text not in self._score)
            fresh = self._fresh[index] = [text for text in unknown if text not in self._asked]
            self._asked.update(fresh)
        return fresh

    def _learn(self, scored: BatchScores) -> None:
        if scored.findings is not None:
            if self._findings is None:
                self._findings = replace(scored.findings, found={})
            self._findings.found.update(scored.findings.found)
        for text, score in scored.known.items():
            self._asked.discard(text)
            if text not in self._score:
                self._order.append(text)
            self._score[text] = score
            found = scored.spans.get(text)
            if found is not None:
                self._spans[text] = found
        while len(self._order) > REMEMBERED:
            text = self._order.popleft()
            del self._score[text]
            self._spans.pop(text, None)
            if self._findings is not None:
                self._findings.found.pop(text, None)


class _Batches(Sequence[list[str]]):
    """The texts to score, batch by batch, read from the stream only when ``score_ahead`` asks for them."""

    def __init__(self, scores: Scores, start: int = 0) -> None:
        self._scores = scores
        self._start = start

    def __len__(self) -> int:
        return max(0, self._scores._count - self._start)

    @overload
    def __getitem__(self, index: int) -> list[str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[list[str]]: ...

    def __getitem__(self, index: int | slice) -> list[str] | Sequence[list[str]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1 or stop != len(self):
                return [self[i] for i in range(start, stop, step)]
            return _Batches(self._scores, self._start + start)  # the rest, still read as asked for
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._scores._texts(self._start + index)

    def __iter__(self) -> Iterator[list[str]]:
        return (self[i] for i in range(len(self)))


def judge(
    items: Iterable[StreamItem],
    *,
    count: int,
    article_text: str,
    policy: Policy,
    sink: Sink = dry_run,
    progress: Callable[[int], None] | None = None,
    batch: int = 500,
    skipped: Callable[[StreamItem, str], None] | None = None,
) -> Iterator[Decision]:
    """Moderate the stream (``count`` comments) in order and hand every comment to the sink, yielding each
    decision as it is made: a dry run judges only, the database sink stores each through the service. One
    loop either way, and nothing kept per comment here: the caller counts what it needs as they come.

    The caller wraps a database run in one transaction, so an interrupted run leaves nothing behind.
    """
    with _fewer_collections():
        yield from _judge(items, count, article_text, policy, sink, progress, batch, skipped)


def _judge(
    items: Iterable[StreamItem],
    count: int,
    article_text: str,
    policy: Policy,
    sink: Sink,
    progress: Callable[[int], None] | None,
    batch: int,
    skipped: Callable[[StreamItem, str], None] | None,
) -> Iterator[Decision]:
    pipeline = Pipeline(article_text=article_text, policy=policy)
    stream = iter(items)
    chunks = iter(lambda: list(itertools.islice(stream, batch)), [])
    batches = -(-count // batch)
    # The learned model scores each chunk's texts in one pass (the next chunk in a second process
    # while this one is judged); each comment then reads its score.
    model = policy.model
    scored: Iterable[tuple[list[StreamItem], Policy]]
    if isinstance(model, AbuseModel):
        ahead = Scores(model, chunks, batches, explained_from(policy), policy)
        scored = ((chunk, replace(policy, model=scores)) for chunk, scores in ahead)
    else:
        scored = ((chunk, policy) for chunk in chunks)
    done = 0
    for chunk, scorer in scored:
        for item in chunk:
            context = pipeline.context_for(item)
            try:
                verdict = sink(item, context, scorer)
            except services.CommentError as exc:
                if skipped is not None:
                    skipped(item, exc.messages[0])
                continue
            yield pipeline.observe(item, verdict)
        done += len(chunk)
        if progress:
            progress(min(count, done))


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Judging makes many short-lived objects and hardly a cycle: the garbage collector's youngest generation is
    looked at every 20,000 allocations instead of every 700 while it runs, which saves about a tenth of a long
    run's time (measured on the first 40,000 comments of a million: 147 to 132 microseconds a comment)."""
    before = gc.get_threshold()
    gc.set_threshold(20_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_pipeline(
    items: Iterable[StreamItem],
    *,
    article_text: str,
    policy: Policy,
    sink: Sink = dry_run,
    progress: Callable[[int], None] | None = None,
    batch: int = 500,
) -> tuple[list[Decision], list[tuple[StreamItem, str]]]:
    """:func:`judge`, keeping every decision: for the lab's short streams, which compare two policies
    comment by comment."""
    pending = list(items)
    skipped: list[tuple[StreamItem, str]] = []
    decisions = list(
        judge(pending, count=len(pending), article_text=article_text, policy=policy, sink=sink, progress=progress,
              batch=batch, skipped=lambda item, reason: skipped.append((item, reason)))
    )  # fmt: skip
    return decisions, skipped


def start_time_for(items: Iterable[StreamItem]) -> dt.datetime:
    """Simulated time ends now: the stream's first comment is placed that long ago."""
    span = max((item.at for item in items), default=0.0)
    return timezone.now() - dt.timedelta(seconds=span)


def save_run(*, article: Article | None, label: str, parameters: dict[str, Any]) -> SimulationRun:
    return SimulationRun.objects.create(article=article, label=label[:200], parameters=parameters)


def decision_json(d: Decision) -> str:
    """One line of ``--decisions``: what was decided about a comment, and why."""
    return json.dumps(
        {
            "id": d.item.id if not d.item.id.startswith("line-") else d.item.line,
            "decision": d.verdict.action.value,
            "reasons": d.verdict.codes,
            # Published, but listed for a moderator: why (a likely off-topic comment short of a hold).
            "flagged": [reason.code for reason in d.verdict.flagged],
            "scores": d.verdict.scores,
        }
    )
