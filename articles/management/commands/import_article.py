"""Import articles written in the newsroom's plain-text format.

Why: stories arrive from the wire as text like ``articles/demo/*.txt``; this
turns them into pages. Each file is parsed completely before anything is
written, so a malformed file leaves the database as it was, and the error names
the line. Importing the same file again updates the article instead of adding
a second one.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from articles.importer import ArticleFormatError, ParsedArticle, decode_article_bytes, parse_article
from articles.services import article_import, article_slug_for

# The longest wire stories are tens of kilobytes.
MAX_ARTICLE_BYTES = 1_000_000


class Command(BaseCommand):
    help = "Import one or more articles from text files in the seed's format (updates an article already imported)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="text file(s) to import")
        parser.add_argument("--dry-run", action="store_true", help="parse and print, write nothing")

    def handle(self, *args: Any, paths: list[str], dry_run: bool, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        parsed: list[tuple[str, ParsedArticle]] = []
        for name in paths:
            path = Path(name)
            try:
                if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or a device would be read forever
                    raise CommandError(f"{name}: not a regular file; nothing was imported.")
                with path.open("rb") as handle:
                    data = handle.read(MAX_ARTICLE_BYTES + 1)
            except OSError as exc:
                raise CommandError(f"{name}: cannot read the file ({exc.strerror}).") from None
            if len(data) > MAX_ARTICLE_BYTES:
                raise CommandError(
                    f"{name}: larger than {MAX_ARTICLE_BYTES // 1_000_000} MB, which no article is; nothing was imported."
                )
            try:
                parsed.append((name, parse_article(decode_article_bytes(data))))
            except ArticleFormatError as exc:
                raise CommandError(f"{name}: {exc}; nothing was imported.") from None

        if dry_run:
            for name, article in parsed:
                self._describe(name, article)
            self.stdout.write("Dry run: nothing was written.")
            return

        with transaction.atomic():
            results = [(name, *article_import(parsed=article)) for name, article in parsed]
        for name, stored, created in results:
            if self.verbosity < 1:
                continue
            verb = "Imported" if created else "Updated"
            self.stdout.write(
                self.style.SUCCESS(f"{verb} '{stored.headline}' from {name} -> {stored.get_absolute_url()}")
            )

    def _describe(self, name: str, article: ParsedArticle) -> None:
        out = self.stdout.write
        out(f"{name}:")
        out(f"  slug:        {article_slug_for(article.headline)}")
        out(f"  headline:    {article.headline}")
        out(f"  standfirst:  {article.standfirst or '-'}")
        out(f"  source:      {article.source}")
        out(f"  date:        {article.published_on.isoformat()}")
        out(f"  photo:       {article.photo_caption or '-'} (credit: {article.photo_credit or '-'})")
        out(f"  dateline:    {article.dateline or '-'}")
        out(f"  paragraphs:  {len(article.paragraphs)}")
        if self.verbosity > 1:
            for number, paragraph in enumerate(article.paragraphs, start=1):
                out(f"    {number}. {paragraph}")
        for story in article.related:
            out(f"  related:     after paragraph {story.after_paragraph}: {story.headline}")
