"""How well the filter does on labelled comments, through the simulator's own pipeline.

``load`` reads our hand-labelled set (``id|kind|labels|parent|text`` lines, labels among a, o, s);
``evaluate`` runs it in order through the filter with the article, the parent and the published
conversation so far as context, exactly as the site would. ``unseen`` and ``leak_at`` serve the
report on the public test splits. Used by ``bench/evaluate.py`` and the regression tests.

    from simulation.evaluation import evaluate, load
    outcomes, verdicts = evaluate(load(path), Policy(), article_text=parse_article(seed).text)
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import moderation
from moderation import Policy, Verdict, moderate
from moderation.files import FileFormatError, json_lines, open_regular
from moderation.model import AbuseModel
from simulation.metrics import Outcome, Truth
from simulation.pipeline import Pipeline
from simulation.stream import StreamItem

PUBLIC_TEST = Path(moderation.__file__).resolve().parent / "data" / "public-test.jsonl"


def leak_at(scores: np.ndarray, labels: np.ndarray, clean_held: float) -> float:
    """Share of abusive comments published when the threshold holds ``clean_held`` of the clean ones."""
    threshold = np.quantile(scores[~labels], 1.0 - clean_held)
    return float((scores[labels] <= threshold).mean())


def unseen(path: Path, trained_on: set[str]) -> list[dict[str, Any]]:
    """The file's test records; all its records if the shipped model never saw the file (Davidson)."""
    rows: list[dict[str, Any]] = []
    with open_regular(path) as handle:  # read as every file is given (moderation.files): line by line, bounded
        for line in json_lines(handle):
            if line.error is not None or not isinstance(line.value, dict):
                raise FileFormatError(f"{path}, line {line.number}: {line.error or 'a record must be a JSON object'}")
            rows.append(line.value)
    if path.name not in trained_on and path != PUBLIC_TEST:
        return rows
    return [row for row in rows if row.get("split") == "test"]


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


def evaluate(
    rows: list[dict[str, Any]], policy: Policy, model: AbuseModel | None = None, *, article_text: str
) -> tuple[list[Outcome], list[tuple[dict[str, Any], Verdict]]]:
    """Through the simulator's pipeline: one comment a minute, each from its own reader."""
    policy = replace(policy, model=model)
    pipeline = Pipeline(article_text=article_text, policy=policy)
    outcomes = []
    verdicts = []
    for index, row in enumerate(rows):
        item = StreamItem(
            id=row["id"], text=row["text"], author=f"reader {row['line']}", parent_id=row["parent_id"] or None,
            at=60.0 * index, truth=row["truth"],
        )  # fmt: skip
        verdict = moderate(item.text, pipeline.context_for(item), policy)
        pipeline.observe(item, verdict)
        flagged = tuple(r.code for r in verdict.flagged)
        outcomes.append(Outcome(verdict.action.value, tuple(verdict.codes), row["truth"], flagged))
        verdicts.append((row, verdict))
    return outcomes, verdicts
