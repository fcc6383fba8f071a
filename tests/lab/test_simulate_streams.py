"""A simulation to the database writes each comment as it is judged, keeps only the latest at hand, and
refreshes the planner's statistics when done (a run is a bulk load)."""

from __future__ import annotations

import io
import json
from unittest import mock

import pytest
from django.core.management import call_command

from comments.models import Comment, ModerationEvent
from factories import make_seed_article
from lab import runner
from lab.models import SimulationRun
from lab.runner import DatabaseSink, judge, save_run, start_time_for
from moderation import Policy
from simulation import pipeline
from simulation.generate import generate
from simulation.stream import StreamItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_site(settings):
    settings.DEBUG = True


def test_comments_are_written_as_they_are_judged_not_at_the_end(monkeypatch):
    article = make_seed_article()
    monkeypatch.setattr(runner, "REMEMBERED", 5)
    monkeypatch.setattr(pipeline, "REMEMBERED", 5)
    run = save_run(article=article, label="streaming", parameters={})
    items = list(generate(runner.facts_for(article), 60, 3, None))
    sink = DatabaseSink(article=article, run=run, start=start_time_for(items))
    stored = []
    for decision in judge(items, count=len(items), article_text="", policy=Policy(), sink=sink, batch=10):
        stored.append(Comment.objects.filter(simulation=run).count())
        assert decision.item.id in sink.comments
        assert len(sink.comments) <= 5  # only the latest, for replies to find
    assert stored == list(range(1, 61))  # each one in the database before the next is judged


def test_a_database_run_refreshes_the_planners_statistics_once_done():
    slug = make_seed_article().slug
    with mock.patch.object(runner, "refresh_planner_statistics") as refresh:
        call_command("simulate", "--article", slug, "--comments", "40", "--seed", "2", stdout=io.StringIO())
    refresh.assert_called_once_with(Comment, ModerationEvent)
    assert Comment.objects.count() == 40
    with mock.patch.object(runner, "refresh_planner_statistics") as refresh:
        call_command("simulate", "--article", slug, "--comments", "40", "--dry-run", stdout=io.StringIO())
    refresh.assert_not_called()


def test_a_reply_to_a_comment_no_longer_remembered_starts_a_thread(monkeypatch):
    article = make_seed_article()
    monkeypatch.setattr(runner, "REMEMBERED", 2)
    monkeypatch.setattr(pipeline, "REMEMBERED", 2)
    run = save_run(article=article, label="far back", parameters={})
    items = [
        StreamItem("a", "The talks in Doha matter for Afghanistan.", at=1.0),
        StreamItem("b", "Pakistan has a role in the talks.", at=2.0),
        StreamItem("c", "Khalilzad met the envoys in Islamabad.", at=3.0),
        StreamItem("d", "Agreed, the talks matter.", parent_id="a", at=4.0),
        StreamItem("e", "Agreed, the envoys matter.", parent_id="c", at=5.0),
    ]
    sink = DatabaseSink(article=article, run=run, start=start_time_for(items))
    list(judge(items, count=len(items), article_text="", policy=Policy(), sink=sink))
    comments = {c.body: c for c in Comment.objects.filter(simulation=run)}
    assert comments["Agreed, the talks matter."].parent is None
    assert comments["Agreed, the envoys matter."].parent == comments["Khalilzad met the envoys in Islamabad."]


def test_the_decisions_file_is_written_as_the_run_goes(tmp_path):
    slug = make_seed_article().slug
    out = tmp_path / "decisions.jsonl"
    call_command(
        "simulate", "--article", slug, "--comments", "120", "--seed", "5", "--dry-run", "--decisions", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    lines = out.read_text().splitlines()
    assert len(lines) == 120 and [json.loads(line)["id"] for line in lines][:2] == ["sim-5-1", "sim-5-2"]
    assert not list(tmp_path.glob(".*.tmp"))
    assert SimulationRun.objects.count() == 0


def test_the_garbage_collector_is_given_back_its_thresholds():
    import gc

    before = gc.get_threshold()
    items = [StreamItem(str(n), f"Comment number {n} about the talks.", at=float(n)) for n in range(30)]
    decisions = judge(items, count=len(items), article_text="", policy=Policy(), batch=10)
    next(decisions)
    assert gc.get_threshold()[0] == 20_000  # while the run goes
    assert len(list(decisions)) == 29
    assert gc.get_threshold() == before
