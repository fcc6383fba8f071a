"""The simulator streams: its report is running counts and bounded samples, the same figures as going over
every decision at the end, and its tables stay aligned at any size."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from articles.importer import parse_article
from moderation import Action, Verdict, family_of
from moderation.reasons import Reason
from simulation import feed
from simulation.article import extract_facts
from simulation.generate import Corpus, generate
from simulation.metrics import FAMILIES, Confusion, Outcome, Truth, score
from simulation.pipeline import Decision
from simulation.queueing import QueueModel, Sample, percentile, simulate_queue
from simulation.report import HOUR, ReportBuilder, build_report, format_comparison, format_text
from simulation.stream import StreamItem

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "articles" / "demo" / "us-seeks-pakistans-help.txt"
CORPUS = ROOT / "moderation" / "data" / "public-test.jsonl"
CODES = ("abusive.insult", "abusive.profanity", "abusive.model", "off_topic", "spam.links", "spam.duplicate")
TRUTHS = [Truth(a, o, s) for a in (None, True, False) for o in (None, True, False) for s in (None, True, False)]


def synthetic(count: int, seed: int = 0, *, span: float | None = None) -> list[Decision]:
    """Decisions of every kind: any reasons, labels known or not, held comments in bursts (or spread evenly
    over ``span`` seconds)."""
    rng = random.Random(seed)
    decisions = []
    at = 0.0
    for index in range(count):
        at = span * index / count if span else at + rng.expovariate(1 / 20)
        codes = rng.sample(CODES, rng.choice((0, 0, 0, 1, 1, 2)))
        action = Action.PUBLISH if not codes else rng.choice((Action.HOLD, Action.HOLD, Action.REJECT))
        flagged = (
            (Reason("off_topic", 0.5, "may be off-topic"),) if action is Action.PUBLISH and rng.random() < 0.1 else ()
        )
        verdict = Verdict(action, tuple(Reason(c, 0.9, "") for c in codes), {"spam": 0.0}, flagged=flagged)
        item = StreamItem(
            f"c{index}", "text", at=round(at, 1), persona=rng.choice(("a", "b", "")), truth=rng.choice(TRUTHS)
        )
        decisions.append(Decision(item, verdict))
    return decisions


def straightforward_metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    """The report's confusion counts the long way: every code against every comment, one at a time."""
    codes = sorted({c for o in outcomes for c in o.reasons if family_of(c) in FAMILIES})
    families = {f: Confusion() for f in FAMILIES}
    by_code: dict[str, Confusion] = {}
    for o in outcomes:
        fired = {family_of(c) for c in o.reasons}
        for family in FAMILIES:
            actual = o.truth.has(family)
            if actual is not None:
                families[family].add(family in fired, actual)
                for code in codes:
                    if family_of(code) == family:
                        by_code.setdefault(code, Confusion()).add(code in o.reasons, actual)
    return {"families": families, "codes": by_code, "decisions": Counter(o.decision for o in outcomes)}


def test_the_running_counts_give_the_straightforward_figures():
    outcomes = [d.outcome for d in synthetic(3000)]
    report = score(outcomes)
    expected = straightforward_metrics(outcomes)
    assert report.families == expected["families"]
    assert report.codes == expected["codes"]
    assert report.decisions == expected["decisions"]
    assert report.total == 3000


