"""The labelled evaluation set as a regression guard: the filter must stay at least this good."""

from pathlib import Path

from articles.importer import parse_article
from moderation import Policy
from simulation.evaluation import evaluate, load
from simulation.metrics import score

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
SEED_TEXT = parse_article(SEED.read_text(encoding="utf-8")).text


def test_filter_quality_on_the_labelled_set():
    rows = load(ROOT / "tests" / "data" / "eval_seed.txt")
    assert len(rows) >= 300
    outcomes, _ = evaluate(rows, Policy(), article_text=SEED_TEXT)
    report = score(outcomes)
    abusive, off_topic, spam = (report.families[f] for f in ("abusive", "off_topic", "spam"))
    assert abusive.recall is not None and abusive.precision is not None
    assert spam.recall is not None
    assert abusive.recall >= 0.9
    assert abusive.precision >= 0.85
    # Off-topic holds need strong evidence (issues 9 and 29): on real comments, absent words are weak
    # evidence, and a sentence or two of chatter (all this set's off-topic comments are) is not enough to
    # hold; several sentences about something else are (tests/moderation/test_core.py). So this set's chatter
    # is published and flagged for moderators. What is promised: held or flagged, at least half of it reaches a
    # moderator, what reaches one as off-topic mostly is, and genuine comments are seldom held or flagged.
    held_or_flagged = report.held_or_flagged_share("off_topic")
    assert held_or_flagged is not None and held_or_flagged >= 0.5
    reached = off_topic.tp + off_topic.fp + report.flagged["off_topic"]
    assert reached and (off_topic.tp + report.flag_caught["off_topic"]) / reached >= 0.8
    genuine = [o for o in outcomes if o.truth.on_topic]
    held_for_topic = [o for o in genuine if "off_topic" in o.reasons]
    assert len(held_for_topic) <= 0.05 * len(genuine)
    flagged_for_topic = [o for o in genuine if "off_topic" in o.flagged]
    assert len(flagged_for_topic) <= 0.1 * len(genuine)
    assert spam.recall >= 0.8
    assert report.leak_rate is not None and report.clean_blocked_rate is not None
    assert report.leak_rate <= 0.05
    assert report.clean_blocked_rate <= 0.12
