import pytest

from simulation.metrics import Outcome, Truth, score
from simulation.queueing import percentile, simulate_queue

CLEAN = Truth(abusive=False, on_topic=True, spam=False)
ABUSIVE = Truth(abusive=True, on_topic=True, spam=False)
OFF = Truth(abusive=False, on_topic=False, spam=False)


def test_metrics_on_a_stream_checked_by_hand():
    outcomes = [
        Outcome("reject", ("abusive.insult",), ABUSIVE),  # abusive TP
        Outcome("publish", (), ABUSIVE),  # abusive FN, a leak
        Outcome("hold", ("abusive.profanity",), CLEAN),  # abusive FP, clean blocked
        Outcome("publish", (), CLEAN),  # TN everywhere
        Outcome("hold", ("off_topic",), OFF),  # off-topic TP
        Outcome("publish", (), OFF),  # off-topic FN
    ]
    report = score(outcomes)
    abusive = report.families["abusive"]
    assert (abusive.tp, abusive.fp, abusive.fn, abusive.tn) == (1, 1, 1, 3)
    assert abusive.precision == 0.5 and abusive.recall == 0.5
    off = report.families["off_topic"]
    assert (off.tp, off.fp, off.fn, off.tn) == (1, 0, 1, 4)
    assert report.leak_rate == 0.5  # 1 of 2 abusive comments published
    assert report.clean_blocked_rate == 0.5  # 1 of 2 clean comments held
    assert report.decisions == {"publish": 3, "hold": 2, "reject": 1}
    assert report.held_share == pytest.approx(2 / 6)
    overall = report.overall  # "needs action" vs "was held or rejected"
    assert (overall.tp, overall.fp, overall.fn, overall.tn) == (2, 1, 2, 1)


def test_unlabelled_comments_are_left_out_of_precision():
    report = score([Outcome("hold", ("abusive.insult",), Truth()), Outcome("publish", (), Truth())])
    assert report.families["abusive"].precision is None and report.leak_rate is None and report.labelled == 0


def test_one_moderator_three_at_once():
    result = simulate_queue([0, 0, 0], moderators=1, review_seconds=60)
    assert result.finishes == (60, 120, 180)
    assert result.waits == (60, 120, 180)
    assert result.backlog_at(0) == 3 and result.backlog_at(61) == 2 and result.backlog_at(180) == 0
    assert result.moderator_hours == pytest.approx(3 * 60 / 3600)


def test_two_moderators_and_idle_time():
    # Arrivals at 0, 10, 20 and 500; two moderators at 100 s each.
    result = simulate_queue([500, 0, 20, 10], moderators=2, review_seconds=100)
    assert result.arrivals == (0, 10, 20, 500)
    assert result.finishes == (100, 110, 200, 600)  # the third waits for the first moderator
    assert result.waits == (100, 100, 180, 100)
    timeline = result.timeline(step=100)
    assert [row["arrived"] for row in timeline] == [3, 0, 0, 0, 0, 1, 0]
    # Largest number waiting or in review during each 100 s: three before t=100; two from 100
    # (one decided); none from 200 (the last of the three is decided at 200); one from 500 to 600.
    assert [row["backlog"] for row in timeline] == [3, 2, 0, 0, 0, 1, 0]
    assert timeline[1]["mean_wait"] == 100  # decided in [100, 200): the first two, 100 s each


def test_queue_rejects_nonsense():
    with pytest.raises(ValueError):
        simulate_queue([1.0], moderators=0, review_seconds=10)
    with pytest.raises(ValueError):
        simulate_queue([1.0], moderators=1, review_seconds=0)


def test_percentile():
    assert percentile([], 0.9) == 0.0
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
