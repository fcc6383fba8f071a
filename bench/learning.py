"""How much a site's own moderator decisions lift the model, by how many there are: the learning curve.

    .venv/bin/python bench/learning.py [--sizes 250 500 1000 5000] [--seeds 3] [--retrain 1000]

No public set of news comments with their moderators' decisions exists, so one public set plays the site:
OLID 2019, whose tweets argue about the news of their day (Kavanaugh, guns, Brexit), the nearest of the three
to a comment section. The other two, HateXplain and Davidson 2017, train the base model the way the public sets
trained the shipped one: 34,000 posts beside which a site's few thousand decisions are few, as they are for a
newsroom. (The shipped model cannot be the base: it learned from OLID.)

Only training data is learned from: HateXplain's train split (its val split chooses the base's thresholds, as
``train`` does), all of Davidson (it has no splits) and OLID's train split, which plays the site. No test split is
read: ``bench/evaluate.py`` runs those once per release. The site's comments are split by their key (OLID's id)
exactly as ``train_filter`` splits a site's decisions (``moderation.training.split_for``): those it would hold out
(``test``, 15 %) are "the site's other comments" every figure here is measured on. N decisions are drawn from the
rest, and ``learn_from_site``, what ``train_filter --decisions`` runs, learns from them and chooses on those it
splits ``val``. Each N is drawn with several seeds; the spread is the lowest and highest lift among them.

``--retrain N`` also retrains the whole base model with N decisions among the public data, at each weight
``train_filter`` tries (a minute a weight), which shows why the command rarely keeps that candidate.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _results  # noqa: E402

from moderation.model import AbuseModel  # noqa: E402
from moderation.training import (  # noqa: E402
    DECISIONS_SOURCE,
    RETRAIN_WEIGHTS,
    Record,
    as_decisions,
    learn_from_site,
    read_records,
    roc_auc,
    train,
)

DATA = ROOT.parent / "shared" / "data" / "abuse"
SIZES = (250, 500, 1000, 5000)


def site_comments(path: Path) -> list[Record]:
    """OLID's training split as a site's decisions, keyed by OLID's id (the test split is never read)."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["split"] == "train":
                records.append(Record(row["text"], row["abusive"], key=f"olid-{row['id']}"))
    return as_decisions(records)


def auc(model: AbuseModel, rows: list[Record]) -> float:
    return roc_auc([r.abusive for r in rows], model.scores(r.text for r in rows).tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the folder of the public sets")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of own decisions")
    parser.add_argument("--seeds", type=int, default=3, help="draws of the decisions for each number")
    parser.add_argument("--retrain", type=int, nargs="*", default=[], metavar="N", help="also retrain with N")
    args = parser.parse_args()

    started = time.perf_counter()
    public = [r for r in read_records(args.data / "hatexplain.jsonl") if r.split != "test"]
    public += read_records(args.data / "davidson2017.jsonl")
    site = site_comments(args.data / "olid2019.jsonl")
    held = [r for r in site if r.split == "test"]
    pool = [r for r in site if r.split != "test"]
    if max(args.sizes + args.retrain) > len(pool):
        parser.error(f"the site has {len(pool):,} decisions to draw from")
    print(
        f"base: HateXplain train + Davidson 2017 ({len(public):,} posts); site: OLID 2019 train, "
        f"{len(pool):,} comments to draw decisions from, {len(held):,} held out "
        f"({sum(r.abusive for r in held) / len(held):.0%} abusive)",
        flush=True,
    )
    base = train(public, seed=0, refit=False).model
    base_auc = auc(base, held)
    print(f"base model: AUC {base_auc:.3f} on the site's held-out comments ({time.perf_counter() - started:.0f} s)")

    curve: list[dict[str, Any]] = []
    for size in args.sizes:
        runs = []
        for seed in range(args.seeds):
            decisions = random.Random(seed).sample(pool, size)
            result = learn_from_site(base, decisions, seed=0)
            new_auc = auc(result.model, held) if result.model is not None else base_auc
            runs.append(
                {
                    "seed": seed,
                    "chosen": result.chosen,
                    "auc": round(new_auc, 4),
                    "lift": round(new_auc - base_auc, 4),
                    "own_auc": {"base": result.figures["base"]["auc"], "stage": result.figures["stage"]["auc"]},
                    "stage_c": result.figures["stage"]["c"],
                }
            )
        lifts = [run["lift"] for run in runs]
        row = {
            "decisions": size,
            "base_auc": round(base_auc, 4),
            "auc_mean": round(statistics.mean(run["auc"] for run in runs), 4),
            "lift_mean": round(statistics.mean(lifts), 4),
            "lift_min": min(lifts),
            "lift_max": max(lifts),
            "stage_kept": sum(run["chosen"] == "stage" for run in runs),
            "runs": runs,
        }
        curve.append(row)
        print(
            f"{size:>6,} decisions: AUC {row['auc_mean']:.3f} (base {base_auc:.3f}), lift {row['lift_mean']:+.3f} "
            f"(from {row['lift_min']:+.3f} to {row['lift_max']:+.3f} over {args.seeds} draws; "
            f"stage kept in {row['stage_kept']}) [{time.perf_counter() - started:.0f} s]",
            flush=True,
        )

    retrained: list[dict[str, Any]] = []
    for size in args.retrain:
        decisions = [r for r in random.Random(0).sample(pool, size) if r.split != "test"]
        for weight in RETRAIN_WEIGHTS:
            model = train([*public, *decisions], seed=0, refit=False, source_weights={DECISIONS_SOURCE: weight}).model
            figure = auc(model, held)
            retrained.append(
                {"decisions": size, "weight": weight, "auc": round(figure, 4), "lift": round(figure - base_auc, 4)}
            )
            print(
                f"{size:>6,} decisions retrained among the public data, weighing {weight:g}x a public group: "
                f"AUC {figure:.3f}, lift {figure - base_auc:+.3f} [{time.perf_counter() - started:.0f} s]",
                flush=True,
            )

    _results.write(
        "learning",
        args,
        {
            "site": "OLID 2019, train split",
            "base_trained_on": "HateXplain train (val chooses thresholds) + Davidson 2017",
            "public_posts": len(public),
            "site_pool": len(pool),
            "held_out": len(held),
            "held_out_abusive": sum(r.abusive for r in held),
            "base_auc": round(base_auc, 4),
            "seeds": args.seeds,
            "curve": curve,
            "retrained": retrained,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )


if __name__ == "__main__":
    main()
