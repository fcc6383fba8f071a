"""Precision and recall of the auto-filter on the labelled evaluation set.

    .venv/bin/python bench/evaluate.py [--file tests/data/eval_seed.txt] [--show-errors]

Runs every comment of ``tests/data/eval_seed.txt`` (comments on the seed article,
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

from articles.importer import parse_article  # noqa: E402
from comments.moderation import Context, Policy, moderate  # noqa: E402
from comments.moderation.topic import content_stems  # noqa: E402
from comments.simulation.metrics import Outcome, Truth, format_report, score  # noqa: E402

SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"


def load(path: Path) -> list[dict]:
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


def article_text(parsed) -> str:
    return "\n".join(
        [parsed.headline, parsed.standfirst, parsed.photo_caption, parsed.dateline, parsed.body]
        + [r.headline for r in parsed.related]
    )


def evaluate(rows: list[dict], policy: Policy) -> tuple[list[Outcome], list[tuple[dict, object]]]:
    article = article_text(parse_article(SEED.read_text(encoding="utf-8")))
    by_id = {r["id"]: r for r in rows}
    conversation: dict[str, int] = {}
    published: list[str] = []
    outcomes = []
    verdicts = []
    for row in rows:
        parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
        context = Context(
            article_text=article,
            parent_text=parent["text"] if parent else "",
            conversation=conversation,
            others_recent=tuple(published[-20:]),
        )
        verdict = moderate(row["text"], context, policy)
        if verdict.action == "publish":
            published.append(row["text"])
            for term in set(content_stems(row["text"])):
                conversation[term] = conversation.get(term, 0) + 1
        outcomes.append(Outcome(verdict.action.value, tuple(verdict.codes), row["truth"]))
        verdicts.append((row, verdict))
    return outcomes, verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=ROOT / "tests" / "data" / "eval_seed.txt")
    parser.add_argument("--show-errors", action="store_true", help="list the comments the filter got wrong")
    args = parser.parse_args()
    rows = load(args.file)
    t0 = time.perf_counter()
    outcomes, verdicts = evaluate(rows, Policy())
    elapsed = time.perf_counter() - t0
    print(format_report(score(outcomes), title=f"{args.file.name}: {len(rows)} labelled comments, default policy"))
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
