"""Speed work must not change what the filter decides.

The rules' decisions (action and reason codes, no learned model) on three streams are kept in
``tests/data/rule-decisions.jsonl.gz``, recorded before the filter was made faster: our
labelled set through the simulator's pipeline, a generated stream with real comments in it,
and the shipped public test comments (2,784 real posts: swearing, insults, hate and their
evasions). Re-record only for a change that means to decide differently:
``NEWSROOM_RECORD_DECISIONS=1 .venv/bin/python -m pytest tests/moderation/test_same_decisions.py``.
"""

import gzip
import json
import os
from pathlib import Path

from articles.importer import parse_article
from moderation import Context, Policy, moderate
from moderation.training import read_records
from simulation.article import extract_facts
from simulation.evaluation import evaluate, load
from simulation.generate import Corpus, generate
from simulation.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
SNAPSHOT = ROOT / "tests" / "data" / "rule-decisions.jsonl.gz"
DATA = ROOT / "moderation" / "data" / "public-test.jsonl"


def decisions() -> list[dict[str, object]]:
    policy = Policy()
    out = []
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    _, verdicts = evaluate(load(ROOT / "tests" / "data" / "eval_seed.txt"), policy, article_text=parsed.text)
    out += [{"stream": "eval", "id": row["id"], "action": v.action.value, "codes": v.codes} for row, v in verdicts]

    article = parsed.text
    facts = extract_facts(parsed.headline, parsed.body)
    pipeline = Pipeline(article_text=article, policy=policy)
    for item in generate(facts, 1500, 3, Corpus.load(DATA)):
        verdict = moderate(item.text, pipeline.context_for(item), policy)
        pipeline.observe(item, verdict)
        out.append({"stream": "generated", "id": item.id, "action": verdict.action.value, "codes": verdict.codes})

    for n, record in enumerate(read_records(DATA)):
        verdict = moderate(record.text, Context(), policy)
        out.append({"stream": "public", "id": str(n), "action": verdict.action.value, "codes": verdict.codes})
    return out


def test_the_rules_decide_as_they_did():
    now = decisions()
    if os.environ.get("NEWSROOM_RECORD_DECISIONS"):
        with gzip.open(SNAPSHOT, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(d, sort_keys=True) + "\n" for d in now)
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as handle:
        before = [json.loads(line) for line in handle]
    assert len(now) == len(before) > 4500
    changed = [(b, n) for b, n in zip(before, now, strict=True) if b != n]
    assert not changed, f"{len(changed)} decisions changed, e.g. {changed[:3]}"
