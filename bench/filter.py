"""Throughput of the auto-filter, beside better-profanity, on the same comments.

    .venv/bin/python bench/filter.py [--comments 3000] [--replay-comments 10000] [--seed 1]

Comments of realistic length (50 to 1,500 characters) are built from the labelled
evaluation set, then timed on one core: the whole filter (``moderate`` with the
article, a parent and the conversation as context), with and without the learned
model, our profanity check alone, and ``better_profanity.profanity.contains_profanity``.
Then the simulator's way on two cores: verdicts for one batch while a second process
scores the next.

Last, the whole filter through the replay path, as ``simulate --replay FILE --dry-run`` runs
it (issue 28's target: 5,000 comments a second): a JSON Lines file of such comments, a third
of them replies, from a few hundred readers, is read by ``simulation.replay.read_records`` and
judged by ``lab.runner.run_pipeline`` with the dry run's sink, model included: each comment's
context built from the stream so far (its parent, the thread above it, the conversation, the
duplicate window), on two cores as the simulator runs (the next batch scored in a second
process) and on one. Start-up (Django, the model file, the word lists, the second process and
its first batch) is left out: the rate runs from the first batch's verdicts to the last.
better-profanity is timed on a sample of the same texts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


import _results  # noqa: E402

from articles.importer import parse_article  # noqa: E402
from moderation import Context, Conversation, Policy, moderate  # noqa: E402
from moderation.model import AbuseModel  # noqa: E402
from moderation.normalize import fold  # noqa: E402
from moderation.profanity import default_checker  # noqa: E402
from simulation.evaluation import load  # noqa: E402

SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"


def make_comments(count: int, rng: random.Random) -> list[str]:
    """Each comment opens with one comment of the labelled set, in the set's own mix of clean,
    abusive, off-topic and spam, and is padded with civil on-topic text to a length between
    50 and 1,500 characters: one problem at most per comment, as in real traffic."""
    rows = load(ROOT / "tests" / "data" / "eval_seed.txt")
    texts = [row["text"] for row in rows]
    civil = [row["text"] for row in rows if row["kind"] in {"on_topic", "oblique", "heated", "reply"}]
    comments = []
    for _ in range(count):
        target = rng.randint(50, 1500)
        parts = [rng.choice(texts)]
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(civil))
        comments.append(" ".join(parts)[:target])
    return comments


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


ROWS: list[dict[str, object]] = []  # every rate measured, in order: the results file's table


def rate(key: str, label: str, func: Callable[[str], object], items: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for item in items:
            func(item)
        best = min(best, time.perf_counter() - t0)
    per_second = len(items) / best
    print(f"  {label:<46} {per_second:>10,.0f} comments/s  ({best / len(items) * 1e6:,.0f} µs each)")
    ROWS.append(
        {
            "key": key,
            "label": label,
            "per_second": per_second,
            "us_each": best / len(items) * 1e6,
            "comments": len(items),
        }
    )
    return per_second


STARTUP = """
import json, time
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
before, t0 = rss(), time.perf_counter()
from moderation import Context, Policy, moderate
moderate("Heyyy you absolute idiot, the Taliban talks in Doha are a farce", Context(article_text="Taliban talks in Doha"), Policy())
print(json.dumps({"mib": rss() - before, "seconds": time.perf_counter() - t0}))
"""


def startup_cost() -> dict[str, float]:
    """What the filter's word lists cost a new worker: memory and time to its first verdict."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", STARTUP], cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


BATCH = 500  # as lab.runner.run_pipeline


def pipelined(model: AbuseModel, context: Context, policy: Policy, comments: list[str]) -> tuple[float, float]:
    """The simulator's loop: verdicts for one batch while a second process scores the next
    (``moderation.ahead``). Comments a second from the first batch's scores to the last
    verdict (every verdict is given in that time), and the seconds before it (starting the process,
    scoring the first batch: what a long simulation pays once)."""
    from moderation.ahead import score_ahead
    from moderation.checks.learned import explained_from

    batches = [comments[i : i + BATCH] for i in range(0, len(comments), BATCH)]
    t0 = time.perf_counter()
    first = None
    for texts, scored in zip(
        batches, score_ahead(model, batches, explain_from=explained_from(policy), policy=policy), strict=True
    ):
        if first is None:
            first = time.perf_counter()
        batch_policy = replace(policy, model=scored)
        for text in texts:
            moderate(text, context, batch_policy)
    end = time.perf_counter()
    assert first is not None
    return len(comments) / (end - first), first - t0


REPLAY_TARGET = 5000  # comments a second through the replay path (issue 28)


