"""What a story's first page of comments costs through the public API, as the story grows.

    .venv/bin/python bench/api_pages.py [--sizes 200,50000] [--repeat 15]

Fills stories with 200 and 50,000 published comments in realistic threads (as bench/page.py does), then
times ``GET /api/v1/stories/<id>/comments`` in each sort beside the article page's first page (server time
through Django's full stack, median of runs, the requests in turn), and counts their SQL queries. Goal:
the same query count at every size, and the largest within 1.2x of the smallest in time. Runs on a
throwaway SQLite file unless BENCH_DATABASE_URL names another database.
"""

from __future__ import annotations

import argparse
import random

import _django
import _results
from page import SORTS, filled_article, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,50000")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    database = _django.setup()

    from django.test import Client

    rng = random.Random(7)
    sizes = [int(s) for s in args.sizes.split(",")]
    client = Client()
    stories = {}
    for size in sizes:
        stories[size], seconds = filled_article(f"Story of {size}", f"api-bench-{size}", size, rng)
        print(f"filled {size:,} comments in {seconds:.0f}s")
    urls = {}
    for size in sizes:
        for sort in SORTS:
            urls["api", size, sort] = f"/api/v1/stories/{stories[size].pk}/comments?sort={sort}"
            urls["page", size, sort] = f"{stories[size].get_absolute_url()}?sort={sort}"
    measured = measure(client, urls, args.repeat)
    print(f"database: {database.split('://')[0]}; first page, median of {args.repeat} requests (in turn):")
    print(f"  {'':4} {'comments':>8}  " + "  ".join(f"{sort:>16}" for sort in SORTS))
    for kind in ("api", "page"):
        for size in sizes:
            cells = "  ".join(
                f"{measured[kind, size, s][0] * 1000:7.1f} ms {measured[kind, size, s][1]:>2} q" for s in SORTS
            )
            print(f"  {kind:4} {size:>8,}  {cells}")
    base, top = sizes[0], sizes[-1]
    ratios = {}
    for sort in SORTS:
        api_ratio = measured["api", top, sort][0] / measured["api", base, sort][0]
        same = measured["api", top, sort][1] == measured["api", base, sort][1]
        weight = measured["api", top, sort][2] / measured["api", base, sort][2]
        ratios[sort] = {"ratio": api_ratio, "same_query_count": same, "bytes_ratio": weight}
        print(
            f"  api {sort:<8} {top:,} / {base:,}: {api_ratio:.2f}x (goal <= 1.2x), same query count: {same};"
            f" the page it returns weighs {weight:.2f}x"
        )
    _results.write(
        "api_pages",
        args,
        {
            "database": database.split("://")[0],
            "repeat": args.repeat,
            "sorts": list(SORTS),
            "rows": [
                {
                    "kind": kind,
                    "comments": size,
                    "sorts": {
                        sort: {
                            "ms": measured[kind, size, sort][0] * 1000,
                            "queries": measured[kind, size, sort][1],
                            "bytes": measured[kind, size, sort][2],
                        }
                        for sort in SORTS
                    },
                }
                for kind in ("api", "page")
                for size in sizes
            ],
            "api_largest_over_smallest": ratios,
        },
    )


if __name__ == "__main__":
    main()
