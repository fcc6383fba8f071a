"""Train the learned abuse model, so a newsroom can measure it and retrain it on its own community.

The shipped model was made with this command (docs/model-card.md), from public labelled data (``--data``).

A newsroom teaches it its own moderators' decisions with ``--from-decisions`` (or the same decisions as JSON
lines, ``--decisions FILE.jsonl``): a held comment a moderator approved, or a reported one kept published, is
clean; a comment rejected or removed as abusive is abusive. Comments rejected for other reasons (spam,
off-topic, other) say nothing about abuse and are left out, and so are comments no person reviewed: learning
from the filter's own decisions would only teach it itself. Simulated comments are never used, nor imported
ones (``import_comments``), even once a moderator here has decided on them.

Why it does not simply add them to the public data: a thousand decisions beside tens of thousands of public
posts barely move the model. So the decisions are split by comment id (``moderation.training.split_for``: 70 %
to learn from, 15 % to choose on, 15 % held out for ever), and two candidates are compared with the base model
(``--base``, the site's model by default) on decisions they did not learn from: a *stage* on the base model,
learned from the decisions alone in seconds, and, when ``--data`` gives the public data too, the whole model
*retrained* with them (minutes). The better is written only if it beats the base; otherwise nothing is written,
and the command fails saying so. It prints all three, and the base's and the new model's AUC on the decisions
held out of everything (docs/model-card.md, "Learning from your own decisions"; the learning curve is
``bench/learning.py``). With too few decisions to compare on, and ``--data`` given, it trains as it always did
(the decisions as one more source) and says that nothing was compared.

Same data and seed, same model file, byte for byte.

Training on a large set takes minutes: ``--background`` checks the arguments and leaves the training
to the worker (``manage.py worker``), which runs this same command on the same arguments; the task's
row in the admin (Tasks Database Backend) keeps its output, or why it failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from comments.models import Comment, ModerationEvent
from lab.tasks import retrain
from moderation import Family
from moderation.model import AbuseModel, ModelError
from moderation.training import (
    DECISIONS_SOURCE,
    Record,
    SiteResult,
    TooFewDecisions,
    TrainingError,
    as_decisions,
    auc_by_source,
    learn_from_site,
    read_decisions,
    read_records,
    split_records,
    train,
)

__all__ = ["DECISIONS_SOURCE", "Command", "decision_count", "decision_records"]


def _human_decisions() -> QuerySet[ModerationEvent]:
    # Readers' comments posted here only: not the simulator's, nor those brought by import_comments, which
    # were written for another site's rules and judged by its moderators (or by nobody).
    return (
        ModerationEvent.objects.by_moderators(dismissals=True)
        .filter(comment__simulation__isnull=True, comment__source_id__isnull=True)
        .order_by("comment_id", "created_at", "id")
    )


def _abusive(action: str, reason: str, status: str) -> bool | None:
    """What a comment's latest decision says about abuse: approved (or kept published over reports) and still
    published is clean, rejected or removed as abusive is abusive; None: other reasons say nothing about it."""
    if action in (ModerationEvent.Action.APPROVE, ModerationEvent.Action.DISMISS_REPORTS):
        return False if status == Comment.Status.PUBLISHED else None
    return True if reason == Family.ABUSIVE else None


def decision_records() -> list[Record]:
    """The site's moderator decisions on real comments, as training records, one a comment (its latest decision).

    Each record's ``key`` is the comment's id (as text) and its ``split`` is ``split_for(key)``: ``"train"``,
    ``"val"`` or ``"test"``, fixed for ever by the id. Training learns from ``train``, chooses on ``val`` and
    never uses ``test``: the records with ``split == "test"`` are the ones to compare two models on (the model
    pages do), since neither learned from them. Their ``source`` is ``DECISIONS_SOURCE``.
    """
    last: dict[int, ModerationEvent] = {}
    events = _human_decisions().select_related("comment")
    for event in events.only("comment_id", "action", "reason", "comment__body", "comment__status"):
        last[event.comment_id] = event  # the latest decision stands
    records = []
    for event in last.values():
        abusive = _abusive(event.action, event.reason, event.comment.status)
        if abusive is not None:
            records.append(Record(event.comment.body, abusive, key=str(event.comment_id)))
    return as_decisions(records)


def decision_count() -> int:
    """``len(decision_records())`` without reading a comment's text: the training page shows it on every visit."""
    last: dict[int, tuple[str, str, str]] = {}
    rows = _human_decisions().values_list("comment_id", "action", "reason", "comment__status")
    for comment_id, action, reason, status in rows.iterator(chunk_size=5000):
        last[comment_id] = (action, reason, status)
    return sum(1 for decision in last.values() if _abusive(*decision) is not None)


