"""How well the filter does: on public data it was not written against, and on our own set.

    .venv/bin/python bench/evaluate.py [--file tests/data/eval_seed.txt] [--show-errors] [--no-model] [--public FILE.jsonl]

Every measure is taken twice in the same run: with the shipped learned model, then
with the rules alone (as on a site without a model file); ``--no-model`` takes only
the second.

First the public test splits shipped in ``moderation/data/public-test.jsonl``
(OLID 2019 test, HateXplain test; never trained on, thresholds chosen on validation
data), and Davidson 2017 from ``../shared/data/abuse/`` when it is there (never
trained on at all): ROC AUC of the learned model, of the rules' abuse score and of the two
combined; precision and recall of the whole filter at the default policy's
thresholds; and the share of abusive comments published when 5, 10 and 15 % of clean
ones are held.

Then our own set: runs every comment of ``tests/data/eval_seed.txt`` (comments on the seed article,
labelled abusive / off-topic / spam by hand) through the moderation core in order,
with the article, the parent comment and the published conversation so far as
context, exactly as the site would, and prints precision and recall per reason,
the share held for review and the leak rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataclasses import replace  # noqa: E402

import _results  # noqa: E402
import numpy as np  # noqa: E402

from articles.importer import parse_article  # noqa: E402
from moderation import Context, Policy, moderate  # noqa: E402
from moderation.model import AbuseModel  # noqa: E402
from moderation.training import roc_auc  # noqa: E402
from simulation.evaluation import PUBLIC_TEST, evaluate, leak_at, load, unseen  # noqa: E402
from simulation.metrics import format_report, score  # noqa: E402

SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
MODEL = ROOT / "moderation" / "data" / "abuse-model.nrm"
DAVIDSON = ROOT.parent / "shared" / "data" / "abuse" / "davidson2017.jsonl"
LEAK_AT = (0.05, 0.10, 0.15)


def public_report(
    model: AbuseModel | None, policy: Policy, paths: list[Path], trained_on: set[str]
) -> list[dict[str, Any]]:
    rows = [row for path in paths for row in unseen(path, trained_on)]
    # Test splits only, but all of a file the model never saw (as ``unseen`` reads them).
    whole = {row["source"] for path in paths if path.name not in trained_on and path != PUBLIC_TEST
             for row in unseen(path, trained_on)}  # fmt: skip
    names = ", ".join(p.name for p in paths)
    how = "with the model" if model else "rules alone"
    print(f"Public data never trained on ({names}), default policy, {how}, no article context (topic not judged)")
    header = "| split | comments | AUC model | AUC rules | AUC combined | filter precision | filter recall | leak @5% | @10% | @15% clean held |"
    print(header)
    print("| --- " * (header.count("|") - 1) + "|")
    figures = []
    for source in sorted({r["source"] for r in rows}):
        mine = [r for r in rows if r["source"] == source]
        labels = np.array([r["abusive"] for r in mine], dtype=bool)
        verdicts = [moderate(r["text"], Context(), replace(policy, model=model)) for r in mine]
        rules = np.array([v.scores["abuse"] for v in verdicts])
        learned = np.array([v.scores.get("model", 0.0) for v in verdicts])
        combined = np.maximum(learned, rules) if model else rules
        flagged = np.array([any(c.startswith("abusive") for c in v.codes) for v in verdicts])
        precision = float((flagged & labels).sum() / max(1, flagged.sum()))
        recall = float((flagged & labels).sum() / max(1, labels.sum()))
        best = learned if model else rules
        leak = {f"{rate:.2f}": leak_at(best, labels, rate) for rate in LEAK_AT}
        auc_model = roc_auc(labels.tolist(), learned.tolist()) if model else None
        auc_rules = roc_auc(labels.tolist(), rules.tolist())
        auc_combined = roc_auc(labels.tolist(), combined.tolist())
        figures.append(
            {"source": source, "records": "all" if source in whole else "test split", "comments": len(mine), "abusive": int(labels.sum()), "auc_model": auc_model,
             "auc_rules": auc_rules, "auc_combined": auc_combined, "precision": precision, "recall": recall,
             "leak_at_clean_held": leak, "leak_by": "model" if model else "rules"}
        )  # fmt: skip
        leaks = " | ".join(f"{value:.1%}" for value in leak.values())
        shown = "-" if auc_model is None else f"{auc_model:.3f}"
        print(
            f"| {source} | {len(mine)} | {shown} | {auc_rules:.3f} | "
            f"{auc_combined:.3f} | {precision:.1%} | {recall:.1%} | {leaks} |"
        )
    print(
        "(leak: abusive comments scored under the threshold that holds that share of clean ones; by the model's score)"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=ROOT / "tests" / "data" / "eval_seed.txt")
    parser.add_argument("--show-errors", action="store_true", help="list the comments the filter got wrong")
    parser.add_argument("--no-model", action="store_true", help="the rules alone only, as without a model file")
    parser.add_argument(
        "--public", type=Path, action="append", metavar="FILE.jsonl",
        help="labelled JSON lines to measure on: their test records, or all of a file the model never saw "
        f"(default: the shipped public test splits, and {DAVIDSON.relative_to(ROOT.parent)} when it is there)",
    )  # fmt: skip
    args = parser.parse_args()
    shipped = AbuseModel.load(MODEL)
    trained_on = set(shipped.metadata.get("trained_on", {}))
    public = args.public or [PUBLIC_TEST, *([DAVIDSON] if DAVIDSON.is_file() else [])]
    # With the model, then the rules alone (as on a site without a model file), in the same run.
    variants: dict[str, AbuseModel | None] = {"rules": None} if args.no_model else {"model": shipped, "rules": None}
    if not args.no_model:
        print(f"Model: {shipped.name}\n")
    figures: dict[str, Any] = {
        "model": None if args.no_model else shipped.name,
        "public": {"files": [_results.plain(p) for p in public], "leak_at": list(LEAK_AT), "variants": {}},
        "own_set": {"file": _results.plain(args.file), "variants": {}},
    }
    for name, model in variants.items():
        figures["public"]["variants"][name] = public_report(model, Policy(), public, trained_on)
        print()
    rows = load(args.file)
    article_text = parse_article(SEED.read_text()).text
    for name, model in variants.items():
        t0 = time.perf_counter()
        outcomes, verdicts = evaluate(rows, Policy(), model, article_text=article_text)
        elapsed = time.perf_counter() - t0
        report = score(outcomes)
        how = "with the model" if model else "rules alone"
        print(
            format_report(
                report, title=f"Our own set, {args.file.name}: {len(rows)} labelled comments, default policy, {how}"
            )
        )
        print(f"\n({elapsed:.2f}s, including building the word lists)\n")
        figures["own_set"]["comments"] = len(rows)
        figures["own_set"]["variants"][name] = {**report.as_dict(), "seconds": elapsed}
        if args.show_errors:
            print(f"Wrong or doubtful ({how}):")
            for (row, verdict), outcome in zip(verdicts, outcomes, strict=True):
                truth = outcome.truth
                bad = (truth.clean and verdict.action != "publish") or (not truth.clean and verdict.action == "publish")
                families = {c.split(".")[0] for c in verdict.codes}
                wrong_family = any(truth.has(f) is False for f in families if f in ("abusive", "off_topic", "spam"))
                if bad or wrong_family:
                    print(
                        f"  #{row['id']:<4} {row['kind']:<11} {verdict.action.value:<8} {','.join(verdict.codes) or '-':<30} "
                        f"{verdict.scores}  {row['text'][:90]}"
                    )
            print()
    _results.write("evaluate", args, figures)


if __name__ == "__main__":
    main()
