"""Simulator speed and memory: 100,000 and 1,000,000 comments through --dry-run, the rules alone, and the database.

    .venv/bin/python bench/simulate.py [--sizes 100000 1000000] [--rules-comments 100000] [--db-comments 10000]

Each run is the real command in a process of its own (``manage.py simulate``: generation, the
moderation core with the learned model, the report), timed from outside, with its memory: the
largest resident set of any one of its processes (from the kernel's accounting) and the largest
sum over all of them at once (sampled every 0.1 s), the command's own process and the second
processes it starts (the generator and the model's scorer). The database run posts every comment
through comments.services on a throwaway SQLite file (or BENCH_DATABASE_URL).

Targets: 1,000,000 comments with --dry-run in under 180 s on this machine (two cores), every run
under 500 MB at any size, and the cost per comment at the largest size no more than 1.2x that at
the smallest.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import _django
import _results

ROOT = Path(__file__).resolve().parent.parent
MEMORY_TARGET_MB = 500


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, now (0 for one that has gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(argv: list[str]) -> dict[str, float | str]:
    """Run the command, return its time, its memory and the report's first line."""
    peak_sum = 0
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_sum
        while not done.wait(0.1):
            peak_sum = max(peak_sum, tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4: the kernel's account of the child and the descendants it waited for (ru_maxrss, KB on Linux).
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    assert process.stdout is not None
    output = process.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{output}")
    lines = output.splitlines()
    return {
        "seconds": elapsed,
        "peak_process_mb": usage.ru_maxrss / 1024,
        "peak_all_mb": max(peak_sum, usage.ru_maxrss * 1024) / 2**20,
        "summary": lines[1] if len(lines) > 1 else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], metavar="N",
                        help="dry runs with the learned model, smallest first (default 100000 1000000)")  # fmt: skip
    parser.add_argument("--rules-comments", type=int, default=100_000, help="a dry run with the rules alone (0: none)")
    parser.add_argument("--db-comments", type=int, default=10_000, help="a run through the database (0: none)")
    args = parser.parse_args()
    database = _django.setup()
    from django.core.management import call_command

    from articles.models import Article
    from comments.models import Comment

    call_command("import_article", "articles/demo/us-seeks-pakistans-help.txt", stdout=io.StringIO())
    slug = Article.objects.get().slug
    print(f"database: {database.split('://')[0]}")
    command = [sys.executable, "manage.py", "simulate", "--article", slug, "--seed", "1", "--verbosity", "1"]
    os.environ["DATABASE_URL"] = database  # the child's database: this throwaway one

    plan = [("dry run", n, True) for n in sorted(args.sizes)]
    if args.rules_comments:
        plan.append(("dry run", args.rules_comments, False))
    if args.db_comments:
        plan.append(("database", args.db_comments, True))
    runs: list[dict[str, object]] = []
    per_comment: dict[int, float] = {}  # the dry runs with the model: seconds a comment, by size
    for label, count, model in plan:
        extra = ["--comments", str(count)] + (["--dry-run"] if label == "dry run" else [])
        # Without the model: a model file that is not there, as on a site that has none (the rules decide).
        env_model = {} if model else {"MODERATION_MODEL": "/nonexistent/no-model.nrm"}
        os.environ.update(env_model)
        try:
            figures = run(command + extra)
        finally:
            for key in env_model:
                del os.environ[key]
        seconds = float(figures["seconds"])
        if label == "dry run" and model:
            per_comment[count] = seconds / count
        # The target is for a million: larger runs are held to its rate; smaller ones, where starting up
        # weighs, to the cost per comment below.
        target = 180 * count / 1_000_000 if label == "dry run" and model and count >= 1_000_000 else None
        how = "with the model" if model else "rules alone"
        print(f"  {label:<9} {count:>9,} comments, {how:<14} in {seconds:6.1f} s = {count / seconds:7,.0f}/s"
              + (f" (target < {target:,.0f} s)" if target else ""))  # fmt: skip
        print(f"            peak memory: {figures['peak_all_mb']:,.0f} MB all processes together, "
              f"{figures['peak_process_mb']:,.0f} MB the largest one (target < {MEMORY_TARGET_MB} MB)")  # fmt: skip
        print(f"            {figures['summary']}")
        runs.append(
            {"run": label, "comments": count, "model": model, "seconds": seconds, "per_second": count / seconds,
             "target_seconds": target, "peak_all_mb": figures["peak_all_mb"],
             "peak_process_mb": figures["peak_process_mb"], "target_mb": MEMORY_TARGET_MB,
             "summary": figures["summary"]}
        )  # fmt: skip
    stored = Comment.objects.count()
    print(f"  comments stored by the database run: {stored:,}")
    small, large = min(per_comment), max(per_comment)
    ratio = per_comment[large] / per_comment[small]
    print(f"  dry run, per-comment cost at {large:,} / at {small:,}: {ratio:.2f}x (target <= 1.2x)")
    _results.write(
        "simulate",
        args,
        {
            "database": database.split("://")[0],
            "runs": runs,
            "stored_by_database_run": stored,
            "per_comment_cost_ratio": {"large": large, "small": small, "ratio": ratio, "target": 1.2},
        },
    )


if __name__ == "__main__":
    main()
