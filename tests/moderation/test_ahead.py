"""Scoring the next batch in a second process: the same figures as scoring here, or scoring here when it cannot."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from moderation.ahead import MIN_BATCHES, score_ahead
from moderation.model import AbuseModel, Features
from moderation.training import Record, train

SHIPPED = Path("moderation/data/abuse-model.nrm")
TEXTS = [
    "you are a worthless idiot", "the talks in doha may bring a ceasefire", "shut up you pathetic moron",
    "pakistan has influence over the taliban", "ünïcödé ж 😀 idiot", "", "the envoy met the army chief",
    "go away you stupid loser", "a peace deal needs both sides", "@USER URL #tag &amp; you clown",
]  # fmt: skip
BATCHES = [TEXTS[i : i + 3] + [f"comment number {i} on the talks"] for i in range(0, 10, 2)]


def not_here(*args, **kwargs):
    raise AssertionError("scored in this process")


def test_batches_are_scored_and_explained_in_a_second_process_with_the_models_own_figures(monkeypatch):
    model = AbuseModel.load(SHIPPED)
    expected = [model.score(t) for texts in BATCHES for t in texts]
    spans = {t: model.explain(t) for texts in BATCHES for t in texts if model.score(t) >= 0.5}
    assert len(spans) >= 3 and any(spans.values())
    monkeypatch.setattr(AbuseModel, "batch", not_here)
    monkeypatch.setattr(AbuseModel, "explain", not_here)
    scorers = list(zip(score_ahead(model, BATCHES, explain_from=0.5), BATCHES, strict=True))
    got = [scorer.score(t) for scorer, texts in scorers for t in texts]
    assert got == pytest.approx(expected, abs=1e-9)
    assert {t: scorer.explain(t) for scorer, texts in scorers for t in texts if t in spans} == spans


def test_a_short_stream_or_a_model_made_in_memory_is_scored_here():
    model = AbuseModel.load(SHIPPED)
    short = BATCHES[: MIN_BATCHES - 1]
    here = [s.score(t) for s, b in zip(score_ahead(model, short), short, strict=True) for t in b]
    assert here == pytest.approx([model.score(t) for b in short for t in b], abs=1e-9)
    records = [Record(t, "idiot" in t or "moron" in t, "train", "toy") for t in TEXTS * 3]
    toy = train(records, features=Features(word_bits=10, char_bits=10), refit=False).model
    assert toy.source is None
    scored = [s.score(t) for s, b in zip(score_ahead(toy, BATCHES), BATCHES, strict=True) for t in b]
    assert scored == pytest.approx([toy.score(t) for b in BATCHES for t in b], abs=1e-9)


def test_a_model_file_changed_since_it_was_loaded_is_not_used(tmp_path, caplog):
    path = tmp_path / "model.nrm"
    shutil.copy(SHIPPED, path)
    model = AbuseModel.load(path)
    records = [Record(t, "idiot" in t or "moron" in t, "train", "toy") for t in TEXTS * 3]
    train(records, features=Features(word_bits=10, char_bits=10), refit=False).model.save(path)  # retrained since
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        got = [s.score(t) for s, b in zip(score_ahead(model, BATCHES), BATCHES, strict=True) for t in b]
    assert got == pytest.approx([model.score(t) for b in BATCHES for t in b], abs=1e-9)
    assert "loaded another model" in caplog.text


def test_stopping_early_leaves_no_process_behind(monkeypatch):
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    model = AbuseModel.load(SHIPPED)
    scorers = score_ahead(model, BATCHES)
    first = next(scorers)
    assert first.score(BATCHES[0][0]) == pytest.approx(model.score(BATCHES[0][0]), abs=1e-9)
    assert len(started) == 1 and started[0].poll() is None
    scorers.close()
    assert started[0].poll() == 0  # it finished what it had and ended when its input closed


def test_a_second_process_that_dies_leaves_the_rest_to_this_one(monkeypatch, caplog):
    from moderation import ahead

    real_send = ahead._Scorer.send

    def send_then_kill(self, texts, explain_from):
        real_send(self, texts, explain_from)
        if len(texts) and texts[0] == BATCHES[2][0]:
            self.process.kill()

    monkeypatch.setattr(ahead._Scorer, "send", send_then_kill)
    model = AbuseModel.load(SHIPPED)
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        got = [s.score(t) for s, b in zip(score_ahead(model, BATCHES), BATCHES, strict=True) for t in b]
    assert got == pytest.approx([model.score(t) for b in BATCHES for t in b], abs=1e-9)
    assert "stopped" in caplog.text


def test_a_second_process_that_does_not_answer_in_time_is_stopped(monkeypatch, caplog):
    from moderation import ahead

    monkeypatch.setattr(ahead, "ANSWER_SECONDS", 0.0001)  # it cannot even load the model in that time
    model = AbuseModel.load(SHIPPED)
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        got = [s.score(t) for s, b in zip(score_ahead(model, BATCHES), BATCHES, strict=True) for t in b]
    assert got == pytest.approx([model.score(t) for b in BATCHES for t in b], abs=1e-9)
    assert "Scoring in a second process stopped" in caplog.text