def replay_file(comments: list[str], rng: random.Random, folder: Path) -> Path:
    """The comments as a replay file: a third answer one of the 300 comments before them, 600 readers, two a second."""
    import json

    path = folder / "replay.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n, text in enumerate(comments):
            record: dict[str, object] = {
                "id": f"c{n}",
                "text": text,
                "author": f"reader {rng.randrange(600)}",
                "at": n / 2,
            }
            if n >= 10 and rng.random() < 0.35:
                record["parent_id"] = f"c{rng.randrange(max(0, n - 300), n)}"
            out.write(json.dumps(record) + "\n")
    return path


def through_replay(path: Path, article: str, model: AbuseModel, *, two_cores: bool) -> dict[str, float]:
    """``simulate --replay PATH --dry-run``'s reading and judging, timed: comments a second from the end of
    the first batch to the last verdict (start-up left out), and over the whole run (reading the file and
    starting the second process included)."""
    from lab.runner import run_pipeline
    from simulation.replay import read_records

    # A model not loaded from a file cannot be loaded by a second process: its batches are scored here.
    policy = replace(Policy(), model=model if two_cores else replace(model, source=None))
    done: list[tuple[int, float]] = []
    t0 = time.perf_counter()
    items, errors = read_records(path)
    assert not errors, errors[:3]
    decisions, skipped = run_pipeline(
        items, article_text=article, policy=policy, progress=lambda count: done.append((count, time.perf_counter()))
    )
    end = time.perf_counter()
    assert len(decisions) == len(items) and not skipped
    first_count, first_at = done[0]
    return {
        "per_second": (len(items) - first_count) / (end - first_at),
        "whole_per_second": len(items) / (end - t0),
        "first_batch_seconds": first_at - t0,
        "comments": len(items),
    }


