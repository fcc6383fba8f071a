"""Simulator speed: 100,000 comments through --dry-run, 10,000 through the database.

    .venv/bin/python bench/simulate.py [--dry-run-comments 100000] [--db-comments 10000]

Both go through the real pipeline (generation, the moderation core, the report);
the database run posts every comment through comments.services.comment_post on a
throwaway SQLite file (or BENCH_DATABASE_URL). Targets: each under 60 s.
"""

from __future__ import annotations

import argparse
import io
import time

import _django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run-comments", type=int, default=100_000)
    parser.add_argument("--db-comments", type=int, default=10_000)
    args = parser.parse_args()
    database = _django.setup()
    from django.core.management import call_command

    from articles.models import Article
    from comments.models import Comment

    call_command("import_article", "articles/demo/us-seeks-pakistans-help.txt", stdout=io.StringIO())
    slug = Article.objects.get().slug
    print(f"database: {database.split('://')[0]}")
    per_comment: dict[int, float] = {}
    small = args.dry_run_comments // 10
    for label, count, extra in (
        ("dry run", small, ["--dry-run"]),
        ("dry run", args.dry_run_comments, ["--dry-run"]),
        ("database", args.db_comments, []),
    ):
        out = io.StringIO()
        t0 = time.perf_counter()
        call_command("simulate", "--article", slug, "--comments", str(count), "--seed", "1", *extra,
                     stdout=out, stderr=io.StringIO())  # fmt: skip
        elapsed = time.perf_counter() - t0
        if extra:
            per_comment[count] = elapsed / count
        summary = out.getvalue().splitlines()[1]
        print(f"  {label:<9} {count:>7,} comments in {elapsed:6.1f}s = {count / elapsed:8,.0f}/s (target < 60 s)")
        print(f"            {summary}")
    print(f"  comments stored by the database run: {Comment.objects.count():,}")
    ratio = per_comment[args.dry_run_comments] / per_comment[small]
    print(f"  dry run, per-comment cost at {args.dry_run_comments:,} / at {small:,}: {ratio:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