def _digest(records: Sequence[Record]) -> str:
    return hashlib.sha256("\n".join(f"{r.key}\t{r.abusive}\t{r.text}" for r in records).encode()).hexdigest()


def _auc(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    verbosity = 1
    help = (
        "Train the learned abuse model from labelled JSON lines (text, abusive, split) and write a model file; "
        "with the site's own decisions, keep what beats the base model on held-out decisions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", action="append", default=[], metavar="FILE.jsonl", help="public labelled records; repeatable"
        )
        parser.add_argument("--out", metavar="PATH", help="where to write the model file")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--from-decisions", action="store_true", help="learn from this site's moderator decisions")
        parser.add_argument(
            "--decisions",
            action="append",
            default=[],
            metavar="FILE.jsonl",
            help="own decisions as JSON lines (text, abusive, optional key), treated as the site's; repeatable",
        )
        parser.add_argument(
            "--base",
            metavar="MODEL.nrm",
            help="the model own decisions are learned on and compared with (default: settings.MODERATION_MODEL)",
        )
        parser.add_argument(
            "--export-decisions",
            metavar="FILE.jsonl",
            help="write this site's decisions as JSON lines (key, text, abusive, split) and stop",
        )
        parser.add_argument("--name", default="", help="a name for the model, shown in the admin")
        parser.add_argument(
            "--background", action="store_true", help="leave the training to the worker (manage.py worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        if options["export_decisions"]:
            self._export(Path(options["export_decisions"]))
            return
        if not options["out"]:
            raise CommandError("Give --out PATH, where to write the model file.")
        if options["background"]:
            self._queue(options)
            return
        records: list[Record] = []
        own: list[Record] = []
        sources: dict[str, str] = {}
        try:
            for name, read, into in [
                *((name, read_records, records) for name in options["data"]),
                *((name, read_decisions, own) for name in options["decisions"]),
            ]:
                path = Path(name)
                into += read(path)
                with path.open("rb") as stream:  # hashed in chunks: the file is never held whole
                    sources[path.name] = hashlib.file_digest(stream, "sha256").hexdigest()
        except TrainingError as exc:
            raise CommandError(f"{exc}; nothing was written.") from None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror or exc}; nothing was written.") from None
        if options["from_decisions"]:
            site = decision_records()
            self.stdout.write(f"{len(site)} moderator decisions added ({sum(r.abusive for r in site)} abusive).")
            sources[DECISIONS_SOURCE] = _digest(site)
            own += site
        if not records and not own:
            raise CommandError(
                "No training records: give --data FILE.jsonl, --decisions FILE.jsonl and/or --from-decisions."
            )
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a folder; nothing was written.")

        if own:
            model = self._learn_from_site(own, records, sources, options)
            if model is None:  # too few decisions to compare on: trained as before, on everything
                model = self._train(records + own, sources, options)
        else:
            model = self._train(records, sources, options)
        model.metadata["name"] = options["name"] or out.stem
        self._write(model, out)
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} ({out.stat().st_size:,} bytes)."))

    def _train(self, records: list[Record], sources: dict[str, str], options: dict[str, Any]) -> AbuseModel:
        """The whole model trained on everything given (own decisions as one more source), as it always was."""
        try:
            result = train(records, seed=options["seed"], sources=sources)
        except TrainingError as exc:
            raise CommandError(f"{exc}; nothing was written.") from None
        model, figures = result.model, result.figures
        test = split_records(records)[2]
        if test:
            figures["test_auc"] = auc_by_source(model, test)
        model.metadata["figures"] = figures
        records_figures = figures["records"]
        self.stdout.write(
            f"Trained on {records_figures['train']} records, thresholds chosen on {records_figures['val']}, "
            f"{records_figures['test_left_out']} test records left out."
        )
        if "val" in figures:
            self.stdout.write(f"Validation AUC {figures['val']['auc']} {figures['val']['by_source']}")
            self._thresholds(figures["thresholds"], "clean validation comments")
        if figures.get("test_auc"):
            self.stdout.write(f"Test AUC (never trained on): {figures['test_auc']}")
        return model

    def _learn_from_site(
        self, own: list[Record], public: list[Record], sources: dict[str, str], options: dict[str, Any]
    ) -> AbuseModel | None:
        """The model that beats the base on the held-out decisions; None (having said why) when there are
        too few decisions to compare on but public data to train as before; otherwise nothing is written."""
        base_path = Path(options["base"] or settings.MODERATION_MODEL)
        try:
            base = AbuseModel.load(base_path)
        except ModelError as exc:
            raise CommandError(f"the base model cannot be used: {exc}; nothing was written.") from None
        parts = {split: sum(r.split == split for r in own) for split in ("train", "val", "test")}
        self.stdout.write(
            f"{len(own):,} own decisions ({sum(r.abusive for r in own):,} abusive), split by comment id: "
            f"{parts['train']:,} to learn from, {parts['val']:,} to choose on, {parts['test']:,} held out."
        )
        self.stdout.write(f"Base model: {base.name} ({base_path}).")
        if public:
            self.stdout.write(
                f"Learning from {len(public):,} public records and the decisions, and from the decisions alone; "
                "the retraining takes minutes."
            )
        try:
            result = learn_from_site(base, own, public=public, seed=options["seed"])
        except TooFewDecisions as exc:
            if public:
                self.stdout.write(
                    self.style.WARNING(
                        f"Nothing compared: {exc}. Trained as before instead: on the labelled files and the "
                        f"{parts['train'] + parts['val']:,} decisions not held out, one more source among them."
                    )
                )
                return None
            raise CommandError(f"{exc}; nothing was written.") from None
        except TrainingError as exc:
            raise CommandError(f"{exc}; nothing was written.") from None
        self._report(result)
        if result.model is None:
            raise CommandError(
                f"Neither candidate beats the base model ({base.name}) on the decisions held out to choose on, "
                "so nothing was written: keep the model the site has."
            )
        model = result.model
        if result.chosen == "stage":  # the model under the stage is the base's: its file is part of what made this
            sources = {**sources, f"base: {base_path.name}": base.source[1] if base.source else ""}
        model.metadata = {**model.metadata, "trained_on": sources, "seed": options["seed"], "site": result.figures}
        return model

    def _report(self, result: SiteResult) -> None:
        figures = result.figures
        counts = figures["decisions"]
        base, stage, retrained = figures["base"], figures["stage"], figures.get("retrain")
        if retrained is None:
            retrained_line = "not tried (give the public data with --data)"
        else:
            retrained_line = f"{_auc(retrained['val_auc'])} (own decisions weighing {retrained['weight']:g}x)"
        self.stdout.write(
            f"AUC on the {counts['val']:,} decisions held out to choose on: base {_auc(base['val_auc'])}; "
            f"retrained with the public data {retrained_line}; stage on the base {_auc(stage['val_auc'])}."
        )
        self.stdout.write(
            f"AUC on all {counts['train'] + counts['val']:,} of them, each scored by a stage that did not learn "
            f"from it ({stage['folds']} folds): base {_auc(base['auc'])}; stage {_auc(stage['auc'])} "
            f"(C {stage['c']:g})."
        )
        if self.verbosity >= 2:
            self.stdout.write(f"  stage, by C: {stage['cross_validated_auc_by_c']}")
            if retrained:
                self.stdout.write(f"  retrained, by own weight: {retrained['val_auc_by_weight']}")
        test = figures["test_auc"]
        if test["base"] is None:
            self.stdout.write(f"Too few decisions held out to measure on ({counts['test']:,}).")
        elif result.model is None:
            self.stdout.write(f"AUC on the {counts['test']:,} decisions never used: base {_auc(test['base'])}.")
        if result.model is None:
            return
        chosen = {"stage": "the stage on the base", "retrain": "the retrained model"}[result.chosen]
        self.stdout.write(
            f"Chosen: {chosen}, refitted on the {counts['train'] + counts['val']:,} decisions learned from and "
            "chosen on."
        )
        if test["base"] is not None:
            self.stdout.write(
                f"AUC on the {counts['test']:,} decisions never learned from nor chosen on: "
                f"base {_auc(test['base'])}, new {_auc(test['new'])} ({test['new'] - test['base']:+.3f})."
            )
        if figures.get("thresholds"):
            clean = "clean decisions" if result.chosen == "stage" else "clean validation comments"
            self._thresholds(figures["thresholds"], clean)

    def _thresholds(self, thresholds: dict[str, float], clean: str) -> None:
        self.stdout.write(
            f"Suggested policy thresholds: model_hold {thresholds['hold']} (holds 10% of {clean}), "
            f"model_reject {thresholds['reject']} (rejects 0.2%)."
        )

    def _write(self, model: AbuseModel, out: Path) -> None:
        """Written beside the target and renamed: a failed write never leaves half a model."""
        data = model.to_bytes()
        try:
            AbuseModel.from_bytes(data)  # never write a model the site would refuse to load
        except ModelError as exc:
            raise CommandError(f"the trained model cannot be used: {exc}; nothing was written.") from None
        _write_atomically(out, lambda stream: stream.write(data))

    def _export(self, path: Path) -> None:
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a folder; nothing was written.")
        site = decision_records()

        def write(stream: Any) -> None:
            for r in site:
                line = {"key": r.key, "text": r.text, "abusive": r.abusive, "split": r.split}
                stream.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")

        _write_atomically(path, write)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {len(site):,} decisions ({sum(r.abusive for r in site):,} abusive) to {path}.")
        )

    def _queue(self, options: dict[str, Any]) -> None:
        """Check what can be checked here, then enqueue the same command for the worker."""
        data = [Path(name).resolve() for name in options["data"]]
        decisions = [Path(name).resolve() for name in options["decisions"]]
        for path in data + decisions:
            if not path.is_file():
                raise CommandError(f"{path}: no such file; nothing was queued.")
        if not data and not decisions and not options["from_decisions"]:
            raise CommandError(
                "No training records: give --data FILE.jsonl, --decisions FILE.jsonl and/or --from-decisions."
            )
        out = Path(options["out"]).resolve()
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a folder; nothing was queued.")
        argv = [arg for path in data for arg in ("--data", str(path))]
        argv += [arg for path in decisions for arg in ("--decisions", str(path))]
        argv += ["--out", str(out), "--seed", str(options["seed"]), "--name", options["name"] or out.stem]
        if options["base"]:
            argv += ["--base", str(Path(options["base"]).resolve())]
        if options["from_decisions"]:
            argv.append("--from-decisions")
        result = retrain.enqueue(argv)
        self.stdout.write(
            f"Queued as task {result.id}; the worker trains the model (manage.py worker) and writes {out}."
        )


def _write_atomically(out: Path, write: Callable[[Any], object]) -> None:
    """Write beside ``out`` and rename, so a failed write never leaves half a file."""
    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    except OSError as exc:
        raise CommandError(f"cannot write in {out.parent}: {exc.strerror or exc}; nothing was written.") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.replace(temporary, out)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}; nothing was written.") from None
        raise
