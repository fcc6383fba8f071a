"""Bring a newsroom's comments from the system it is leaving: a Disqus export, a WordPress WXR export, or this
site's own export (``export_comments``) from another Newsroom.

Why: a newsroom that switches comment systems keeps its readers' conversations, under the right stories, in
the state they were left in, without the move emailing anyone, teaching the filter anything or giving any
address a record it never earned here. docs/import-export.md says what is kept and how.

The whole file is stored in one transaction, or nothing is: a damaged, cut-short or unsafe file (an "XML bomb")
is refused with one line naming where. Running it again on the same file stores nothing twice.
"""

from __future__ import annotations

import os
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.models import Article
from transfer.formats import ExportError
from transfer.services import ImportReport, analyze_written, comments_import
from transfer.stories import story_key

SHOWN_STORIES = 50


class _Counted:
    """The file as the parser reads it, each read moving the progress bar on by its bytes."""

    def __init__(self, stream: IO[bytes], bar: tqdm[Any]) -> None:
        self.stream = stream
        self.bar = bar

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size)
        self.bar.update(len(data))
        return data

    def readline(self) -> bytes:
        data = self.stream.readline()
        self.bar.update(len(data))
        return data


class Command(BaseCommand):
    help = (
        "Import comments from a Disqus export, a WordPress WXR export or this site's export_comments file: "
        "stories found by their address (or --map), states kept, nothing stored twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the export: Disqus XML, WordPress WXR (XML) or export_comments JSON lines")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="URL=SLUG",
            help="put the comments of the thread at URL under the story SLUG (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="write nothing; print what would be stored")
        parser.add_argument(
            "--moderate",
            action="store_true",
            help="judge the comments the source published or held with the live policy, as if posted now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        maps = self._maps(options["map"])
        path = options["file"]
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed below, after the bar
            size = os.fstat(stream.fileno()).st_size
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        bar = tqdm(
            total=size, unit="B", unit_scale=True, desc="Importing", disable=verbosity == 0,
            file=cast(IO[str], self.stderr._out), leave=False,
        )  # fmt: skip

        def skipped(line: int, reason: str) -> None:
            if verbosity >= 1:
                with bar.external_write_mode(file=cast(IO[str], self.stderr._out)):
                    self.stderr.write(f"line {line}: {reason}" if line else reason)

        try:
            with stream, bar:
                report = comments_import(
                    stream=_Counted(stream, bar), maps=maps, dry_run=options["dry_run"],
                    moderate=options["moderate"], on_skip=skipped,
                )  # fmt: skip
        except ExportError as error:
            raise CommandError(f"{path}: {str(error).rstrip('.')}; nothing was imported.") from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}; nothing was imported.") from None
        if report.total and not report.dry_run:
            analyze_written()
        if verbosity >= 1:
            self._summary(report, verbosity)

    def _maps(self, given: list[str]) -> dict[str, Article]:
        maps = {}
        for item in given:
            url, _, slug = item.rpartition("=")
            if not url or not slug:
                raise CommandError(f"--map {item!r}: write it as URL=slug.")
            if story_key(url) is None:
                raise CommandError(f"--map {item!r}: {url!r} is not a web address.")
            story = Article.objects.filter(slug=slug.strip()).first()
            if story is None:
                raise CommandError(f"--map {item!r}: there is no story with the slug {slug!r}.")
            maps[url] = story
        return maps

    def _summary(self, report: ImportReport, verbosity: int) -> None:
        would = "would be " if report.dry_run else ""
        new = set(report.new_stories)
        rows = sorted(report.stored.items(), key=lambda item: (-item[1], report.stories.get(item[0], "")))
        shown = rows if verbosity >= 2 else rows[:SHOWN_STORIES]
        for story, count in shown:
            mark = f" (new story, {would}created)" if story in new else ""
            self.stdout.write(f"{count:>8,}  {report.stories.get(story, story)}{mark}")
        if len(rows) > len(shown):
            self.stdout.write(f"… and {len(rows) - len(shown):,} more stories (--verbosity 2 lists them all).")
        parts = [
            f"{report.total:,} comments {would}imported",
            f"{len(rows):,} {'story' if len(rows) == 1 else 'stories'} ({len(new):,} new)",
            f"{report.already:,} already here",
            f"{report.skipped:,} skipped",
        ]
        if report.top_level:
            parts.append(f"{report.top_level:,} replies kept as threads (their parent was not found)")
        if report.judged:
            parts.append(
                "judged on import: " + ", ".join(f"{n:,} {status}" for status, n in sorted(report.judged.items()))
            )
        line = ("Dry run, nothing written: " if report.dry_run else "") + "; ".join(parts) + "."
        self.stdout.write(self.style.SUCCESS(line) if not report.dry_run else line)
