"""What a post costs as the story grows: posting through the real view on articles of 200, 10,000 and 50,000 comments.

    .venv/bin/python bench/post.py [--sizes 200,10000,50000] [--posts 40] [--no-shadow]

Fills each article with published comments in realistic threads (as bench/page.py does),
then posts ``--posts`` comments through the comment form's view, each from a new reader,
with the active policy and the shipped learned model, and prints the median ms per post
and the SQL queries it made. Unless ``--no-shadow``, as many again on each story with a
draft shadowing the live policy (one more run of the filter a post). The stories and
the two modes take turns in blocks of a few posts, so that their ratios hold on a busy
machine.
Runs on a throwaway SQLite file unless BENCH_DATABASE_URL names another database.
Rate limits are off for the run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from typing import Any

import _django
import _results

BLOCK = 5  # posts to each story in a row, before the next story or mode takes its turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,10000,50000")
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument(
        "--no-shadow",
        action="store_true",
        help="skip the second round of posts with a draft shadowing the live policy",
    )
    args = parser.parse_args()
    for name in ("COMMENTS_RATE_PER_IP", "COMMENTS_RATE_PER_EMAIL"):
        os.environ[name] = ""
    database = _django.setup()

    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from page import filled_article

    from comments.models import Comment
    from factories import comment_form_data
    from policies.models import ModerationPolicy
    from policies.selectors import live_policy
    from policies.services import policy_shadow

    draft, _ = ModerationPolicy.objects.get_or_create(name="bench-shadow", defaults={"abuse_hold": 0.4})
    live_policy()  # load the model and the policy before timing
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(11)
    client = Client()
    texts = [
        "The parliament vote on the budget will decide what happens next.",
        "Second paragraph about the budget: the numbers do not add up for parliament.",
        "I think the committee should publish the full figures before the vote.",
    ]

    def post(url: str, email: str, body: str) -> tuple[float, int]:
        """Seconds and SQL queries of one post, from a new reader."""
        data = comment_form_data(body=body, email=email, token=uuid.uuid4().hex)
        reset_queries()  # the query log holds 9,000 at most: filling the stories left it full
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.post(url, data)
            seconds = time.perf_counter() - t0
        assert response.status_code == 302, response.status_code
        return seconds, len(ctx)

    stories = {}
    for size in sizes:
        article, filled = filled_article(f"Story with {size} comments", f"bench-post-{size}", size, rng)
        stories[size] = (f"/articles/{article.slug}/comments/", filled)
        print(f"filled {size:,} comments in {filled:.0f}s")
    modes = ["live"] if args.no_shadow else ["live", "shadow"]
    samples: dict[tuple[int, str], list[tuple[float, int]]] = {(size, mode): [] for size in sizes for mode in modes}
    # Blocks of a few posts, every story and mode in turn, so that load from elsewhere on a shared machine
    # falls on all alike and the ratios between them hold.
    done = 0
    while done < args.posts:
        block = min(BLOCK, args.posts - done)
        for mode in modes:
            if len(modes) > 1 or not done:
                # The shadow on or off, then one post to warm the caches it emptied.
                policy_shadow(policy=draft if mode == "shadow" else None, actor=None)
                post(stories[sizes[0]][0], f"warm-{mode}-{done}@example.com", texts[0])
            for size in sizes:
                for n in range(done, done + block):
                    body = f"{texts[n % 3]} ({mode} {n})"
                    samples[size, mode].append(post(stories[size][0], f"poster{size}-{mode}-{n}@example.com", body))
        done += block
    policy_shadow(policy=None, actor=None)
    rows = []
    for size in sizes:
        live = samples[size, "live"]
        row: dict[str, Any] = {
            "comments": size,
            "ms": statistics.median(t for t, _ in live) * 1000,
            "queries": max(q for _, q in live),
            "filled_seconds": stories[size][1],
        }
        if not args.no_shadow:
            # The same story with a draft shadowing the live policy: one more run of the filter a post.
            shadowed = samples[size, "shadow"]
            row.update(
                shadow_ms=statistics.median(t for t, _ in shadowed) * 1000, shadow_queries=max(q for _, q in shadowed)
            )
        rows.append(row)
    for size in sizes:
        assert Comment.objects.filter(article__slug=f"bench-post-{size}").count() >= size + args.posts * len(modes)
    print(f"database: {database.split('://')[0]}; {args.posts} posts per article through the view, median:")
    for row in rows:
        shadow = (
            f"; with a shadow: {row['shadow_ms']:6.1f} ms, {row['shadow_queries']} queries"
            if "shadow_ms" in row
            else ""
        )
        print(
            f"  {row['comments']:>7,} comments: {row['ms']:6.1f} ms per post, {row['queries']} queries{shadow}"
            f"  (filled in {row['filled_seconds']:.0f}s)"
        )
    base, top = rows[0], rows[-1]
    ratio = top["ms"] / base["ms"]
    print(f"  largest / smallest: {ratio:.2f}x (target <= 1.2x); largest {top['ms']:.1f} ms (target <= 15)")
    same = len({r["queries"] for r in rows}) == 1
    print(f"  same query count at every size: {same}")
    if not args.no_shadow:
        shadow_ratio = statistics.median(r["shadow_ms"] / r["ms"] for r in rows)
        print(f"  with a shadow / without, median over the sizes: {shadow_ratio:.2f}x")
    _results.write(
        "post",
        args,
        {
            "database": database.split("://")[0],
            "posts": args.posts,
            "rows": rows,
            "largest_over_smallest": ratio,
            "same_query_count": same,
            "shadow_over_live": None if args.no_shadow else shadow_ratio,
            "targets": {"largest_over_smallest": 1.2, "largest_ms": 15},
        },
    )


if __name__ == "__main__":
    main()