def replay_path(args: argparse.Namespace, article: str, model: AbuseModel) -> dict[str, object]:
    import tempfile

    import _django

    _django.setup()  # run_pipeline is the simulate command's loop, on the Django side
    rng = random.Random(args.seed + 1)
    comments = make_comments(args.replay_comments, rng)
    lengths = [len(c) for c in comments]
    print(
        f"through the replay path (simulate --replay FILE --dry-run's reading and loop), model included, "
        f"{len(comments):,} comments of {min(lengths)}-{max(lengths)} characters (median {statistics.median(lengths):.0f}), "
        "start-up left out:"
    )
    with tempfile.TemporaryDirectory(prefix="newsroom-replay-") as folder:
        path = replay_file(comments, rng, Path(folder))
        runs: dict[str, list[dict[str, float]]] = {"two_cores": [], "one_core": []}
        for _ in range(args.replay_repeat):  # alternately, so a noisy neighbour hurts both alike
            runs["two_cores"].append(through_replay(path, article, model, two_cores=True))
            runs["one_core"].append(through_replay(path, article, model, two_cores=False))
    best = {key: max(found, key=lambda r: r["per_second"]) for key, found in runs.items()}
    for key, label in (("two_cores", "two cores (the simulator's way)"), ("one_core", "one core")):
        r = best[key]
        print(
            f"  {label:<46} {r['per_second']:>10,.0f} comments/s  (whole run with start-up: "
            f"{r['whole_per_second']:,.0f}/s; first batch after {r['first_batch_seconds']:.2f} s)"
        )
    from better_profanity import Profanity

    reference = Profanity()
    sample = comments[: max(50, len(comments) // 100)]
    theirs = rate(
        "better_profanity_replay", "better_profanity on the same texts", reference.contains_profanity, sample, repeat=1
    )
    fastest = max(best["two_cores"]["per_second"], best["one_core"]["per_second"])
    print(
        f"targets (issue 28): whole filter through the replay path >= {REPLAY_TARGET:,}/s: "
        f"{fastest >= REPLAY_TARGET} (two cores {best['two_cores']['per_second']:,.0f}/s, "
        f"one core {best['one_core']['per_second']:,.0f}/s); {best['two_cores']['per_second'] / theirs:,.0f}x better-profanity"
    )
    return {
        "comments": len(comments),
        "length": {"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths)},
        "repeat": args.replay_repeat,
        "two_cores": best["two_cores"],
        "one_core": best["one_core"],
        "better_profanity": {"per_second": theirs, "comments": len(sample)},
        "target_per_second": REPLAY_TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=3000)
    parser.add_argument("--replay-comments", type=int, default=10_000)
    parser.add_argument("--replay-repeat", type=int, default=3, help="runs of each through the replay path (best kept)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    comments = make_comments(args.comments, rng)
    lengths = [len(c) for c in comments]
    article = parse_article(SEED.read_text(encoding="utf-8")).text
    context = Context(
        article_text=article,
        parent_text=comments[0],
        conversation=Conversation(comments[:200]).snapshot(),
        others_recent=tuple(comments[:20]),
    )
    policy = Policy()
    t0 = time.perf_counter()
    moderate("warm up the word lists", context, policy)
    print(f"start-up in this process after the corpus was built: {time.perf_counter() - t0:.2f}s")
    cost = startup_cost()
    print(
        f"word lists in a fresh process (profanity, rules, stemmer, frequencies; first verdict): "
        f"{cost['mib']:.1f} MiB, {cost['seconds']:.2f} s (targets <= 20 MiB, <= 0.2 s)"
    )
    print(
        f"{len(comments)} comments, {min(lengths)}-{max(lengths)} characters "
        f"(median {statistics.median(lengths):.0f}), one core:"
    )
    whole = rate("rules", "whole filter (moderate), rules only", lambda text: moderate(text, context, policy), comments)
    before = rss_mib()
    t0 = time.perf_counter()
    model = AbuseModel.load(ROOT / "moderation" / "data" / "abuse-model.nrm")
    model.score("warm up")
    loaded_in = time.perf_counter() - t0
    added = rss_mib() - before
    with_model_policy = replace(policy, model=model)
    with_model = rate(
        "model_one_at_a_time",
        "whole filter with the model, one at a time",
        lambda text: moderate(text, context, with_model_policy),
        comments,
    )
    rate("model_alone", "learned model alone, one at a time", model.score, comments)
    t0 = time.perf_counter()
    scored = model.batch(comments)
    batch_seconds = time.perf_counter() - t0
    print(f"  {'learned model alone, in one batch':<46} {len(comments) / batch_seconds:>10,.0f} comments/s")
    batch_policy = replace(policy, model=scored)
    verdicts = rate(
        "verdicts_given_scores",
        "verdicts with the batch's scores (spans asked)",
        lambda text: moderate(text, context, batch_policy),
        comments,
    )
    # The simulator's way: the batch scored, then every verdict. Both count.
    batched = 1 / (batch_seconds / len(comments) + 1 / verdicts)
    print(f"  {'whole filter with the model, in batch':<46} {batched:>10,.0f} comments/s  (scoring and verdicts)")
    runs = [pipelined(model, context, policy, comments) for _ in range(3)]
    ahead, started = max(runs)
    print(
        f"  {'whole filter with the model, in batch, the':<46} {ahead:>10,.0f} comments/s  (the simulator's way, in "
        f"batches of {BATCH}: from"
    )
    print(
        f"  {'  next batch scored in a second process':<46} {'':>10}              the first batch's scores, in "
        f"{started:.2f} s, to the last verdict)"
    )
    batched = max(batched, ahead)
    print(f"learned model: loaded in {loaded_in:.2f}s, adds {added:.1f} MiB to the process")
    print(
        f"targets (issue 9): whole filter with the model >= 5,000/s in batch: {batched >= 5000} ({batched:,.0f}/s); "
        f"<= 2 ms a comment: {1000 / with_model <= 2} ({1000 / with_model:.2f} ms); model <= 60 MB: {added <= 60}"
    )
    checker = default_checker()
    ours = rate("profanity_ours", "profanity check alone (ours)", lambda text: checker.contains(fold(text)), comments)
    from better_profanity import Profanity

    reference = Profanity()
    sample = comments[: max(50, len(comments) // 20)]
    theirs = rate(
        "better_profanity", "better_profanity.contains_profanity", reference.contains_profanity, sample, repeat=1
    )
    print(f"targets (issue 15): rules only >= 5,000/s: {whole >= 5000} ({whole:,.0f}/s)")
    print(f"profanity alone against better-profanity-rs's 46,000-75,000 checks/s: {ours / 46000:.2f}x of its low end")
    print(f"profanity check speed-up over better_profanity: {ours / theirs:,.0f}x")
    replay = replay_path(args, article, model)
    _results.write(
        "filter",
        args,
        {
            "comments": len(comments),
            "length": {"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths)},
            "fresh_process": {"mib": cost["mib"], "seconds": cost["seconds"]},
            "rates": ROWS,
            "model_in_one_batch": {"per_second": len(comments) / batch_seconds},
            "model_in_batch": {"per_second": 1 / (batch_seconds / len(comments) + 1 / verdicts)},
            "simulators_way": {"per_second": ahead, "first_batch_seconds": started, "batch": BATCH},
            "model": {"load_seconds": loaded_in, "mib_added": added, "name": model.name},
            "better_profanity_rs_low_end": 46000,
            "replay": replay,
            "targets": {
                "rules_per_second": 5000,
                "model_in_batch_per_second": 5000,
                "model_ms_each": 2,
                "model_mib": 60,
                "fresh_mib": 20,
                "fresh_seconds": 0.2,
                "replay_per_second": REPLAY_TARGET,
            },
        },
    )


if __name__ == "__main__":
    main()