def test_the_streamed_workload_is_the_queue_of_every_held_comment():
    decisions = synthetic(5000, seed=3)
    report = build_report(decisions, moderators=2, review_seconds=45)
    held = [d for d in decisions if d.verdict.action is Action.HOLD]
    queue = simulate_queue([d.item.at for d in held], moderators=2, review_seconds=45)
    waits = list(queue.waits)
    clean = [w for d, w in zip(held, waits, strict=True) if d.item.truth.clean]
    w = report["workload"]
    assert w["held"] == len(held) and w["waits_sampled"] is False
    assert w["wait_median_minutes"] == round(statistics.median(waits) / 60, 1)
    assert w["wait_p90_minutes"] == round(percentile(waits, 0.9) / 60, 1)
    assert w["time_to_publish_median_minutes"] == round(statistics.median(clean) / 60, 1)
    timeline = queue.timeline(HOUR)
    assert [{k: row[k] for k in timeline[0]} for row in w["timeline"]] == timeline
    assert w["max_backlog"] == max(row["backlog"] for row in timeline)
    hours = Counter(int(d.item.at // HOUR) for d in decisions)
    assert [row["comments"] for row in report["volume"]] == [hours.get(h, 0) for h in range(len(report["volume"]))]


@pytest.mark.parametrize("seed", range(20))
def test_the_queue_as_it_streams_has_the_timeline_of_the_whole_queue(seed):
    rng = random.Random(seed)
    step = rng.choice((10.0, 100.0))
    # Arrivals on round numbers, so that arrivals and decisions fall on the very start of an interval too.
    arrivals = sorted(float(rng.randrange(0, 2000, 5)) for _ in range(rng.randrange(1, 60)))
    moderators, review = rng.randrange(1, 4), float(rng.choice((5, 10, 30, 100)))
    streamed = QueueModel(moderators=moderators, review_seconds=review, step=step)
    for arrival in arrivals:
        streamed.add(arrival)
    assert streamed.timeline() == simulate_queue(arrivals, moderators=moderators, review_seconds=review).timeline(step)


def test_a_sample_is_exact_up_to_its_size_then_bounded_and_the_same_each_time():
    values = [random.Random(1).random() for _ in range(10)]
    small = Sample(size=100)
    for v in values:
        small.add(v)
    assert small.exact and small.median() == statistics.median(values)

    def sampled() -> Sample:
        sample = Sample(size=1000, seed=5)
        rng = random.Random(2)
        for _ in range(50_000):
            sample.add(rng.random())
        return sample

    one, two = sampled(), sampled()
    assert len(one.values) == 1000 and not one.exact and one.count == 50_000
    assert list(one.values) == list(two.values)
    assert abs((one.median() or 0) - 0.5) < 0.05  # uniform values: the sample's median is near the true one


def test_what_the_report_keeps_does_not_grow_with_the_stream(monkeypatch):
    monkeypatch.setattr("simulation.queueing.SAMPLE_SIZE", 500)

    def kept(count: int) -> tuple[int, int, int, int]:
        builder = ReportBuilder(moderators=2, review_seconds=1)  # a queue that never backs up
        for decision in synthetic(count, seed=7, span=24 * HOUR):  # every run spans one day
            builder.add(decision)
        return (
            len(builder.tally.seen),
            len(builder.queue.waits.values),
            len(builder.queue.approved_waits.values),
            len(builder.arrivals_per_hour),
        )

    small, large = kept(10_000), kept(100_000)
    assert large[1:3] == (500, 500) and small[1] == 500
    assert large[0] <= 2000  # one count per kind of outcome (synthetic() makes fewer than 2,000 kinds)
    assert large[3] == small[3] == 24


def test_tables_stay_aligned_at_any_size():
    report = build_report(synthetic(400), moderators=2, review_seconds=30, label="live")
    huge = 10**12 + 123_456_789
    fixed = {"moderators", "review_seconds", "hour", "start", "start_hour"}

    def inflate(value):
        if isinstance(value, dict):
            return {k: v if k in fixed else inflate(v) for k, v in value.items()}
        if isinstance(value, list):
            return [inflate(v) for v in value]
        return huge + value if isinstance(value, int) and not isinstance(value, bool) else value

    large = inflate(report)
    text = format_text(large, verbose=True) + "\n\n" + format_comparison(report, {**large, "label": "draft"})
    assert "1,000,123,456,789" in text
    # No two figures run together: each is its own token, with its thousands separators.
    assert not re.search(r"\d{4}", text)
    tables = 0
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if not lines or re.search(r"\d", lines[0]) or len(re.findall(r"\S+(?: \S+)*", lines[0])) < 3:
            continue  # not a table: sentences, with figures in them
        tables += 1
        # Cells are two spaces apart or more; each figure ends where its column's heading ends.
        ends = {m.end() for m in re.finditer(r"\S+(?: \S+)*", lines[0])}
        for line in lines[1:]:
            cells = list(re.finditer(r"\S+(?: \S+)*", line))
            assert all(cell.end() in ends for cell in cells[1:]), (line, lines[0])
    assert tables == 4  # the reasons, the personas, hour by hour, the comparison


def test_generated_in_a_second_process_is_the_same_stream(monkeypatch):
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    facts = extract_facts(parsed.headline, parsed.body)
    here = list(generate(facts, 700, 11, Corpus.load(CORPUS)))
    monkeypatch.setattr(feed, "MIN_COMMENTS", 10)
    assert list(feed.generated(facts, 700, 11, str(CORPUS), chunk=64)) == here
    # A second process that stops part way: the rest is generated here, the same.
    reads = iter(range(3))
    real = feed._read

    def stops(source):
        return real(source) if next(reads, None) is not None else None

    monkeypatch.setattr(feed, "_read", stops)
    assert list(feed.generated(facts, 700, 11, str(CORPUS), chunk=64)) == here


def test_replies_reach_far_enough_and_the_generator_keeps_only_the_latest():
    parsed = parse_article(SEED.read_text(encoding="utf-8"))
    items = list(generate(extract_facts(parsed.headline, parsed.body), 3000, 2, None))
    index = {item.id: n for n, item in enumerate(items)}
    back = [n - index[item.parent_id] for n, item in enumerate(items) if item.parent_id]
    assert back and max(back) < 200 and all(b >= 1 for b in back)


def test_the_pipeline_keeps_the_latest_comments_only(monkeypatch):
    from moderation import Policy, moderate
    from moderation.context import RECENT_SAMPLE
    from simulation.pipeline import Pipeline

    monkeypatch.setattr("simulation.pipeline.REMEMBERED", 50)
    policy = Policy()
    pipe = Pipeline(article_text="Talks in Doha about Afghanistan.", policy=policy)
    for index in range(3 * RECENT_SAMPLE):
        # The same words from many readers within a minute: a burst, as in the first hour of a big story.
        item = StreamItem(
            f"c{index}", "Agreed, the talks in Doha matter a great deal.", author=f"r{index}", at=index / 10
        )
        verdict = moderate(item.text, pipe.context_for(item), policy)
        pipe.observe(item, verdict)
    assert len(pipe.seen) == 50 and "c0" not in pipe.seen and f"c{3 * RECENT_SAMPLE - 1}" in pipe.seen
    assert len(pipe.by_mark[next(iter(pipe.by_mark))]) == RECENT_SAMPLE  # as the web reads: the latest 200
    assert "spam.duplicate" in verdict.codes  # still a copy-paste campaign
    later = StreamItem("late", "Something else entirely about Doha.", at=10_000.0)
    pipe.context_for(later)  # the window has passed: every one of them is let go
    assert not pipe.by_mark and not pipe.recent
