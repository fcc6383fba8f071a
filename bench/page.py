"""How the article page scales with its comments.

    .venv/bin/python bench/page.py [--sizes 200,10000,50000] [--repeat 15]

Fills articles with 200, 10,000 and 50,000 published comments in realistic threads
(most top-level, some chains ten deep), then times the article page's first page in
each sort (server time through Django's full stack, median of runs; the pages take
turns request by request, so that load from elsewhere falls on all alike), counts its SQL
queries, and prints the page's weight per comment beyond the comment's own name and
text. Runs on a throwaway SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any

import _django
import _results


def fill(article: Any, total: int, rng: random.Random) -> None:
    from django.db.models import Count
    from django.utils import timezone

    from comments.models import Comment
    from moderation.normalize import fingerprint_key
    from newsroom.db import refresh_planner_statistics

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
    # What the services keep on each thread as its replies are published.
    counts = Comment.objects.filter(article=article, root__isnull=False).values("root_id").annotate(n=Count("id"))
    for entry in counts:
        Comment.objects.filter(pk=entry["root_id"]).update(reply_count=entry["n"])
    # As the site would see them once autovacuum has caught up: a bulk load leaves PostgreSQL's planner blind.
    refresh_planner_statistics(Comment)


def filled_article(headline: str, slug: str, size: int, rng: random.Random) -> tuple[Any, float]:
    """A new article with ``size`` comments, and the seconds filling it took."""
    from factories import make_article

    article = make_article(headline=headline, slug=slug)
    t0 = time.perf_counter()
    fill(article, size, rng)
    return article, time.perf_counter() - t0


def timed_get(client: Any, url: str) -> tuple[float, int, int]:
    """Seconds, SQL queries and bytes of one request."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log holds 9,000 at most: filling the stories left it full
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - t0
    assert response.status_code == 200
    return seconds, len(ctx), len(response.content)


def measure(client: Any, urls: dict[Any, str], repeat: int) -> dict[Any, tuple[float, int, int]]:
    """Median seconds, queries and bytes of each page. The pages take turns, request by request, so that
    a burst of load on a shared machine falls on all of them alike and their ratios hold."""
    for url in urls.values():
        client.get(url)  # warm caches (templates, policy)
    samples: dict[Any, list[tuple[float, int, int]]] = {key: [] for key in urls}
    for _ in range(repeat):
        for key, url in urls.items():
            samples[key].append(timed_get(client, url))
    return {key: (statistics.median(s[0] for s in got), got[-1][1], got[-1][2]) for key, got in samples.items()}


SORTS = ("oldest", "newest", "replies")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,10000,50000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    database = _django.setup()

    from django.conf import settings
    from django.test import Client

    from comments.selectors import comment_section
    from factories import make_article

    rng = random.Random(7)
    sizes = [int(s) for s in args.sizes.split(",")]
    client = Client()
    empty = make_article(headline="No comments yet", slug="bench-empty")
    client.get(empty.get_absolute_url())
    _, _, empty_bytes = timed_get(client, empty.get_absolute_url())
    articles = {}
    filled_in: dict[int, float] = {}
    for size in sizes:
        articles[size], filled_in[size] = filled_article(f"Thread of {size}", f"bench-{size}", size, rng)
        print(f"filled {size:,} comments in {filled_in[size]:.0f}s")
    # Every size and sort in turn, request by request.
    measured = measure(
        client,
        {(size, sort): f"{articles[size].get_absolute_url()}?sort={sort}" for size in sizes for sort in SORTS},
        args.repeat,
    )
    results = {size: {sort: measured[size, sort] for sort in SORTS} for size in sizes}
    per_comment = []
    for size in sizes:
        section = comment_section(article=articles[size])
        shown = [entry.comment for thread in section.threads for entry in thread]
        text = sum(len(c.body) + len(c.author_name) for c in shown)
        extra = (results[size]["oldest"][2] - empty_bytes - text) / len(shown)
        per_comment.append((size, len(shown), extra))
    per_page = settings.COMMENTS_THREADS_PER_PAGE
    print(
        f"database: {database.split('://')[0]}; first page ({per_page} threads), median of {args.repeat} requests "
        "(the pages in turn):"
    )
    print(f"  {'comments':>8}  " + "  ".join(f"{sort:>16}" for sort in SORTS))
    for size in sizes:
        cells = "  ".join(f"{results[size][s][0] * 1000:7.1f} ms {results[size][s][1]:>2} q" for s in SORTS)
        print(f"  {size:>8,}  {cells}")
    base, top = sizes[0], sizes[-1]
    ratios = {}
    for sort in SORTS:
        ratio = results[top][sort][0] / results[base][sort][0]
        same = results[top][sort][1] == results[base][sort][1]
        ratios[sort] = {"ratio": ratio, "same_query_count": same}
        print(f"  {sort:<8} {top:,} / {base:,}: {ratio:.2f}x (target <= 1.5x), same query count: {same}")
    for size, count, extra in per_comment:
        print(f"  page weight at {size:,}: {count} comments shown, {extra:,.0f} bytes each beyond their name and text")
    _results.write(
        "page",
        args,
        {
            "database": database.split("://")[0],
            "threads_per_page": per_page,
            "repeat": args.repeat,
            "sorts": list(SORTS),
            "rows": [
                {
                    "comments": size,
                    "sorts": {
                        sort: {"ms": results[size][sort][0] * 1000, "queries": results[size][sort][1],
                               "bytes": results[size][sort][2]}
                        for sort in SORTS
                    },
                    "filled_seconds": filled_in[size],
                }
                for size in sizes
            ],
            "largest_over_smallest": ratios,
            "page_weight": [
                {"comments": size, "shown": count, "bytes_per_comment": extra} for size, count, extra in per_comment
            ],
            "targets": {"largest_over_smallest": 1.5},
        },
    )  # fmt: skip


if __name__ == "__main__":
    main()
