"""Do the words the desk highlights match the words people marked as the abusive ones?

    .venv/bin/python bench/spans.py [--split val|test] [--data ../shared/data/abuse/hatexplain.jsonl]

HateXplain's annotators marked, in each offensive or hateful post, the words that made it so (its
rationales). For every post of the split, the default policy with the shipped model judges it, and the
characters the desk would highlight (the spans of the reasons it was held or rejected for; nothing for a
published post) are compared with the characters of the marked words: character F1 per post, averaged, a
post with no marked words counting 1 when nothing is highlighted and 0 otherwise (the task's usual measure;
the best published systems reach about 0.71, the median about 0.68). Choices are made on ``val``; ``test``
is run once per release, by ``bench/releases.py``, which keeps every release's figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _results  # noqa: E402

from moderation import Context, Policy, moderate  # noqa: E402
from moderation.model import AbuseModel  # noqa: E402

MODEL = ROOT / "moderation" / "data" / "abuse-model.nrm"
DATA = ROOT.parent / "shared" / "data" / "abuse" / "hatexplain.jsonl"


def characters(spans: Iterable[Sequence[int]]) -> set[int]:
    return {i for start, end in spans for i in range(start, end)}


def f1(predicted: set[int], gold: set[int]) -> float:
    if not gold:
        return 1.0 if not predicted else 0.0
    if not predicted:
        return 0.0
    hit = len(predicted & gold)
    if not hit:
        return 0.0
    precision, recall = hit / len(predicted), hit / len(gold)
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    policy = replace(Policy(), model=AbuseModel.load(MODEL))
    rows = [
        row
        for line in args.data.read_text(encoding="utf-8").splitlines()
        if line.strip() and (row := json.loads(line))["split"] == args.split and row.get("spans_exact", True)
    ]
    scores: dict[str, list[float]] = {"all": [], "with marked words": [], "without": []}
    highlighted = 0
    for row in rows:
        verdict = moderate(row["text"], Context(), policy)
        predicted = characters([span for reason in verdict.reasons for span in reason.spans])
        gold = characters(row["spans"])
        value = f1(predicted, gold)
        scores["all"].append(value)
        scores["with marked words" if gold else "without"].append(value)
        highlighted += bool(predicted)
    means = {name: sum(values) / len(values) for name, values in scores.items() if values}
    print(f"HateXplain {args.split}: {len(rows):,} posts, {len(scores['with marked words']):,} with marked words")
    print(f"  character F1 per post, averaged: {means['all']:.3f}")
    print(f"    posts with marked words:       {means['with marked words']:.3f}")
    print(f"    posts without (1 if nothing):  {means['without']:.3f}")
    print(f"  posts with something highlighted: {highlighted:,}")
    _results.write(
        f"spans-{args.split}",
        args,
        {"split": args.split, "posts": len(rows), "f1": means, "highlighted": highlighted},
        script="spans",
    )


if __name__ == "__main__":
    main()
