"""How well the filter does: on public data it was not written against, and on our own set.

    .venv/bin/python bench/evaluate.py [--file tests/data/eval_seed.txt] [--show-errors] [--no-model] [--public FILE.jsonl]

Every measure is taken twice in the same run: with the shipped learned model, then
with the rules alone (as on a site without a model file); ``--no-model`` takes only
the second.

First the public **validation** data, where everything is chosen: HateXplain's val split
and the tenth of OLID 2019's training records that training holds out (the same
records ``moderation.training.split_records`` sets aside), read from
``../shared/data/abuse/``: ROC AUC of the learned model, of the rules' abuse score
and of the two combined; precision and recall of the whole filter at the default
policy's thresholds; and the share of abusive comments published when 5, 10 and 15 %
of clean ones are held. The public **test** splits (``--split test``: the shipped
``moderation/data/public-test.jsonl``, and Davidson 2017, never trained on) are run once per
release by ``bench/releases.py``, which keeps every release's figures; choose nothing by them.

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
from moderation.training import read_records, roc_auc, split_records  # noqa: E402
from simulation.evaluation import PUBLIC_TEST, evaluate, leak_at, load, unseen  # noqa: E402
from simulation.metrics import format_report, score  # noqa: E402

SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
MODEL = ROOT / "moderation" / "data" / "abuse-model.nrm"
ABUSE_DATA = ROOT.parent / "shared" / "data" / "abuse"
VALIDATION = (ABUSE_DATA / "hatexplain.jsonl", ABUSE_DATA / "olid2019.jsonl")
DAVIDSON = ABUSE_DATA / "davidson2017.jsonl"
LEAK_AT = (0.05, 0.10, 0.15)


def validation_rows(paths: list[Path]) -> list[dict[str, Any]]:
    """The validation records of labelled files, as training sets them aside (never trained on)."""
    rows = []
    for path in paths:
        _train, val, _test = split_records(read_records(path))
        rows += [{"text": r.text, "abusive": r.abusive, "source": r.source, "records": "val"} for r in val]
    return rows


def test_rows(paths: list[Path], trained_on: set[str]) -> list[dict[str, Any]]:
    """The test records of the files; all of a file the model never saw (Davidson)."""
    rows = []
    for path in paths:
        records = unseen(path, trained_on)
        everything = path.name not in trained_on and path != PUBLIC_TEST
        rows += [{**row, "records": "all" if everything else "test split"} for row in records]
    return rows


def public_report(
    model: AbuseModel | None, policy: Policy, rows: list[dict[str, Any]], what: str
) -> list[dict[str, Any]]:
    """Per source: AUCs, the filter's precision and recall, and the leak at fixed shares of clean comments held."""
    how = "with the model" if model else "rules alone"
    print(f"Public {what}, default policy, {how}, no article context (topic not judged)")
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
            {"source": source, "records": mine[0].get("records", "test split"), "comments": len(mine), "abusive": int(labels.sum()), "auc_model": auc_model,
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
        help="labelled JSON lines whose validation records to measure on "
        f"(default: {', '.join(str(p.relative_to(ROOT.parent)) for p in VALIDATION)})",
    )  # fmt: skip
    parser.add_argument(
        "--split", choices=["val", "test"], default="val",
        help="val (default) to choose by; test is run once per release, by bench/releases.py",
    )  # fmt: skip
    args = parser.parse_args()
    shipped = AbuseModel.load(MODEL)
    if args.split == "test":
        public = args.public or [PUBLIC_TEST, *([DAVIDSON] if DAVIDSON.is_file() else [])]
    else:
        public = args.public or [p for p in VALIDATION if p.is_file()]
    # With the model, then the rules alone (as on a site without a model file), in the same run.
    variants: dict[str, AbuseModel | None] = {"rules": None} if args.no_model else {"model": shipped, "rules": None}
    if not args.no_model:
        print(f"Model: {shipped.name}\n")
    figures: dict[str, Any] = {
        "model": None if args.no_model else shipped.name,
        "public": {
            "files": [_results.plain(p) for p in public],
            "split": args.split,
            "leak_at": list(LEAK_AT),
            "variants": {},
        },
        "own_set": {"file": _results.plain(args.file), "variants": {}},
    }
    if public:
        if args.split == "test":
            rows = test_rows(public, set(shipped.metadata.get("trained_on", {})))
            what = f"test records never trained on ({', '.join(p.name for p in public)})"
        else:
            rows = validation_rows(public)
            what = f"validation records ({', '.join(p.name for p in public)})"
            if shipped.metadata.get("figures", {}).get("refit_on_train_and_val") and not args.no_model:
                # Its thresholds were chosen on these records by a model fitted without them, which was then
                # refit on them too: the model's figures below are in-sample, the rules' are not.
                held_out = shipped.metadata["figures"].get("val", {})
                figures["public"]["model_in_sample"] = True
                figures["public"]["held_out_val"] = held_out
                print(
                    "The shipped model was refit on these validation records after its thresholds were chosen, so "
                    "its figures here are in-sample (the rules' are not).\nThe held-out model's validation AUC, "
                    f"from training: {held_out.get('auc')} {held_out.get('by_source', {})}\n"
                )
        for name, model in variants.items():
            figures["public"]["variants"][name] = public_report(model, Policy(), rows, what)
            print()
    else:
        print(f"No public data ({ABUSE_DATA} is not there): our own set only.\n")
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
