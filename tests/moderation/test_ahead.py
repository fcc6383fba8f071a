"""Scoring the next batch in a second process: the same figures as scoring here, or scoring here when it cannot."""

from __future__ import annotations

import logging
import random
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from moderation import Context, Conversation, Mode, Policy, Verdict, moderate
from moderation.ahead import MIN_BATCHES, score_ahead
from moderation.checks import CONTEXT_FREE
from moderation.checks.learned import explained_from
from moderation.model import AbuseModel, BatchScores, Features
from moderation.normalize import Text
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


# --- The text-only checks worked out beside the model -------------------------------------------------------


def comments_with_findings() -> list[str]:
    """News-comment-length texts (the recorded verdicts' long stream, some disguised) and short ones with
    something for each check to find: swearing, its look-alikes, floods, capitals, links, pitches."""
    from tests.moderation.test_same_verdicts import disguised, long_comments

    rng = random.Random(7)
    texts = long_comments(120, rng)
    texts += [disguised(text, rng) for text in texts[:40]]
    texts += [
        "what a load of bullshit", "you f u c k i n g clown", "fuuuuck this", "sh1t happens in Doha", "ceasefire now",
        "the ceasefire is a damn good idea", "crap", "NO NO NO THIS IS A DISGRACE TO EVERYONE", "!!!!!!!!!!!!!!",
        "lol lol lol lol lol lol lol lol lol lol lol", "see www.example.com/x and bit.ly/abc", "subscribe to my channel",
        "Ｆｕｃｋ the Taliban", "the envoy's \"bastard\" remark", *TEXTS,
    ]  # fmt: skip
    return texts


