"""How the article page scales with its comments.

    .venv/bin/python bench/page.py [--comments 10000] [--small 200] [--repeat 25]

Fills one article with 10,000 published comments in realistic threads (most
top-level, some chains ten deep) and another with 200, then times the article
page's first page (server time through Django's full stack, median of runs) and
counts its SQL queries. Runs on a throwaway SQLite file unless BENCH_DATABASE_URL
names another database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any

import _django


def fill(article: Any, total: int, rng: random.Random) -> None:
    from django.utils import timezone

    from comments.models import Comment
    from comments.moderation.normalize import fingerprint_key

    start = timezone.now() - dt.timedelta(seconds=7 * total + 3600)  # all in the past, 7 s apart
    made = 0

    def batch(rows: list[Any]) -> list[Any]:
        return Comment.objects.bulk_create(rows, batch_size=500)

    def row(parent: Any, n: int) -> Any:
        body = f"Comment {n} on the talks in Doha and what Pakistan can do. " * rng.randint(1, 4)
        return Comment(
            article=article,
            parent=parent,
            root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            author_name=f"Reader {n}",
            author_email=f"r{n}@example.com",
            body=body,
            # As the services store a published on-topic comment.
            fingerprint=fingerprint_key(body),
            in_conversation=True,
            scores={"abuse": 0.0, "off_topic": 0.01, "spam": 0.0, "shouting": 0.0},
            created_at=start + dt.timedelta(seconds=n * 7),
            status=Comment.Status.PUBLISHED,
            decision=Comment.Decision.PUBLISH,
        )

    top_count = int(total * 0.6)
    tops = batch([row(None, i) for i in range(top_count)])
    made = top_count
    # Some long chains: ten deep.
    chains = max(1, total // 1000)
    for _ in range(chains):
        parent = rng.choice(tops)
        for _ in range(10):
            (parent,) = batch([row(parent, made)])
            made += 1
    # The rest: replies to top-level comments and to replies, mostly shallow.
    pool = list(tops)
    while made < total:
        size = min(500, total - made)
        rows = [row(rng.choice(pool), made + i) for i in range(size)]
        created = batch(rows)
        pool.extend(c for c in created if c.depth < 4)
        made += size


def measure(client: Any, url: str, repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, policy)
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200
        queries = len(ctx)
    return statistics.median(times), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=25)
    args = parser.parse_args()
    database = _django.setup()

    from django.conf import settings
    from django.test import Client

    from tests.factories import make_article

    rng = random.Random(7)
    big = make_article(headline="Big thread", slug="bench-big")
    small = make_article(headline="Small thread", slug="bench-small")
    t0 = time.perf_counter()
    fill(big, args.comments, rng)
    fill(small, args.small, rng)
    print(f"database: {database.split('://')[0]}; filled in {time.perf_counter() - t0:.1f}s")
    client = Client()
    small_time, small_queries = measure(client, small.get_absolute_url(), args.repeat)
    big_time, big_queries = measure(client, big.get_absolute_url(), args.repeat)
    replies_time, replies_queries = measure(client, big.get_absolute_url() + "?sort=replies", args.repeat)
    per_page = settings.COMMENTS_THREADS_PER_PAGE
    print(f"first page, {per_page} threads a page, median of {args.repeat} requests:")
    print(f"  {args.small:>6} comments: {small_time * 1000:7.1f} ms  {small_queries} queries")
    print(f"  {args.comments:>6} comments: {big_time * 1000:7.1f} ms  {big_queries} queries")
    print(
        f"  {args.comments:>6} comments sorted by most replies: {replies_time * 1000:7.1f} ms  {replies_queries} queries"
    )
    print(f"  ratio: {big_time / small_time:.2f}x (target <= 1.5x), same query count: {big_queries == small_queries}")


if __name__ == "__main__":
    main()
