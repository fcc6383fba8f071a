"""Simulator speed: 100,000 comments through --dry-run (with the learned model, then the rules alone), 10,000 through the database.

    .venv/bin/python bench/simulate.py [--dry-run-comments 100000] [--db-comments 10000]

Both go through the real pipeline (generation, the moderation core, the report);
the database run posts every comment through comments.services.comment_post on a
throwaway SQLite file (or BENCH_DATABASE_URL). Targets: each under 60 s, and the 100,000
dry run with the rules alone (no learned model) under 20 s.
"""

from __future__ import annotations

import argparse
import io
import time

import _django
import _results


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
    from django.test import override_settings

    from policies.selectors import forget_model

    per_comment: dict[int, float] = {}
    runs: list[dict[str, object]] = []
    small = args.dry_run_comments // 10
    for label, count, extra, model in (
        ("dry run", small, ["--dry-run"], True),
        ("dry run", args.dry_run_comments, ["--dry-run"], True),
        ("dry run", args.dry_run_comments, ["--dry-run"], False),
        ("database", args.db_comments, [], True),
    ):
        out = io.StringIO()
        # Without the model: a model file that is not there, as on a site that has none (the rules decide).
        with override_settings(**({} if model else {"MODERATION_MODEL": "/nonexistent/no-model.nrm"})):
            forget_model()
            t0 = time.perf_counter()
            call_command("simulate", "--article", slug, "--comments", str(count), "--seed", "1", *extra,
                         stdout=out, stderr=io.StringIO())  # fmt: skip
            elapsed = time.perf_counter() - t0
        forget_model()
        if extra and model:
            per_comment[count] = elapsed / count
        summary = out.getvalue().splitlines()[1]
        target = "60 s" if model else "20 s"
        how = "with the model" if model else "rules alone"
        print(f"  {label:<9} {count:>7,} comments, {how:<14} in {elapsed:6.1f}s = {count / elapsed:8,.0f}/s "
              f"(target < {target})")  # fmt: skip
        print(f"            {summary}")
        runs.append(
            {"run": label, "comments": count, "model": model, "seconds": elapsed, "per_second": count / elapsed,
             "target_seconds": 60 if model else 20, "summary": summary}
        )  # fmt: skip
    stored = Comment.objects.count()
    print(f"  comments stored by the database run: {stored:,}")
    ratio = per_comment[args.dry_run_comments] / per_comment[small]
    print(f"  dry run, per-comment cost at {args.dry_run_comments:,} / at {small:,}: {ratio:.2f}x (target <= 1.2x)")
    _results.write(
        "simulate",
        args,
        {
            "database": database.split("://")[0],
            "runs": runs,
            "stored_by_database_run": stored,
            "per_comment_cost_ratio": {"large": args.dry_run_comments, "small": small, "ratio": ratio, "target": 1.2},
        },
    )


if __name__ == "__main__":
    main()
