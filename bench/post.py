"""What a post costs as the story grows, on stories of every shape: posting through the real comment form.

    .venv/bin/python bench/post.py [--sizes 200,50000,1000000] [--shape both] [--database URL] [--posts 40]
                                   [--no-shadow] [--no-rate-limits]

Fills stories with 200, 50,000 and 1,000,000 comments in realistic threads, in each shape (as
bench/page.py does: "conversation", every comment a reader's, published and in the conversation;
"few-in-conversation", most of them imported, held, taken down, a simulation's or published off-topic,
only the oldest few in the conversation). Then it posts ``--posts`` comments to each through the comment
form's view (Django's full stack: the check of the database connection each request begins with, middleware,
the form, the rate limits, the filter with the active policy and the shipped learned model, the task that asks a
new address to confirm itself), each from a
new reader (no session, no cookie) at a new address, and prints the median server time per post (timed without DEBUG's query log, as a
production server runs), the processor time the server's process spent on it (what is not is waiting: for the
database, Redis, or other load on the machine), and the SQL queries a post makes (counted on one more post a block,
untimed; the connection's check, a ``SELECT 1`` on PostgreSQL, is not one of them). The rate limits
are on, as on the site (each post is a new reader's, so none is refused); ``--no-rate-limits`` turns them
off. Unless ``--no-shadow``, as many again with a draft shadowing the live policy (one more run of the
filter a post). The stories and the two modes take turns in blocks of a few posts, so that their ratios
hold on a busy machine. Goals: the largest story within 1.2x of the smallest, at most 10 ms a post.

The fills take most of the run: about five minutes on SQLite at the default sizes, both shapes (see
bench/page.py). Runs on a throwaway SQLite file unless ``--database`` (or BENCH_DATABASE_URL) names
another database, with the cache REDIS_URL names (else each process's own); results go to
``bench/results/post-<sqlite|postgresql>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import _django
import _results
from page import TARGET_RATIO, add_story_arguments, filled_article, story_options, unique, vendor

BLOCK = 5  # posts to each story in a row, before the next story or mode takes its turn
TARGET_MS = 10
FORM = "application/x-www-form-urlencoded"


@contextlib.contextmanager
def redis_round_trips() -> Iterator[list[int]]:
    """Each write to a Redis connection within: one a round trip (a pipeline's commands go in one)."""
    import redis

    sent: list[int] = []
    real: Any = redis.connection.AbstractConnection.send_packed_command

    def counted(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(1)
        return real(self, command, *args, **kwargs)

    redis.connection.AbstractConnection.send_packed_command = counted  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = real  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_story_arguments(parser)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument(
        "--no-shadow",
        action="store_true",
        help="skip the second round of posts with a draft shadowing the live policy",
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="turn the rate limits off for the run")
    args = parser.parse_args()
    if args.no_rate_limits:
        for name in ("COMMENTS_RATE_PER_IP", "COMMENTS_RATE_PER_EMAIL"):
            os.environ[name] = ""
    database = _django.setup(args.database)
    sizes, shapes = story_options(args)

    from django.conf import settings
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from comments.models import Comment
    from factories import comment_form_data
    from policies.models import ModerationPolicy
    from policies.selectors import live_policy
    from policies.services import policy_shadow

    limits = {"per_ip": settings.COMMENTS_RATE_PER_IP, "per_email": settings.COMMENTS_RATE_PER_EMAIL}
    draft, _ = ModerationPolicy.objects.get_or_create(name="bench-shadow", defaults={"abuse_hold": 0.4})
    live_policy()  # load the model and the policy before timing
    rng = random.Random(11)
    client = Client()
    texts = [
        "The parliament vote on the budget will decide what happens next.",
        "Second paragraph about the budget: the numbers do not add up for parliament.",
        "I think the committee should publish the full figures before the vote.",
    ]
    readers = itertools.count(1)
    redis_trips: list[int] = []  # of each counted post, when the cache is Redis
    run = uuid.uuid4().hex[:6]  # addresses no earlier run on the same database used

    def post(url: str, body: str, *, count: bool = False) -> tuple[float, float, int, int]:
        """Seconds of one post from a new reader at a new address, and the seconds of processor this process spent
        on it; or, with ``count``, the SQL queries it made and its round trips to Redis."""
        n = next(readers)
        data = comment_form_data(body=body, email=f"poster-{run}-{n}@example.com", token=uuid.uuid4().hex)
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        reset_queries()  # the query log holds 9,000 at most: filling the stories left it full
        client.cookies.clear()  # a new reader: no session, no cookies of an earlier post
        # Encoded as the article page's form sends it (a browser's form without a file: urlencoded), not as the
        # test client's default (multipart, which costs the server more to parse).
        sent = urlencode(data)
        if count:
            with CaptureQueriesContext(connection) as ctx, redis_round_trips() as trips:
                response = client.post(url, sent, content_type=FORM, REMOTE_ADDR=address)
            assert response.status_code == 302, response.status_code
            return 0.0, 0.0, len(ctx), len(trips)
        t0, c0 = time.perf_counter(), time.process_time()
        # What a server does as each request starts, and the test client leaves out: a connection kept open from an
        # earlier request is checked again before its first query (CONN_HEALTH_CHECKS, a round trip on PostgreSQL).
        close_old_connections()
        response = client.post(url, sent, content_type=FORM, REMOTE_ADDR=address)
        seconds, spent = time.perf_counter() - t0, time.process_time() - c0
        assert response.status_code == 302, response.status_code
        return seconds, spent, 0, 0

    stories: dict[tuple[str, int], tuple[str, Any, float]] = {}
    for shape in shapes:
        for size in sizes:
            article, filled = filled_article(
                f"Story with {size} comments", unique(f"bench-post-{shape}-{size}"), size, rng, shape
            )
            stories[shape, size] = (f"/articles/{article.slug}/comments/", article, filled)
            print(f"filled {size:,} comments ({shape}) in {filled:.1f}s", flush=True)
    # As a production server runs: DEBUG's log of every query cost a post about half a millisecond. (Set, not
    # overridden: overriding DEBUG resets the template engines each time. Counted posts log their queries
    # whatever DEBUG says.)
    settings.DEBUG = False
    modes = ["live"] if args.no_shadow else ["live", "shadow"]
    samples: dict[tuple[str, int, str], list[float]] = {
        (shape, size, mode): [] for shape in shapes for size in sizes for mode in modes
    }
    # The processor time of each timed post: what the server itself spent, against the time it took (the rest is
    # waiting: for the database, Redis, or the machine's other load).
    cpu: dict[tuple[str, int, str], list[float]] = {key: [] for key in samples}
    queries: dict[tuple[str, int, str], list[int]] = {key: [] for key in samples}
    # One post to each story first, untimed, as a running server has had: what a process keeps of a story
    # (its text for the on-topic check) is then kept, and every story is counted alike.
    for url, _, _ in stories.values():
        post(url, f"{texts[0]} (first)")
    # Blocks of a few posts, every story and mode in turn, so that load from elsewhere on a shared machine
    # falls on all alike and the ratios between them hold.
    done = 0
    while done < args.posts:
        block = min(BLOCK, args.posts - done)
        for mode in modes:
            if len(modes) > 1 or not done:
                # The shadow on or off, then one post to warm the caches it emptied.
                policy_shadow(policy=draft if mode == "shadow" else None, actor=None)
                post(stories[shapes[0], sizes[0]][0], texts[0], count=True)
            for shape in shapes:
                for size in sizes:
                    url = stories[shape, size][0]
                    _, _, made, trips = post(url, f"{texts[done % 3]} ({mode}, counted)", count=True)
                    queries[shape, size, mode].append(made)
                    redis_trips.append(trips)
                    for n in range(done, done + block):
                        body = f"{texts[n % 3]} ({mode} {n})"
                        seconds, spent, _, _ = post(url, body)
                        samples[shape, size, mode].append(seconds)
                        cpu[shape, size, mode].append(spent)
        done += block
    policy_shadow(policy=None, actor=None)
    for shape in shapes:
        for size in sizes:
            article = stories[shape, size][1]
            assert Comment.objects.filter(article=article).count() >= size + args.posts * len(modes)
    said = "rate limits on" if not args.no_rate_limits else "rate limits off"
    print(f"database: {vendor(database)}; {args.posts} posts per story through the form's view ({said}), median:")
    round_trips = max(redis_trips) if os.environ.get("REDIS_URL") and redis_trips else None
    if round_trips is not None:
        print(f"  round trips to Redis a post: at most {round_trips} (the most any counted post made)")
    figures: dict[str, Any] = {}
    for shape in shapes:
        rows = []
        for size in sizes:
            row: dict[str, Any] = {
                "comments": size,
                "ms": statistics.median(samples[shape, size, "live"]) * 1000,
                "cpu_ms": statistics.median(cpu[shape, size, "live"]) * 1000,
                "queries": max(queries[shape, size, "live"]),
                "filled_seconds": stories[shape, size][2],
            }
            if not args.no_shadow:
                # The same story with a draft shadowing the live policy: one more run of the filter a post.
                row.update(
                    shadow_ms=statistics.median(samples[shape, size, "shadow"]) * 1000,
                    shadow_queries=max(queries[shape, size, "shadow"]),
                )
            rows.append(row)
        print(f"  {shape}:")
        for row in rows:
            shadow = (
                f"; with a shadow: {row['shadow_ms']:6.1f} ms, {row['shadow_queries']} queries"
                if "shadow_ms" in row
                else ""
            )
            print(
                f"    {row['comments']:>9,} comments: {row['ms']:6.1f} ms per post ({row['cpu_ms']:.1f} ms of it this "
                f"process's processor), {row['queries']} queries{shadow}"
                f"  (filled in {row['filled_seconds']:.1f}s)"
            )
        ratio = rows[-1]["ms"] / rows[0]["ms"]
        slowest = max(row["ms"] for row in rows)
        same = len({r["queries"] for r in rows}) == 1
        print(
            f"    largest / smallest: {ratio:.2f}x (target <= {TARGET_RATIO}x); slowest {slowest:.1f} ms "
            f"(target <= {TARGET_MS}); same query count at every size: {same}"
        )
        shadow_ratio = None
        if not args.no_shadow:
            shadow_ratio = statistics.median(r["shadow_ms"] / r["ms"] for r in rows)
            print(f"    with a shadow / without, median over the sizes: {shadow_ratio:.2f}x")
        figures[shape] = {
            "rows": rows,
            "largest_over_smallest": ratio,
            "slowest_ms": slowest,
            "same_query_count": same,
            "shadow_over_live": shadow_ratio,
        }
    _results.write(
        f"post-{vendor(database)}",
        args,
        {
            "database": vendor(database),
            "cache": "redis" if os.environ.get("REDIS_URL") else "local memory",
            "redis_round_trips": round_trips,
            "posts": args.posts,
            "rate_limits": None if args.no_rate_limits else limits,
            "shapes": figures,
            "targets": {"largest_over_smallest": TARGET_RATIO, "largest_ms": TARGET_MS},
        },
        script="post",
    )


if __name__ == "__main__":
    main()
