"""How the article page scales with its comments, on stories of every shape.

    .venv/bin/python bench/page.py [--sizes 200,50000,1000000] [--shape both] [--database URL] [--repeat 15]

Fills stories with 200, 50,000 and 1,000,000 comments in realistic threads (most top-level, some
chains ten deep), in each shape (``--shape``): "conversation", every comment a reader's, published and
in the conversation; "few-in-conversation", most of them imported, held, taken down, a simulation's
or published off-topic, only the oldest few in the conversation. Then it times the article page's
first page in each sort (server time through Django's full stack, median of runs; the pages take
turns request by request, so that load from elsewhere falls on all alike), counts its SQL queries,
and prints the page's weight per comment beyond the comment's own name and text. Goal: the largest
story within 1.2x of the smallest, in the same number of queries.

The fill is raw bulk inserts in one transaction (COPY on PostgreSQL), then the planner's statistics
refreshed, as after any bulk write: on this two-core machine about a minute a million comments on
SQLite, a little more on PostgreSQL; the whole run, both shapes at the default sizes, about five
minutes on SQLite. Runs on a throwaway SQLite file unless ``--database`` (or BENCH_DATABASE_URL)
names another database; results go to ``bench/results/page-<sqlite|postgresql>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
import uuid
from typing import Any

import _django
import _results

# Story shapes: what share of a story's comments is published, held, taken down, imported or simulated, and
# which joined the conversation (published, and on-topic when decided). "conversation": readers' comments,
# every one published and in it. "few-in-conversation": a story most of whose comments did not join it
# (imported, held, taken down, a simulation's, published off-topic), only its oldest few in it: a read that
# walked the story to find those few would cost as much as the story is long.
SHAPES = ("conversation", "few-in-conversation")
FEW = 20  # comments in the conversation on a "few-in-conversation" story
# A "few-in-conversation" story's comments by kind: (status, imported, simulated), and the share of each.
FEW_KINDS = (
    (("published", True, False), 0.35),  # imported from another comment system
    (("held", False, False), 0.15),
    (("removed", False, False), 0.05),
    (("rejected", False, False), 0.05),
    (("published", False, True), 0.15),  # a simulation run's
    (("published", False, False), 0.25),  # published, off-topic
)
BATCH = 10_000  # rows to one executemany
FILL_CACHE_KIB = 1024 * 1024  # SQLite's page cache while filling: at most 1 GiB, as far as the rows need
BUSY_THREADS, BUSY_REPLIES = 20, 4  # a page of threads; more replies than one shows under the article (3)


def threads(total: int, rng: random.Random) -> tuple[list[int | None], list[int | None], list[int], set[int]]:
    """The shape of ``total`` comments' threads, by index in the order written: each one's parent and thread
    top (None for a top-level comment) and depth, and the busy threads' tops. Most top-level, a page of busy
    threads, some chains ten deep, the rest replies to top-level comments and to replies, mostly shallow."""
    top_count = int(total * 0.6)
    parents: list[int | None] = [None] * top_count
    roots: list[int | None] = [None] * top_count
    depths = [0] * top_count

    def reply_to(parent: int) -> None:
        parents.append(parent)
        roots.append(roots[parent] if roots[parent] is not None else parent)
        depths.append(depths[parent] + 1)

    # A page's worth of busy threads, at every size: the first page of "most replies" shows the same comments
    # on the smallest story as on the largest (each thread's first few replies, and "more"), and times reads.
    busy = set(rng.sample(range(top_count), min(top_count, BUSY_THREADS)))
    for parent in sorted(busy):
        for _ in range(min(BUSY_REPLIES, total - len(parents))):
            reply_to(parent)
    for _ in range(max(1, total // 1000) if len(parents) < total else 0):
        parent = rng.randrange(top_count)
        for _ in range(min(10, total - len(parents))):
            reply_to(parent)
            parent = len(parents) - 1
    pool = list(range(top_count))
    while len(parents) < total:
        reply_to(rng.choice(pool))
        if depths[-1] < 4:
            pool.append(len(parents) - 1)
    return parents, roots, depths, busy


def fill(article: Any, total: int, rng: random.Random, shape: str = "conversation") -> None:
    """``total`` comments on ``article`` in realistic threads, as the services (or an import, or a simulation
    run) would have stored them, in the shape ``shape`` (``SHAPES``). Written by raw bulk inserts in one
    transaction (the ORM's ``bulk_create`` took minutes for a million), then the planner's statistics are
    refreshed, as they are after every bulk write."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Field, Max
    from django.utils import timezone

    from comments.models import Comment
    from lab.models import SimulationRun
    from moderation.normalize import fingerprint_key
    from newsroom.db import refresh_planner_statistics

    if shape not in SHAPES:
        raise ValueError(f"no story shape {shape!r}: one of {', '.join(SHAPES)}")
    parents, roots, depths, busy = threads(total, rng)
    few = shape == "few-in-conversation"
    kinds, weights = zip(*FEW_KINDS, strict=True)
    chosen = rng.choices(kinds, weights, k=total) if few else [("published", False, False)] * total
    for n, root in enumerate(roots):
        simulated = chosen[n][2]
        if few and (n < FEW or n in busy or root in busy):
            # The oldest few, the story's conversation; and the busy threads, readers' own and published.
            chosen[n] = ("published", False, False)
        elif root is not None and chosen[root][2] != simulated:
            # A simulation's comments answer its own; a reader's never answer a simulation's.
            chosen[n] = ("published", False, chosen[root][2])
    replies: dict[int, int] = {}  # what the services keep on each thread: its published readers' replies
    for n, root in enumerate(roots):
        if root is not None and chosen[n][0] == "published" and not chosen[n][2]:
            replies[root] = replies.get(root, 0) + 1
    run_id = SimulationRun.objects.create(article=article, label=f"bench: {article.slug}").pk if few else None
    first_id = (Comment.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    start = timezone.now() - dt.timedelta(seconds=7 * total + 3600)  # all in the past, 7 s apart
    fields = Comment._meta.concrete_fields
    # The values every row shares, as the database takes them.
    shared: dict[str, Any] = {}
    for name, value in {
        "reasons": [], "explanation": [], "shadow_reasons": [], "ground_truth": {},
        "scores": {"abuse": 0.0, "off_topic": 0.01, "spam": 0.0, "shouting": 0.0},
        "open_reports": 0, "version": 0, "flagged": False, "ip_address": None, "submission_token": None,
        "notify_replies": False, "shadow_decision": "", "shadow_policy": "", "article": article.pk,
    }.items():  # fmt: skip
        field = Comment._meta.get_field(name)
        assert isinstance(field, Field)
        shared[field.attname] = field.get_db_prep_save(value, connection)
    # Every other column a row does not set (reactions, featuring, …): its default, as a new comment has it.
    for field in fields:
        if field.attname not in shared and field.attname not in ROW_COLUMNS:
            shared[field.attname] = field.get_db_prep_save(field.get_default(), connection)
    decisions = {"published": "publish", "held": "hold", "removed": "publish", "rejected": "reject"}
    texts = [f"Comment on the talks in Doha and what Pakistan can do, take {n}. " * (1 + n % 4) for n in range(8)]
    fingerprints = [fingerprint_key(text) for text in texts]

    def row(n: int) -> list[Any]:
        status, imported, simulated = chosen[n]
        parent, root = parents[n], roots[n]
        text = rng.randrange(len(texts))
        values = {
            "id": first_id + n,
            "parent_id": None if parent is None else first_id + parent,
            "root_id": None if root is None else first_id + root,
            "depth": depths[n],
            "reply_count": replies.get(n, 0),
            "author_name": f"Reader {n}",
            "author_email": f"r{n}@example.com",
            "mailbox": f"r{n}@example.com",
            "body": texts[text],
            "created_at": connection.ops.adapt_datetimefield_value(start + dt.timedelta(seconds=n * 7)),
            "status": status,
            "decision": decisions[status],
            "fingerprint": fingerprints[text],
            # Published and on-topic when decided, as the services mark them (imports and simulations never).
            "in_conversation": status == "published" and not imported and not simulated and (not few or n < FEW),
            "simulation_id": run_id if simulated else None,
            "source": "wordpress" if imported else "",
            "source_id": f"bench-{article.pk}-{n}" if imported else None,
        }
        return [values[f.attname] if f.attname in values else shared[f.attname] for f in fields]

    table = connection.ops.quote_name(Comment._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: five times faster than INSERTs there
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for n in range(total):
                    copy.write_row(row(n))
        else:
            # Room for the indexes' pages while they fill: with SQLite's default 8 MB, pages spilled to the
            # write-ahead log over and over, and a million rows took many minutes.
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute(f"PRAGMA cache_size = {-FILL_CACHE_KIB}")
            for at in range(0, total, BATCH):
                cursor.executemany(sql, [row(n) for n in range(at, min(total, at + BATCH))])
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        # The ids were given here, not taken from PostgreSQL's sequence: move it past them.
        for statement in connection.ops.sequence_reset_sql(no_style(), [Comment]):
            cursor.execute(statement)
    # As the site would see them once autovacuum has caught up: a bulk load leaves PostgreSQL's planner blind.
    refresh_planner_statistics(Comment)


# The columns ``fill`` sets row by row (the rest are shared by every row).
ROW_COLUMNS = frozenset(
    {
        "id", "parent_id", "root_id", "depth", "reply_count", "author_name", "author_email", "mailbox", "body",
        "created_at", "status", "decision", "fingerprint", "in_conversation", "simulation_id", "source", "source_id",
    }
)  # fmt: skip


def filled_article(
    headline: str, slug: str, size: int, rng: random.Random, shape: str = "conversation"
) -> tuple[Any, float]:
    """A new article with ``size`` comments in the shape ``shape``, and the seconds filling it took."""
    from factories import make_article

    article = make_article(headline=headline, slug=slug)
    t0 = time.perf_counter()
    fill(article, size, rng, shape)
    return article, time.perf_counter() - t0


def timed_get(client: Any, url: str) -> tuple[float, int, int]:
    """Seconds, SQL queries and bytes of one request."""
    from django.db import close_old_connections, connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log holds 9,000 at most: filling the stories left it full
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        # What a server does as each request begins, and the test client leaves out: the connection kept from an
        # earlier request is checked before its first query (CONN_HEALTH_CHECKS; a round trip on PostgreSQL).
        close_old_connections()
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
SIZES = "200,50000,1000000"
TARGET_RATIO = 1.2  # the largest story's time over the smallest's


def add_story_arguments(parser: argparse.ArgumentParser, sizes: str = SIZES) -> None:
    """The options the scaling benchmarks share: the stories' sizes and shapes, and the database."""
    parser.add_argument("--sizes", default=sizes, help=f"comments on each story, smallest first (default {sizes})")
    parser.add_argument(
        "--shape", choices=[*SHAPES, "both"], default="both", help="the stories' shape (default: both, in turn)"
    )
    parser.add_argument(
        "--database",
        help="a database URL (postgres://..., sqlite:///...): default BENCH_DATABASE_URL, or a throwaway SQLite file",
    )


def story_options(args: argparse.Namespace) -> tuple[list[int], list[str]]:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    return sizes, list(SHAPES) if args.shape == "both" else [args.shape]


def vendor(database: str) -> str:
    """What a results file is named for: sqlite or postgresql."""
    scheme = database.split("://")[0]
    return "postgresql" if scheme.startswith("postgres") else scheme


def unique(slug: str) -> str:
    """A slug no earlier run on the same database took."""
    return f"{slug}-{uuid.uuid4().hex[:6]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_story_arguments(parser)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    database = _django.setup(args.database)
    sizes, shapes = story_options(args)

    from django.conf import settings
    from django.test import Client

    from comments.selectors import comment_section
    from factories import make_article

    rng = random.Random(7)
    client = Client()
    empty = make_article(headline="No comments yet", slug=unique("bench-empty"))
    client.get(empty.get_absolute_url())
    _, _, empty_bytes = timed_get(client, empty.get_absolute_url())
    articles = {}
    filled_in: dict[tuple[str, int], float] = {}
    for shape in shapes:
        for size in sizes:
            articles[shape, size], filled_in[shape, size] = filled_article(
                f"Thread of {size}", unique(f"bench-{shape}-{size}"), size, rng, shape
            )
            print(f"filled {size:,} comments ({shape}) in {filled_in[shape, size]:.1f}s", flush=True)
    # Every shape, size and sort in turn, request by request.
    measured = measure(
        client,
        {
            (shape, size, sort): f"{articles[shape, size].get_absolute_url()}?sort={sort}"
            for shape in shapes
            for size in sizes
            for sort in SORTS
        },
        args.repeat,
    )
    per_page = settings.COMMENTS_THREADS_PER_PAGE
    print(
        f"database: {vendor(database)}; first page ({per_page} threads), median of {args.repeat} requests "
        "(the pages in turn):"
    )
    figures: dict[str, Any] = {}
    base, top = sizes[0], sizes[-1]
    for shape in shapes:
        print(f"  {shape}:")
        print(f"  {'comments':>10}  " + "  ".join(f"{sort:>16}" for sort in SORTS))
        for size in sizes:
            cells = "  ".join(
                f"{measured[shape, size, s][0] * 1000:7.1f} ms {measured[shape, size, s][1]:>2} q" for s in SORTS
            )
            print(f"  {size:>10,}  {cells}")
        ratios = {}
        for sort in SORTS:
            ratio = measured[shape, top, sort][0] / measured[shape, base, sort][0]
            same = measured[shape, top, sort][1] == measured[shape, base, sort][1]
            ratios[sort] = {"ratio": ratio, "same_query_count": same}
            print(
                f"    {sort:<8} {top:,} / {base:,}: {ratio:.2f}x (target <= {TARGET_RATIO}x), same query count: {same}"
            )
        weights = []
        for size in sizes:
            section = comment_section(article=articles[shape, size])
            shown = [entry.comment for thread in section.threads for entry in thread]
            text = sum(len(c.body) + len(c.author_name) for c in shown)
            extra = (measured[shape, size, "oldest"][2] - empty_bytes - text) / max(1, len(shown))
            weights.append({"comments": size, "shown": len(shown), "bytes_per_comment": extra})
            print(
                f"    page weight at {size:,}: {len(shown)} comments shown, {extra:,.0f} bytes each beyond their text"
            )
        figures[shape] = {
            "rows": [
                {
                    "comments": size,
                    "sorts": {
                        sort: {"ms": measured[shape, size, sort][0] * 1000, "queries": measured[shape, size, sort][1],
                               "bytes": measured[shape, size, sort][2]}
                        for sort in SORTS
                    },
                    "filled_seconds": filled_in[shape, size],
                }
                for size in sizes
            ],
            "largest_over_smallest": ratios,
            "page_weight": weights,
        }  # fmt: skip
    _results.write(
        f"page-{vendor(database)}",
        args,
        {
            "database": vendor(database),
            "threads_per_page": per_page,
            "repeat": args.repeat,
            "sorts": list(SORTS),
            "shapes": figures,
            "targets": {"largest_over_smallest": TARGET_RATIO},
        },
        script="page",
    )


if __name__ == "__main__":
    main()
