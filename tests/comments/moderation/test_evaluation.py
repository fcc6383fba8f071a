"""The labelled evaluation set as a regression guard: the filter must stay at least this good."""

import importlib.util
from pathlib import Path

from comments.moderation import Policy
from comments.simulation.metrics import score

ROOT = Path(__file__).resolve().parents[3]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_evaluate", ROOT / "bench" / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_filter_quality_on_the_labelled_set():
    bench = load_bench()
    rows = bench.load(ROOT / "tests" / "data" / "eval_seed.txt")
    assert len(rows) >= 300
    outcomes, _ = bench.evaluate(rows, Policy())
    report = score(outcomes)
    abusive, off_topic, spam = (report.families[f] for f in ("abusive", "off_topic", "spam"))
    assert abusive.recall is not None and abusive.precision is not None
    assert off_topic.recall is not None and off_topic.precision is not None and spam.recall is not None
    assert abusive.recall >= 0.9
    assert abusive.precision >= 0.85
    # Off-topic holds need strong evidence (issue 9): on real comments, absent words are weak
    # evidence, so this set's chatter is partly published; what is held must be off-topic.
    assert off_topic.recall >= 0.5
    assert off_topic.precision >= 0.95
    genuine = [o for o in outcomes if o.truth.on_topic]
    held_for_topic = [o for o in genuine if "off_topic" in o.reasons]
    assert len(held_for_topic) <= 0.1 * len(genuine)
    assert spam.recall >= 0.8
    assert report.leak_rate is not None and report.clean_blocked_rate is not None
    assert report.leak_rate <= 0.05
    assert report.clean_blocked_rate <= 0.12