def in_batches(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def contexts(texts: list[str]) -> list[Context]:
    """Replies and top-level comments, with a conversation and recent duplicates: the verdicts' context varies."""
    article = "Pakistan's army chief met the US envoy in Doha; talks on a ceasefire with the Taliban go on."
    conversation = Conversation(texts[:50]).snapshot()
    return [
        Context(
            article_text=article,
            parent_text=texts[n - 1] if n % 3 == 1 else "",
            conversation=conversation if n % 2 else None,
            own_recent=(text,) if n % 11 == 0 else (),
        )
        for n, text in enumerate(texts)
    ]


def verdicts(scored: list[BatchScores], batches: list[list[str]], policy: Policy) -> list[Verdict]:
    flat = [text for texts in batches for text in texts]
    given = contexts(flat)
    out: list[Verdict] = []
    for scorer, texts in zip(scored, batches, strict=True):
        batch_policy = replace(policy, model=scorer)
        out += [moderate(text, given[len(out)], batch_policy) for text in texts]
    return out


def here(model: AbuseModel, batches: list[list[str]], policy: Policy) -> list[Verdict]:
    """The verdicts with every check run in this process, the model's figures for the same batches."""
    return verdicts([model.batch(texts) for texts in batches], batches, policy)


@pytest.fixture
def counted(monkeypatch):
    """How often each check worked out ahead runs in this process."""
    from moderation import ahead

    runs = dict.fromkeys((check.__name__ for check in ahead.AHEAD), 0)
    for check in ahead.AHEAD:

        def counting(text, context, policy, real=check.check, name=check.__name__):
            runs[name] += 1
            return real(text, context, policy)

        monkeypatch.setattr(check, "check", counting)
    return runs


@pytest.mark.parametrize(
    "lists",
    [((), ()), (("ceasefire", "envoy"), ("damn", "crap", "bullshit"))],
    ids=["the default word lists", "a policy's own blocked and allowed words"],
)
def test_checks_worked_out_in_the_second_process_give_the_verdicts_given_here(lists, counted):
    model = AbuseModel.load(SHIPPED)
    policy = replace(Policy(), blocked_words=lists[0], allowed_words=lists[1], model=model)
    batches = in_batches(comments_with_findings(), 40)
    expected = here(model, batches, policy)
    assert all(counted.values())  # here every check ran for every text
    counted.update(dict.fromkeys(counted, 0))
    scored = list(score_ahead(model, batches, explain_from=explained_from(policy), policy=policy))
    assert all(s.findings is not None for s in scored)
    assert verdicts(scored, batches, policy) == expected
    assert not any(counted.values())  # all worked out in the other process
    # Which they found plenty of: swearing, floods and shouting.
    found = {r.code.split(".")[0] for v in expected for r in v.findings}
    assert {"abusive", "shouting"} <= found
    assert sum(1 for v in expected if any(r.code == "abusive.profanity" for r in v.findings)) > 10


def test_a_policy_with_its_own_words_decides_otherwise_than_the_default():
    """What the test above proves is not empty: the word lists change verdicts, and the second process knew."""
    model = AbuseModel.load(SHIPPED)
    batches = in_batches(comments_with_findings(), 40)
    default = replace(Policy(), model=model)
    own = replace(default, blocked_words=("ceasefire",), allowed_words=("damn", "crap", "bullshit"))
    changed = [
        (a, b)
        for a, b in zip(here(model, batches, default), here(model, batches, own), strict=True)
        if a.findings != b.findings
    ]
    assert len(changed) > 10


def test_findings_for_other_word_lists_are_not_trusted(counted):
    """A batch worked out under one policy's word lists, judged under another's: every check runs here."""
    model = AbuseModel.load(SHIPPED)
    batches = in_batches(comments_with_findings(), 40)
    told = replace(Policy(), model=model)
    other = replace(told, blocked_words=("ceasefire", "taliban"))
    expected = here(model, batches, other)
    counted.update(dict.fromkeys(counted, 0))
    scored = list(score_ahead(model, batches, explain_from=explained_from(told), policy=told))
    assert verdicts(scored, batches, other) == expected
    assert counted["moderation.checks.profanity"] == sum(len(b) for b in batches)


def test_answers_for_other_word_lists_stop_the_second_process(monkeypatch, caplog):
    """The second process names what it was told in every answer: a mismatch and the rest is done here."""
    from moderation import ahead

    real_tell = ahead._Scorer.tell
    monkeypatch.setattr(ahead._Scorer, "tell", lambda self, checks, lists: real_tell(self, checks, (("x",), ())) + "!")
    model = AbuseModel.load(SHIPPED)
    policy = replace(Policy(), model=model)
    batches = in_batches(comments_with_findings(), 40)
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        scored = list(score_ahead(model, batches, explain_from=explained_from(policy), policy=policy))
    assert "other word lists" in caplog.text
    assert all(s.findings is None for s in scored)
    assert verdicts(scored, batches, policy) == here(model, batches, policy)


def test_a_second_process_that_dies_leaves_the_checks_to_this_one(monkeypatch, caplog):
    from moderation import ahead

    batches = in_batches(comments_with_findings(), 40)
    real_send = ahead._Scorer.send

    def send_then_kill(self, texts, explain_from):
        real_send(self, texts, explain_from)
        if texts and texts[0] == batches[2][0]:
            self.process.kill()

    monkeypatch.setattr(ahead._Scorer, "send", send_then_kill)
    model = AbuseModel.load(SHIPPED)
    policy = replace(Policy(), blocked_words=("ceasefire",), model=model)
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        scored = list(score_ahead(model, batches, explain_from=explained_from(policy), policy=policy))
    assert "stopped" in caplog.text
    assert scored[0].findings is not None and scored[-1].findings is None
    assert verdicts(scored, batches, policy) == here(model, batches, policy)


def test_without_the_policy_nothing_is_worked_out_ahead():
    model = AbuseModel.load(SHIPPED)
    assert all(s.findings is None for s in score_ahead(model, BATCHES))


def test_context_free_checks_find_the_same_whatever_the_context_and_the_other_settings():
    """What makes working them out elsewhere safe: a check of ``CONTEXT_FREE`` finds in a text what it finds
    with no context at all and a policy that holds only the same word lists."""
    texts = comments_with_findings()
    policies = [
        Policy(max_links=0, abuse_hold=0.1, spam_hold=0.1, shouting_hold=0.1),
        Policy(blocked_words=("ceasefire",), allowed_words=("damn", "bullshit"), mode=Mode.HOLD_ALL),
    ]
    for policy in policies:
        bare = Policy(blocked_words=policy.blocked_words, allowed_words=policy.allowed_words)
        for text, context in zip(texts, contexts(texts), strict=True):
            for check in CONTEXT_FREE:
                assert check.check(Text(text), context, policy) == check.check(Text(text), Context(), bare)


def test_a_garbled_answer_from_the_second_process_leaves_the_rest_to_this_one(monkeypatch, caplog):
    """An answer that cannot be read (here: the third batch's) is the second process failing: that batch and the
    rest are scored here, none is lost."""
    from moderation import ahead, pipes

    real_read = pipes.read_message
    answers = [0]

    def garbled_third(stream):
        answer = real_read(stream)
        answers[0] += 1
        if answers[0] == 4:  # the first answer is the model's name; the fourth, the third batch's scores
            raise ValueError("unpack(b) received extra data.")
        return answer

    monkeypatch.setattr(ahead, "_read", garbled_third)
    model = AbuseModel.load(SHIPPED)
    with caplog.at_level(logging.WARNING, logger="moderation.ahead"):
        scored = list(score_ahead(model, BATCHES))
    assert len(scored) == len(BATCHES)
    got = [s.score(t) for s, b in zip(scored, BATCHES, strict=True) for t in b]
    assert got == pytest.approx([model.score(t) for b in BATCHES for t in b], abs=1e-9)
    assert "extra data" in caplog.text
