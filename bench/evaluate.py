"""How well the filter does: on public data it was not written against, and on our own set.

    .venv/bin/python bench/evaluate.py [--file tests/data/eval_seed.txt] [--show-errors] [--no-model]

First the public test splits shipped in ``comments/moderation/data/public-test.jsonl``
(OLID 2019 test, HateXplain test; never trained on, thresholds chosen on validation
data): ROC AUC of the learned model, of the rules' abuse score and of the two
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import json  # noqa: E402
from dataclasses import replace  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from articles.importer import ParsedArticle, parse_article  # noqa: E402
from comments.moderation import Context, Policy, Verdict, moderate  # noqa: E402
from comments.moderation.model import AbuseModel  # noqa: E402
from comments.moderation.training import roc_auc  # noqa: E402
from comments.simulation.metrics import Outcome, Truth, format_report, score  # noqa: E402
from comments.simulation.pipeline import Pipeline  # noqa: E402
from comments.simulation.stream import StreamItem  # noqa: E402

SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
MODEL = ROOT / "comments" / "moderation" / "data" / "abuse-model.nrm"
PUBLIC_TEST = ROOT / "comments" / "moderation" / "data" / "public-test.jsonl"


def leak_at(scores: np.ndarray, labels: np.ndarray, clean_held: float) -> float:
    """Share of abusive comments published when the threshold holds ``clean_held`` of the clean ones."""
    threshold = np.quantile(scores[~labels], 1.0 - clean_held)
    return float((scores[labels] <= threshold).mean())


def unseen(path: Path, trained_on: set[str]) -> list[dict[str, Any]]:
    """The file's test records; all its records if the shipped model never saw the file (Davidson)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if path.name not in trained_on and path != PUBLIC_TEST:
        return rows
    return [row for row in rows if row.get("split") == "test"]


def public_report(model: AbuseModel | None, policy: Policy, paths: list[Path], trained_on: set[str]) -> None:
    rows = [row for path in paths for row in unseen(path, trained_on)]
    names = ", ".join(p.name for p in paths)
    print(f"Public data never trained on ({names}), default policy, no article context (topic not judged)")
    header = "| split | comments | AUC model | AUC rules | AUC combined | filter precision | filter recall | leak @5% | @10% | @15% clean held |"
    print(header)
    print("| --- " * (header.count("|") - 1) + "|")
    for source in sorted({r["source"] for r in rows}):
        mine = [r for r in rows if r["source"] == source]
        labels = np.array([r["abusive"] for r in mine], dtype=bool)
        verdicts = [moderate(r["text"], Context(), replace(policy, model=model)) for r in mine]
        rules = np.array([v.scores["abuse"] for v in verdicts])
        learned = np.array([v.scores.get("model", 0.0) for v in verdicts])
        combined = np.maximum(learned, rules) if model else rules
        flagged = np.array([any(c.startswith("abusive") for c in v.codes) for v in verdicts])
        precision = (flagged & labels).sum() / max(1, flagged.sum())
        recall = (flagged & labels).sum() / max(1, labels.sum())
        best = learned if model else rules
        leaks = " | ".join(f"{leak_at(best, labels, rate):.1%}" for rate in (0.05, 0.10, 0.15))
        auc_model = f"{roc_auc(labels.tolist(), learned.tolist()):.3f}" if model else "-"
        print(
            f"| {source} | {len(mine)} | {auc_model} | {roc_auc(labels.tolist(), rules.tolist()):.3f} | "
            f"{roc_auc(labels.tolist(), combined.tolist()):.3f} | {precision:.1%} | {recall:.1%} | {leaks} |"
        )
    print(
        "(leak: abusive comments scored under the threshold that holds that share of clean ones; by the model's score)"
    )


def load(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        ident, kind, labels, parent, text = line.split("|", 4)
        rows.append(
            {
                "id": ident,
                "kind": kind,
                "parent_id": None if parent == "-" else parent,
                "text": text,
                "truth": Truth(abusive="a" in labels, on_topic="o" not in labels, spam="s" in labels),
                "line": number,
            }
        )
    return rows


def article_text(parsed: ParsedArticle) -> str:
    return "\n".join(
        [parsed.headline, parsed.standfirst, parsed.photo_caption, parsed.dateline, parsed.body]
        + [r.headline for r in parsed.related]
    )


def evaluate(
    rows: list[dict[str, Any]], policy: Policy, model: AbuseModel | None = None
) -> tuple[list[Outcome], list[tuple[dict[str, Any], Verdict]]]:
    """Through the simulator's pipeline: one comment a minute, each from its own reader."""
    article = article_text(parse_article(SEED.read_text(encoding="utf-8")))
    policy = replace(policy, model=model)
    pipeline = Pipeline(article_text=article, policy=policy)
    outcomes = []
    verdicts = []
    for index, row in enumerate(rows):
        item = StreamItem(
            id=row["id"], text=row["text"], author=f"reader {row['line']}", parent_id=row["parent_id"] or None,
            at=60.0 * index, truth=row["truth"],
        )  # fmt: skip
        verdict = moderate(item.text, pipeline.context_for(item), policy)
        pipeline.observe(item, verdict)
        outcomes.append(Outcome(verdict.action.value, tuple(verdict.codes), row["truth"]))
        verdicts.append((row, verdict))
    return outcomes, verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=ROOT / "tests" / "data" / "eval_seed.txt")
    parser.add_argument("--show-errors", action="store_true", help="list the comments the filter got wrong")
    parser.add_argument("--no-model", action="store_true", help="the rules alone, as without a model file")
    parser.add_argument(
        "--public", type=Path, action="append", metavar="FILE.jsonl",
        help="labelled JSON lines to measure on: their test records, or all of a file the model never saw "
        "(default: the shipped public test splits)",
    )  # fmt: skip
    args = parser.parse_args()
    shipped = AbuseModel.load(MODEL)
    model = None if args.no_model else shipped
    if model:
        print(f"Model: {model.name}\n")
    public_report(model, Policy(), args.public or [PUBLIC_TEST], set(shipped.metadata.get("trained_on", {})))
    rows = load(args.file)
    t0 = time.perf_counter()
    outcomes, verdicts = evaluate(rows, Policy(), model)
    elapsed = time.perf_counter() - t0
    print()
    print(
        format_report(
            score(outcomes), title=f"Our own set, {args.file.name}: {len(rows)} labelled comments, default policy"
        )
    )
    print(f"\n({elapsed:.2f}s, including building the word lists)")
    if args.show_errors:
        print("\nWrong or doubtful:")
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


if __name__ == "__main__":
    main()
