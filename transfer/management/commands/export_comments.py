"""Write this site's comments as JSON lines: the API's comment, with its story, its parent and its ids.

Why: a newsroom moving its comments to another Newsroom (or keeping a copy of them) takes them in a form the
other side's ``import_comments`` reads back without loss, which the round-trip test holds. Readers' addresses are
personal data the move may not need: they are written only with ``--emails`` (docs/import-export.md).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from transfer.formats import dumps
from transfer.selectors import exported_comments, story_named


def parse_since(value: str) -> dt.datetime:
    """A date (midnight, the site's time zone) or a date and time (without a zone: the site's)."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--since {value!r} is not a date: write it as 2024-05-01 or 2024-05-01T12:00:00+00:00."
        ) from None
    return when if timezone.is_aware(when) else timezone.make_aware(when)


class Command(BaseCommand):
    help = "Export readers' comments as JSON lines that import_comments reads back (addresses only with --emails)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--story", help="only this story's comments: its address, or its slug here")
        parser.add_argument("--since", help="only comments written from this date (2024-05-01) or time on")
        parser.add_argument("--output", help="the file to write (default: standard output)")
        parser.add_argument(
            "--emails", action="store_true", help="include each author's email address (personal data: see the docs)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_since(options["since"]) if options["since"] else None
        story = None
        if options["story"] is not None and not options["story"].strip():
            raise CommandError("--story is empty: give a story's address or slug, or leave --story out for all.")
        if options["output"] and Path(options["output"]).is_dir():
            raise CommandError(f"--output {options['output']} is a folder: name a file in it.")
        if options["story"]:
            story = story_named(options["story"])
            if story is None:
                raise CommandError(f"--story {options['story']!r}: no story has that address or slug.")
        lines = exported_comments(story=story, since=since, with_emails=options["emails"])
        output = options["output"]
        if not output:
            count = self._write(lines, cast(IO[str], self.stdout._out))
        else:
            target = Path(output)
            # Written beside it and renamed at the end: an export that failed leaves no half a file behind.
            try:
                handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from None
            try:
                with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                    count = self._write(lines, stream)
                os.replace(temporary, target)
            except OSError as error:  # the disk filled, the folder went away
                Path(temporary).unlink(missing_ok=True)
                raise CommandError(f"Cannot write {output}: {error.strerror or error}; nothing was written.") from None
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        if int(options["verbosity"]) >= 1 and output:
            self.stderr.write(f"Wrote {count:,} comments to {output}.")

    def _write(self, lines: Any, stream: IO[str]) -> int:
        count = 0
        for count, line in enumerate(lines, start=1):  # noqa: B007 - the count is what is left of it
            stream.write(dumps(line) + "\n")
        return count
