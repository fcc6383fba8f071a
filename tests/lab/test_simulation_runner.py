"""The simulator's loop: a long run's batches are scored in a second process, and judged the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from articles.importer import parse_article
from lab.runner import run_pipeline
from moderation import Policy
from moderation.model import AbuseModel
from simulation.article import extract_facts
from simulation.generate import Corpus, generate

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
CORPUS = ROOT / "moderation" / "data" / "public-test.jsonl"


def test_a_long_run_judges_the_same_with_its_scoring_in_a_second_process(monkeypatch):
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    article = "\n\n".join([parsed.headline, parsed.body])
    items = list(generate(extract_facts(parsed.headline, parsed.body), 120, 3, Corpus.load(CORPUS)))
    model = AbuseModel.load(ROOT / "moderation" / "data" / "abuse-model.nrm")
    in_memory = dataclasses.replace(model, source=None)  # no file to load again: scored in this process

    here, _ = run_pipeline(items, article_text=article, policy=Policy(model=in_memory), batch=20)

    def not_here(*args, **kwargs):
        raise AssertionError("scored in the simulator's own process")

    monkeypatch.setattr(AbuseModel, "batch", not_here)
    ahead, _ = run_pipeline(items, article_text=article, policy=Policy(model=model), batch=20)

    def seen(decisions):
        return [(d.item.id, d.verdict.action, d.verdict.codes, d.verdict.scores, d.verdict.reasons) for d in decisions]

    assert seen(ahead) == seen(here)
    assert any(r.code == "abusive.model" and r.spans for d in ahead for r in d.verdict.reasons)
    assert len(ahead) == len(items)


@pytest.mark.parametrize("batches", [1, 3])
def test_a_short_run_is_scored_in_the_simulators_own_process(batches, monkeypatch):
    from moderation import ahead

    def no_second_process(*args, **kwargs):
        raise AssertionError("a second process for a short run")

    monkeypatch.setattr(ahead, "_Scorer", no_second_process)
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    items = list(generate(extract_facts(parsed.headline, parsed.body), 10 * batches, 5, None))
    model = AbuseModel.load(ROOT / "moderation" / "data" / "abuse-model.nrm")
    decisions, _ = run_pipeline(items, article_text=parsed.body, policy=Policy(model=model), batch=10)
    assert len(decisions) == len(items)
    assert all("model" in d.verdict.scores for d in decisions)
