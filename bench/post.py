"""What a post costs as the story grows: posting through the real view on articles of 200, 10,000 and 50,000 comments.

    .venv/bin/python bench/post.py [--sizes 200,10000,50000] [--posts 40]

Fills each article with published comments in realistic threads (as bench/page.py does),
then posts ``--posts`` comments through the comment form's view, each from a new reader,
with the active policy and the shipped learned model, and prints the median ms per post
and the SQL queries it made. Runs on a throwaway SQLite file unless BENCH_DATABASE_URL
names another database. Rate limits are off for the run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid

import _django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,10000,50000")
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument(
        "--shadow",
        action="store_true",
        help="with a draft shadowing the live policy (one more run of the filter a post)",
    )
    args = parser.parse_args()
    for name in ("COMMENTS_RATE_PER_IP", "COMMENTS_RATE_PER_EMAIL"):
        os.environ[name] = ""
    database = _django.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from page import filled_article

    from comments.models import Comment
    from factories import comment_form_data
    from policies.selectors import live_policy

    if args.shadow:
        from policies.models import ModerationPolicy
        from policies.services import policy_shadow

        draft, _ = ModerationPolicy.objects.get_or_create(name="bench-shadow", defaults={"abuse_hold": 0.4})
        policy_shadow(policy=draft, actor=None)
    live_policy()  # load the model and the policy before timing
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(11)
    client = Client()
    rows = []
    for size in sizes:
        article, filled = filled_article(f"Story with {size} comments", f"bench-post-{size}", size, rng)
        url = f"/articles/{article.slug}/comments/"
        texts = [
            "The parliament vote on the budget will decide what happens next.",
            "Second paragraph about the budget: the numbers do not add up for parliament.",
            "I think the committee should publish the full figures before the vote.",
        ]
        client.post(url, comment_form_data(body=texts[0], email="warm@example.com"))  # warm the caches
        times, queries = [], []
        for n in range(args.posts):
            data = comment_form_data(body=f"{texts[n % 3]} ({n})", email=f"poster{size}-{n}@example.com",
                                     token=uuid.uuid4().hex)  # fmt: skip
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.post(url, data)
                times.append(time.perf_counter() - t0)
            assert response.status_code == 302, response.status_code
            queries.append(len(ctx))
        rows.append((size, statistics.median(times) * 1000, max(queries), filled))
        assert Comment.objects.filter(article=article).count() >= size + args.posts
    shadowed = ", a draft shadowing the live policy" if args.shadow else ""
    print(f"database: {database.split('://')[0]}{shadowed}; {args.posts} posts per article through the view, median:")
    for size, ms, count, filled in rows:
        print(f"  {size:>7,} comments: {ms:6.1f} ms per post, {count} queries  (filled in {filled:.0f}s)")
    base = rows[0][1]
    print(
        f"  largest / smallest: {rows[-1][1] / base:.2f}x (target <= 1.2x); largest {rows[-1][1]:.1f} ms (target <= 15)"
    )
    print(f"  same query count at every size: {len({r[2] for r in rows}) == 1}")


if __name__ == "__main__":
    main()
