"""Replay or generate comment traffic through the real moderation pipeline, and report.

Why: a newsroom should see what a moderation policy does — how much abuse leaks,
how many good comments wait, how many moderator-hours it costs — before readers
do. Generated traffic comes from the article itself; replayed traffic is real
comments from a file. Without --dry-run every comment is posted through the same
service as the page (marked simulated), so the review queue fills as it would.

A large database run takes a while: with --background the command checks its arguments, stores the
run as queued and leaves it to the worker (``manage.py worker``), whose progress shows on the run's
page. The worker runs this same command on the same arguments (``--into-run``), committing comment
by comment as the page does, so the rest of the site can write beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from tqdm import tqdm

import moderation
from articles.models import Article
from lab import tasks
from lab.models import JobState, SimulationRun
from lab.runner import (
    DatabaseSink,
    SimulationSetupError,
    Sink,
    decision_json,
    dry_run,
    facts_for,
    judge,
    resolve_policy,
    save_run,
    start_time_for,
)
from lab.runs import job_beat
from moderation import Policy
from simulation.feed import generated
from simulation.generate import GENERATED_TRUTH, Corpus, CorpusError
from simulation.replay import ReplayError, ReplayFileError, read_records
from simulation.report import ReportBuilder, build_report, format_comparison, format_text
from simulation.stream import StreamItem


@dataclass(frozen=True)
class Stream:
    """The comments to run, read afresh each time ``items()`` is called (a comparison runs them twice)."""

    items: Callable[[], Iterator[StreamItem]]
    count: int
    ground_truth: str  # where the labels come from, for the report


class Progress:
    """One updating bar on stderr with the rate and the time left (tqdm), for runs long enough to need one;
    silent when stderr is not a terminal (a log file gets no bar)."""

    def __init__(self, total: int, stream: Any, enabled: bool) -> None:
        terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.bar = (
            tqdm(total=total, file=stream, unit=" comments", unit_scale=True, dynamic_ncols=True, mininterval=0.5)
            if enabled and terminal and total >= 1000
            else None
        )
        self.done, self.total = 0, total

    def __call__(self, done: int) -> None:
        if self.bar is None:
            return
        self.bar.update(done - self.done)
        self.done = done
        if done >= self.total:
            self.bar.close()


DEFAULT_CORPUS = Path(moderation.__file__).resolve().parent / "data" / "public-test.jsonl"


class Command(BaseCommand):
    help = "Generate (--comments) or replay (--replay FILE) comments through the moderation pipeline and report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--article", metavar="SLUG", help="the article the comments are posted under")
        parser.add_argument("--comments", type=int, default=1000, help="how many comments to generate (default 1000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same stream")
        parser.add_argument(
            "--corpus", default=str(DEFAULT_CORPUS), metavar="FILE.jsonl",
            help="real labelled comments (text, abusive) the abusive personas speak with; 'none' for templates only "
            "(default: the shipped OLID and HateXplain test splits)",
        )  # fmt: skip
        parser.add_argument("--replay", type=Path, metavar="FILE", help="JSON Lines or CSV of real comments")
        parser.add_argument("--strict", action="store_true", help="stop at the first bad record instead of skipping it")
        parser.add_argument("--dry-run", action="store_true", help="run the pipeline, write nothing to the database")
        parser.add_argument("--verbose", action="store_true", help="print the long tables too (hour by hour)")
        parser.add_argument(
            "--allow-live-database", action="store_true",
            help="write to the database even though DEBUG is off (a production site): generated comments are kept "
            "apart from readers' but fill the review queue's Simulated view",
        )  # fmt: skip
        parser.add_argument("--policy", default="default", help="policy name or .json file (default: the active one)")
        parser.add_argument("--compare", nargs=2, metavar=("POLICY_A", "POLICY_B"), help="run the stream under both")
        parser.add_argument("--moderators", type=int, default=2, help="moderators working the queue (default 2)")
        parser.add_argument("--review-seconds", type=float, default=30.0, help="seconds per held comment (default 30)")
        parser.add_argument("--decisions", type=Path, metavar="OUT.jsonl", help="write one decision per comment")
        parser.add_argument("--json", type=Path, metavar="PATH", help="write the report as JSON")
        parser.add_argument(
            "--background", action="store_true",
            help="store the run as queued and leave it to the worker (manage.py worker); its page shows the progress",
        )  # fmt: skip
        # The worker's side of --background: fill this queued run.
        parser.add_argument("--into-run", type=int, metavar="PK", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["moderators"] < 1 or opts["review_seconds"] <= 0:
            raise CommandError("--moderators must be at least 1 and --review-seconds more than 0.")
        if opts["comments"] < 1:
            raise CommandError("--comments must be at least 1.")
        if not (opts["dry_run"] or opts["compare"] or settings.DEBUG or opts["allow_live_database"]):
            raise CommandError(
                "DEBUG is off, so this looks like a live site: add --dry-run, or --allow-live-database to store "
                "the simulated comments here anyway (readers never see them; a superuser can delete the run)."
            )
        if (opts["background"] or opts["into_run"]) and (opts["dry_run"] or opts["compare"]):
            raise CommandError("--background runs a simulation into the database: not with --dry-run or --compare.")
        article = self._article(
            opts["article"], required=not opts["replay"] or not (opts["dry_run"] or opts["compare"])
        )
        stream = self._stream(opts, article)
        article_text = article.text_for_relevance() if article else ""
        try:
            if opts["compare"]:
                self._compare(opts, stream, article_text)
                return
            label, policy = resolve_policy(opts["policy"])
        except SimulationSetupError as exc:
            raise CommandError(str(exc)) from None

        if opts["background"]:
            self._queue(opts, stream, article, label)
            return
        if opts["into_run"]:
            # The worker's run: each comment commits as it is posted (as on the page), so the progress
            # shows and the site's other writers are not held up for the length of the run.
            self._simulate(opts, stream, article, article_text, label, policy)
            return
        with transaction.atomic() if not opts["dry_run"] else contextlib.nullcontext():
            self._simulate(opts, stream, article, article_text, label, policy)

    def _parameters(self, opts: dict[str, Any], stream: Stream, label: str) -> tuple[str, dict[str, Any]]:
        """The run's label and the parameters it keeps."""
        parameters = {k: str(v) if isinstance(v, Path) else v for k, v in opts.items()
                      if k in {"comments", "seed", "replay", "policy", "moderators", "review_seconds"}}  # fmt: skip
        source = (
            f"replay of {opts['replay'].name}" if opts["replay"] else f"{stream.count} generated, seed {opts['seed']}"
        )
        return f"{label}: {source}", parameters

    def _queue(self, opts: dict[str, Any], stream: Stream, article: Article | None, label: str) -> None:
        """Store the run as queued, and enqueue its task once it is stored."""
        assert article is not None
        run_label, parameters = self._parameters(opts, stream, label)
        argv = worker_argv(opts)
        with transaction.atomic():
            run = SimulationRun.objects.create(
                article=article, label=run_label[:200], parameters=parameters, state=JobState.QUEUED
            )
            transaction.on_commit(lambda: tasks.simulation_start(run_id=run.pk, argv=argv))
        if int(opts["verbosity"]) > 0:
            url = reverse("lab:simulation", kwargs={"pk": run.pk})
            self.stdout.write(
                f"Queued as simulation #{run.pk} ({stream.count} comments); the worker runs it (manage.py worker). "
                f"Its page shows the progress: {url} (staff)"
            )

    def _simulate(self, opts: dict[str, Any], stream: Stream, article: Article | None, article_text: str, label: str,
                  policy: Policy) -> None:  # fmt: skip
        sink: Sink = dry_run
        run = None
        # The bar goes to the real stream: Django's wrapper would end each of its updates with a new line.
        progress: Callable[[int], None] = Progress(
            stream.count, getattr(self.stderr, "_out", sys.stderr), int(opts["verbosity"]) > 0
        )
        if opts["into_run"]:
            assert article is not None
            run = SimulationRun.objects.get(pk=opts["into_run"])
            sink = DatabaseSink(article=article, run=run, start=start_time_for(stream.items()))
            progress = run_progress(run.pk, stream.count)
        elif not opts["dry_run"]:
            assert article is not None
            run_label, parameters = self._parameters(opts, stream, label)
            run = save_run(article=article, label=run_label, parameters=parameters)
            sink = DatabaseSink(article=article, run=run, start=start_time_for(stream.items()))
        builder = ReportBuilder(moderators=opts["moderators"], review_seconds=opts["review_seconds"], label=label)
        skipped = 0

        def skip(item: StreamItem, reason: str) -> None:
            nonlocal skipped
            skipped += 1
            self.stderr.write(f"skipped {item.id}: {reason}")

        decisions = judge(stream.items(), count=stream.count, article_text=article_text, policy=policy, sink=sink,
                          progress=progress, skipped=skip)  # fmt: skip
        # Each decision is counted, and written to --decisions, as it is made: none is kept.
        with self._writing(opts["decisions"]) as out:
            for decision in decisions:
                builder.add(decision)
                if out is not None:
                    out.write(decision_json(decision) + "\n")
        if isinstance(sink, DatabaseSink):
            sink.done()
        report = builder.report()
        report["skipped"] = skipped
        report["ground_truth"] = stream.ground_truth
        if run is not None:
            run.report = report
            run.save(update_fields=["report"])
        if opts["json"]:
            self._write(opts["json"], json.dumps(report, indent=2))
        if int(opts["verbosity"]) > 0:
            self.stdout.write(format_text(report, verbose=opts["verbose"]))
            self.stdout.write(f"\nGround truth: {report['ground_truth']}.")
            if run is not None:
                url = reverse("lab:simulation", kwargs={"pk": run.pk})
                self.stdout.write(f"\nStored as simulation #{run.pk}; report page: {url} (staff)")
            else:
                self.stdout.write("\nDry run: nothing was written to the database.")

    def _article(self, slug: str | None, *, required: bool) -> Article | None:
        if not slug:
            if required:
                raise CommandError("--article SLUG is required (comments are posted under an article).")
            return None
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            known = ", ".join(Article.objects.values_list("slug", flat=True)[:10]) or "none imported yet"
            raise CommandError(f"no article with slug {slug!r} (articles: {known}).")
        return article

    def _stream(self, opts: dict[str, Any], article: Article | None) -> Stream:
        """The comments to run, and where their ground truth comes from."""
        if opts["replay"]:
            try:
                items, errors = read_records(opts["replay"], strict=opts["strict"])
            except FileNotFoundError:
                raise CommandError(f"{opts['replay']}: no such file.") from None
            except ReplayFileError as exc:
                raise CommandError(f"{opts['replay']}: {exc}; nothing was run.") from None
            except ReplayError as exc:
                raise CommandError(f"{opts['replay']}: {exc}; stopped (--strict).") from None
            for error in errors:
                self.stderr.write(f"{opts['replay']}: {error}; skipped")
            if not items:
                raise CommandError(f"{opts['replay']}: no usable records.")
            replayed = items
            return Stream(lambda: iter(replayed), len(items), f"the labels in the replayed file {opts['replay'].name}")
        assert article is not None
        corpus = None
        if opts["corpus"] and opts["corpus"] != "none":
            try:
                corpus = Corpus.load(opts["corpus"])
            except CorpusError as exc:
                raise CommandError(str(exc)) from None
        ground_truth = corpus.describe() if corpus else GENERATED_TRUTH
        facts = facts_for(article)
        corpus_path = str(opts["corpus"]) if corpus else None
        # Generated as it is judged (in a second process for a long run): never all in memory at once.
        return Stream(
            lambda: generated(facts, opts["comments"], opts["seed"], corpus_path), opts["comments"], ground_truth
        )

    def _compare(self, opts: dict[str, Any], stream: Stream, article_text: str) -> None:
        reports = []
        for spec in opts["compare"]:
            label, policy = resolve_policy(spec)
            decisions = judge(stream.items(), count=stream.count, article_text=article_text, policy=policy)
            reports.append(
                build_report(
                    decisions, moderators=opts["moderators"], review_seconds=opts["review_seconds"], label=label
                )
            )
        ground_truth = stream.ground_truth
        for report in reports:
            report["ground_truth"] = ground_truth
        if opts["json"]:
            self._write(opts["json"], json.dumps({"a": reports[0], "b": reports[1]}, indent=2))
        self.stdout.write(format_comparison(reports[0], reports[1]))
        self.stdout.write(f"\nGround truth: {ground_truth}.")
        self.stdout.write("\nCompared on the same stream without writing to the database.")

    @contextlib.contextmanager
    def _writing(self, path: Path | None) -> Iterator[IO[str] | None]:
        """A file written line by line beside ``path`` and renamed when complete: a failed run leaves no half a
        file. None when there is no path."""
        if path is None:
            yield None
            return
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            with temporary.open("w", encoding="utf-8") as out:
                yield out
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise

    def _write(self, path: Path, text: str) -> None:
        """Written beside the target and renamed: a failed write leaves no half a file."""
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None


def run_progress(pk: int, total: int) -> Callable[[int], None]:
    """A worker's run writes its progress, and with it the heartbeat that says its worker is alive."""

    def progress(done: int) -> None:
        job_beat(SimulationRun, pk, progress=done / total if total else 1.0)

    return progress


# What the worker needs to run the same simulation: every option but those of this process.
WORKER_OPTIONS = (
    "article", "comments", "seed", "corpus", "replay", "strict", "policy", "moderators", "review_seconds",
    "decisions", "json", "verbose", "allow_live_database",
)  # fmt: skip


def worker_argv(opts: dict[str, Any]) -> list[str]:
    """The command line the worker runs: files as absolute paths (the worker may start elsewhere)."""
    argv: list[str] = []
    for name in WORKER_OPTIONS:
        value = opts.get(name)
        flag = "--" + name.replace("_", "-")
        if value is None or value is False or value == "":
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, Path) or (name == "corpus" and value != "none"):
            argv += [flag, str(Path(value).resolve())]
        elif name == "policy" and Path(str(value)).is_file():
            argv += [flag, str(Path(str(value)).resolve())]
        else:
            argv += [flag, str(value)]
    return argv
