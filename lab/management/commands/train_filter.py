"""Train the learned abuse model, so a newsroom can measure it and retrain it on its own community.

The shipped model was made with this command (docs/model-card.md). A newsroom
adds its own moderators' decisions with ``--from-decisions``: a held comment a
moderator approved, or a reported one kept published, is clean; a comment rejected or
removed as abusive is abusive. Comments rejected for other reasons (spam, off-topic,
other) say nothing about abuse and are left out, and so are comments no person
reviewed: learning from the filter's own decisions would only teach it itself.
Simulated comments are never used.

Same data and seed, same model file, byte for byte.

Training on a large set takes minutes: ``--background`` checks the arguments and leaves the training
to the worker (``manage.py worker``), which runs this same command on the same arguments; the task's
row in the admin (Tasks Database Backend) keeps its output, or why it failed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comments.models import Comment, ModerationEvent
from lab.tasks import retrain
from moderation import Family
from moderation.model import AbuseModel, ModelError
from moderation.training import Record, TrainingError, auc_by_source, read_records, split_records, train

DECISIONS_SOURCE = "site-decisions"


def decision_records() -> list[Record]:
    """The site's moderator decisions on real comments, as training records."""
    human = (
        ModerationEvent.objects.by_moderators(dismissals=True)
        .filter(comment__simulation__isnull=True)
        .order_by("comment_id", "created_at", "id")
    )
    last: dict[int, ModerationEvent] = {}
    for event in human.select_related("comment"):
        last[event.comment_id] = event  # the latest decision stands
    records = []
    for event in last.values():
        if event.action in (ModerationEvent.Action.APPROVE, ModerationEvent.Action.DISMISS_REPORTS):
            if event.comment.status == Comment.Status.PUBLISHED:
                records.append(Record(event.comment.body, False, "train", DECISIONS_SOURCE))
        elif event.reason == Family.ABUSIVE:
            records.append(Record(event.comment.body, True, "train", DECISIONS_SOURCE))
    return records


class Command(BaseCommand):
    help = "Train the learned abuse model from labelled JSON lines (text, abusive, split) and write a model file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", action="append", default=[], metavar="FILE.jsonl", help="labelled records; repeatable"
        )
        parser.add_argument("--out", required=True, metavar="PATH", help="where to write the model file")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--from-decisions", action="store_true", help="add this site's moderator decisions")
        parser.add_argument("--name", default="", help="a name for the model, shown in the admin")
        parser.add_argument(
            "--background", action="store_true", help="leave the training to the worker (manage.py worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["background"]:
            self._queue(options)
            return
        records: list[Record] = []
        sources: dict[str, str] = {}
        try:
            for name in options["data"]:
                path = Path(name)
                records += read_records(path)
                with path.open("rb") as stream:  # hashed in chunks: the file is never held whole
                    sources[path.name] = hashlib.file_digest(stream, "sha256").hexdigest()
        except TrainingError as exc:
            raise CommandError(f"{exc}; nothing was written.") from None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror or exc}; nothing was written.") from None
        if options["from_decisions"]:
            site = decision_records()
            self.stdout.write(f"{len(site)} moderator decisions added ({sum(r.abusive for r in site)} abusive).")
            digest = hashlib.sha256("\n".join(f"{r.abusive}\t{r.text}" for r in site).encode()).hexdigest()
            sources[DECISIONS_SOURCE] = digest
            records += site
        if not records:
            raise CommandError("No training records: give --data FILE.jsonl and/or --from-decisions.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a folder; nothing was written.")

        try:
            result = train(records, seed=options["seed"], sources=sources)
        except TrainingError as exc:
            raise CommandError(f"{exc}; nothing was written.") from None
        model, figures = result.model, result.figures
        test = split_records(records)[2]
        if test:
            figures["test_auc"] = auc_by_source(model, test)
        model.metadata["name"] = options["name"] or out.stem
        model.metadata["figures"] = figures

        data = model.to_bytes()
        try:
            AbuseModel.from_bytes(data)  # never write a model the site would refuse to load
        except ModelError as exc:
            raise CommandError(f"the trained model cannot be used: {exc}; nothing was written.") from None
        # Written beside the target and renamed: a failed write never leaves half a model.
        try:
            handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        except OSError as exc:
            raise CommandError(f"cannot write in {out.parent}: {exc.strerror or exc}; nothing was written.") from None
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, out)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise CommandError(f"cannot write {out}: {exc.strerror or exc}; nothing was written.") from None
            raise

        records_figures = figures["records"]
        self.stdout.write(
            f"Trained on {records_figures['train']} records, thresholds chosen on {records_figures['val']}, "
            f"{records_figures['test_left_out']} test records left out."
        )
        if "val" in figures:
            self.stdout.write(f"Validation AUC {figures['val']['auc']} {figures['val']['by_source']}")
            thresholds = figures["thresholds"]
            self.stdout.write(
                f"Suggested policy thresholds: model_hold {thresholds['hold']} (holds 10% of clean validation "
                f"comments), model_reject {thresholds['reject']} (rejects 0.2%)."
            )
        if figures.get("test_auc"):
            self.stdout.write(f"Test AUC (never trained on): {figures['test_auc']}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} ({out.stat().st_size:,} bytes)."))

    def _queue(self, options: dict[str, Any]) -> None:
        """Check what can be checked here, then enqueue the same command for the worker."""
        data = [Path(name).resolve() for name in options["data"]]
        for path in data:
            if not path.is_file():
                raise CommandError(f"{path}: no such file; nothing was queued.")
        if not data and not options["from_decisions"]:
            raise CommandError("No training records: give --data FILE.jsonl and/or --from-decisions.")
        out = Path(options["out"]).resolve()
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a folder; nothing was queued.")
        argv = [arg for path in data for arg in ("--data", str(path))]
        argv += ["--out", str(out), "--seed", str(options["seed"]), "--name", options["name"] or out.stem]
        if options["from_decisions"]:
            argv.append("--from-decisions")
        result = retrain.enqueue(argv)
        self.stdout.write(
            f"Queued as task {result.id}; the worker trains the model (manage.py worker) and writes {out}."
        )
