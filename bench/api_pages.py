"""What a story's first page of comments costs through the public API, as the story grows, on stories of every shape.

    .venv/bin/python bench/api_pages.py [--sizes 200,50000,1000000] [--shape both] [--database URL] [--repeat 15]

Fills stories with 200, 50,000 and 1,000,000 comments in realistic threads, in each shape (as bench/page.py
does), then times ``GET /api/v1/stories/<id>/comments`` in each sort beside the article page's first page
(server time through Django's full stack, median of runs, the requests in turn), and counts their SQL
queries. Goal: the same query count at every size, and the largest within 1.2x of the smallest in time.
The fills take most of the run (about five minutes on SQLite at the default sizes, both shapes). Runs on a
throwaway SQLite file unless ``--database`` (or BENCH_DATABASE_URL) names another database; results go to
``bench/results/api_pages-<sqlite|postgresql>.json``.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

import _django
import _results
from page import SORTS, TARGET_RATIO, add_story_arguments, filled_article, measure, story_options, unique, vendor

KINDS = ("api", "page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_story_arguments(parser)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    database = _django.setup(args.database)
    sizes, shapes = story_options(args)

    from django.test import Client

    rng = random.Random(7)
    client = Client()
    stories = {}
    for shape in shapes:
        for size in sizes:
            stories[shape, size], seconds = filled_article(
                f"Story of {size}", unique(f"api-bench-{shape}-{size}"), size, rng, shape
            )
            print(f"filled {size:,} comments ({shape}) in {seconds:.1f}s", flush=True)
    urls = {}
    for (shape, size), story in stories.items():
        for sort in SORTS:
            urls["api", shape, size, sort] = f"/api/v1/stories/{story.pk}/comments?sort={sort}"
            urls["page", shape, size, sort] = f"{story.get_absolute_url()}?sort={sort}"
    measured = measure(client, urls, args.repeat)
    print(f"database: {vendor(database)}; first page, median of {args.repeat} requests (in turn):")
    base, top = sizes[0], sizes[-1]
    figures: dict[str, Any] = {}
    for shape in shapes:
        print(f"  {shape}:")
        print(f"  {'':4} {'comments':>10}  " + "  ".join(f"{sort:>16}" for sort in SORTS))
        for kind in KINDS:
            for size in sizes:
                cells = "  ".join(
                    f"{measured[kind, shape, size, s][0] * 1000:7.1f} ms {measured[kind, shape, size, s][1]:>2} q"
                    for s in SORTS
                )
                print(f"  {kind:4} {size:>10,}  {cells}")
        ratios = {}
        for sort in SORTS:
            api_ratio = measured["api", shape, top, sort][0] / measured["api", shape, base, sort][0]
            same = measured["api", shape, top, sort][1] == measured["api", shape, base, sort][1]
            weight = measured["api", shape, top, sort][2] / measured["api", shape, base, sort][2]
            ratios[sort] = {"ratio": api_ratio, "same_query_count": same, "bytes_ratio": weight}
            print(
                f"    api {sort:<8} {top:,} / {base:,}: {api_ratio:.2f}x (goal <= {TARGET_RATIO}x), same query count:"
                f" {same}; the page it returns weighs {weight:.2f}x"
            )
        figures[shape] = {
            "rows": [
                {
                    "kind": kind,
                    "comments": size,
                    "sorts": {
                        sort: {
                            "ms": measured[kind, shape, size, sort][0] * 1000,
                            "queries": measured[kind, shape, size, sort][1],
                            "bytes": measured[kind, shape, size, sort][2],
                        }
                        for sort in SORTS
                    },
                }
                for kind in KINDS
                for size in sizes
            ],
            "api_largest_over_smallest": ratios,
        }
    _results.write(
        f"api_pages-{vendor(database)}",
        args,
        {
            "database": vendor(database),
            "repeat": args.repeat,
            "sorts": list(SORTS),
            "shapes": figures,
            "targets": {"largest_over_smallest": TARGET_RATIO},
        },
        script="api_pages",
    )


if __name__ == "__main__":
    main()
