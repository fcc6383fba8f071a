"""What importing a large Disqus export costs: time, comments a second and the importer's peak memory.

    .venv/bin/python bench/comment_import.py [--megabytes 500] [--seed 7] [--keep FILE] [--database URL]

Writes a synthetic Disqus export of about ``--megabytes`` (threads first, then posts as Disqus lists them: a
tenth of the replies before the comment they answer, some deleted, some spam, threads up to twelve deep), then
runs ``manage.py import_comments`` on it as a child process, so that generating the file does not count, and
reads the child's peak resident memory from the kernel (``ru_maxrss``). Imports into a throwaway SQLite file,
or into the database ``--database`` names (which then keeps the comments: a second run there stores none; give
it an empty one). Each kind of database has its results file: ``comment_import-sqlite.json``,
``comment_import-postgresql.json``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import _django
import _results

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "the council vote budget river bridge school mayor police report storm flood road minister talks peace "
    "election hospital water prices market farmers strike union court judge ruling parliament committee "
    "teachers students rent housing energy bills winter summer festival museum library train station "
    "airport tourism jobs factory closure protest reform tax pension health nurses doctors"
).split()
NAMES = "Amina Omar Lena Priya Tom Kemal Sara Jonas Mei Ali Chloe Ivan Nadia Pablo Ruth Yusuf".split()
HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
)
COMMENTS_PER_THREAD = 60


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    return " ".join(words).capitalize() + "."


def _thread(out: IO[str], number: int) -> None:
    out.write(
        f'  <thread dsq:id="{number}">\n    <id>post-{number}</id>\n    <forum>paperexample</forum>\n'
        f"    <link>https://paper.example/{2020 + number % 5}/{number % 12 + 1:02d}/story-{number}/</link>\n"
        f"    <title>Story number {number}</title>\n    <message/>\n"
        f"    <createdAt>2024-01-01T08:00:00Z</createdAt>\n"
        f"    <author><name>Paper</name><isAnonymous>false</isAnonymous><username>paper</username></author>\n"
        f"    <isClosed>false</isClosed>\n    <isDeleted>false</isDeleted>\n  </thread>\n"
    )


def _post(out: IO[str], rng: random.Random, post: int, thread: int, parent: int | None, minute: int) -> None:
    name = rng.choice(NAMES)
    paragraphs = "".join(f"<p>{_sentence(rng)} {_sentence(rng)}</p>" for _ in range(rng.randint(1, 3)))
    spam = "true" if rng.random() < 0.02 else "false"
    deleted = "true" if rng.random() < 0.03 else "false"
    parent_element = f'    <parent dsq:id="{parent}"/>\n' if parent else ""
    out.write(
        f'  <post dsq:id="{post}">\n    <id/>\n    <message><![CDATA[{paragraphs}]]></message>\n'
        f"    <createdAt>2024-{minute // 40000 % 12 + 1:02d}-{minute // 1440 % 28 + 1:02d}T"
        f"{minute // 60 % 24:02d}:{minute % 60:02d}:00Z</createdAt>\n"
        f"    <isDeleted>{deleted}</isDeleted>\n    <isSpam>{spam}</isSpam>\n"
        f"    <author><email>{name.lower()}{post % 5000}@example.org</email><name>{name}</name>"
        f"<isAnonymous>false</isAnonymous><username>{name.lower()}{post % 5000}</username></author>\n"
        f"    <ipAddress>192.0.2.{post % 250}</ipAddress>\n"
        f'    <thread dsq:id="{thread}"/>\n{parent_element}  </post>\n'
    )


def generate(path: Path, megabytes: float, seed: int) -> tuple[int, int]:
    """Write the export; returns (threads, posts)."""
    rng = random.Random(seed)
    target = int(megabytes * 1024 * 1024)
    posts_guess = max(1, target // 760)  # about 760 bytes a post, as written below
    threads = max(1, posts_guess // COMMENTS_PER_THREAD)
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        for number in range(1, threads + 1):
            _thread(out, number)
        post = 100_000
        while out.tell() < target:
            thread = rng.randint(1, threads)
            first = post + 1
            size = rng.randint(1, 2 * COMMENTS_PER_THREAD)
            ids = list(range(first, first + size))
            # Each post answers one before it in the thread, or none; chains run up to twelve deep.
            depth: dict[int, int] = {}
            order = list(ids)
            # A tenth of the replies are listed before their parent, as Disqus exports may.
            for index in range(1, len(order)):
                if rng.random() < 0.1:
                    order[index - 1], order[index] = order[index], order[index - 1]
            parents: dict[int, int | None] = {}
            for number in ids:
                candidates = [p for p in ids if p < number and depth.get(p, 0) < 12]
                parent = rng.choice(candidates) if candidates and rng.random() < 0.6 else None
                parents[number] = parent
                depth[number] = depth[parent] + 1 if parent else 0
            for number in order:
                _post(out, rng, number, thread, parents[number], minute=number)
            post += size
        out.write("</disqus>\n")
    return threads, post - 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=500.0, help="size of the generated export")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the export here and keep it (default: a temporary file)")
    parser.add_argument("--database", help="a database URL to import into (default: a throwaway SQLite file)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsroom-import-"))
    export = args.keep or work / "disqus.xml"
    started = time.perf_counter()
    threads, posts = generate(export, args.megabytes, args.seed)
    size = export.stat().st_size
    print(
        f"generated {size / 2**20:,.0f} MB: {threads:,} threads, {posts:,} posts in {time.perf_counter() - started:.0f} s"
    )

    database = _django.setup(args.database or f"sqlite:///{work / 'bench.sqlite3'}")
    from comments.models import Comment

    before = Comment.objects.filter(source="disqus").count()
    env = {**os.environ, "DATABASE_URL": database, "DEBUG": "1"}
    command = [sys.executable, str(ROOT / "manage.py"), "import_comments", str(export), "--verbosity", "0"]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the import failed (exit {os.waitstatus_to_exitcode(status)})")
    stored = Comment.objects.filter(source="disqus").count() - before
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    figures = {
        "export_megabytes": round(size / 2**20, 1),
        "threads": threads,
        "posts": posts,
        "comments_stored": stored,
        "seconds": round(seconds, 1),
        "comments_per_second": round(stored / seconds) if seconds else None,
        "peak_memory_mb": round(peak_mb, 1),
        "database": "postgresql" if database.startswith(("postgres:", "postgresql:")) else "sqlite",
    }
    print(
        f"imported {stored:,} comments from {size / 2**20:,.0f} MB in {seconds:,.1f} s: "
        f"{figures['comments_per_second']:,} comments/s, peak memory {peak_mb:,.0f} MB ({figures['database']})"
    )
    _results.write(f"comment_import-{figures['database']}", args, figures, script="comment_import")
    shutil.rmtree(work, ignore_errors=True)  # the export (unless --keep put it elsewhere) and the throwaway database


if __name__ == "__main__":
    main()
