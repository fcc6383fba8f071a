"""Scores for a stream of batches, the next batch scored in a second process while the caller judges this one.

The simulator judges a long stream a batch at a time: the learned model scores a batch
(numpy, ``AbuseModel.scores``), then each comment gets its verdict (the rules, in
Python). One after the other they use one core; here the model scores batch n + 1 in a
process of its own while the caller works through batch n, so a long run uses two::

    for texts, scored in zip(batches, score_ahead(model, batches, explain_from=0.61)):
        ...  # scored.score(text), and scored.explain(text) for those scoring 0.61 or more:
             # the model's own figures and spans, worked out in the second process

The second process is a fresh interpreter running this module (``python -m
moderation.ahead MODEL``), not a fork of the caller (which may be a threaded
web server) and not multiprocessing's spawn (which imports the caller's main module
again). It loads the model from the file the caller's model was loaded from and says
which file it loaded (its SHA-256), so a file changed since is never used. Texts go to
it as msgpack, each prefixed by its length, and the scores and spans come back the same
way. A model
made in memory, a short stream, or a process that cannot start or stops: the batches
are scored here instead, with the same figures (and every check of a verdict runs here).

Given the policy, the second process also runs some context-free checks (``AHEAD``, of
``checks.CONTEXT_FREE``: their reasons depend on the text and the policy's word lists
alone) on each text beside the model, and sends back the reasons of the few texts where
they found any. The caller's verdicts take those checks' reasons from the batch
(``model.Findings``; ``core.moderate`` asks it) instead of running them. The checks read
the policy's word lists, so the second process is told them at the start and names them
(a digest) in every answer; the batch keeps them, and a policy with other lists runs
every check here::

    for texts, scored in zip(batches, score_ahead(model, batches, explain_from=0.61, policy=policy)):
        batch_policy = replace(policy, model=scored)
        verdicts = [moderate(text, context_of(text), batch_policy) for text in texts]
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Generator, Iterator, Mapping, Sequence
from types import MappingProxyType, ModuleType
from typing import IO, Any

import numpy as np

from moderation.checks import CONTEXT_FREE, flood, profanity, shouting
from moderation.context import Context
from moderation.model import AbuseModel, BatchScores, Findings, ModelError
from moderation.normalize import Text
from moderation.pipes import read_message as _read
from moderation.pipes import write_message as _write
from moderation.policy import Policy
from moderation.reasons import Reason

logger = logging.getLogger(__name__)

# Fewer batches than this are scored here: starting a process (about a third of a second) would not pay.
MIN_BATCHES = 4
# A second process that takes longer than this to start or to answer for a batch (a tenth of a second,
# usually) is stopped, and the rest is scored here: a run never waits on it for ever.
ANSWER_SECONDS = 120.0
# The context-free checks the second process runs beside the model. The rest of a verdict stays here: each
# check moved there costs it what it saves this side, and a long run goes at the pace of the slower side.
# Measured through the replay path on news-comment-length texts (bench/filter.py's), CPU a comment on a busy
# machine: the verdicts here took about 290 µs and the model there 140; with profanity (about 55 here), the
# flood check (11) and shouting (4) there, about 220 and 210. Adding the pitches (promotion, 19) tips it over.
AHEAD: tuple[ModuleType, ...] = (profanity, flood, shouting)
_EMPTY = Context()


class ScorerError(RuntimeError):
    """The second process could not be used."""


def score_ahead(
    model: AbuseModel, batches: Sequence[Sequence[str]], *, explain_from: float = 2.0, policy: Policy | None = None
) -> Generator[BatchScores, None, None]:
    """For each batch of texts, in order, a scorer that knows their scores, and the spans of those scoring
    ``explain_from`` or more; with ``policy``, also the reasons the ``AHEAD`` checks find in each under
    its word lists (see the module's docstring)."""
    done = 0
    if model.source is not None and len(batches) >= MIN_BATCHES:
        path, digest = model.source
        checks = tuple(check.__name__ for check in AHEAD) if policy is not None else ()
        word_lists = policy.word_lists if policy is not None else ((), ())
        try:
            with _Scorer(path) as scorer:
                if scorer.digest != digest:
                    raise ScorerError(f"it loaded another model from {path} ({scorer.digest[:200]})")
                told = scorer.tell(checks, word_lists)
                for texts in batches[:2]:
                    scorer.send(texts, explain_from)
                while done < len(batches):
                    texts = batches[done]
                    scores, spans, found, heard = scorer.receive(len(texts))
                    if heard != told:
                        raise ScorerError("it ran the checks for other word lists than the policy's")
                    scored = BatchScores(
                        model,
                        dict(zip(texts, scores, strict=True)),
                        {texts[i]: tuple((start, end) for start, end in found) for i, found in spans.items()},
                        Findings(checks, word_lists, _reasons(checks, texts, found)) if checks else None,
                    )
                    if done + 2 < len(batches):
                        scorer.send(batches[done + 2], explain_from)
                    done += 1
                    yield scored
        # An answer that is not what this side sent for (a garbled message, a wrong shape) is the second
        # process failing too: the rest, this batch included, is scored here.
        except (OSError, ScorerError, ValueError, TypeError, IndexError, KeyError) as exc:
            logger.warning("Scoring in a second process stopped (%s): the rest is scored here.", exc)
    for texts in batches[done:]:
        yield model.batch(texts)


class _Scorer:
    """The second process, from this side."""

    def __init__(self, path: str) -> None:
        # Where this process finds the project, the second one does too.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.checks = 0  # how many checks it runs beside the model (``tell``)
        self._in: IO[bytes] = self.process.stdin
        self._out: IO[bytes] = self.process.stdout
        with self._deadline():
            self.digest = self._out.readline().decode("utf-8", "replace").strip()

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[None]:
        """Stop the process if what follows waits on it too long (the read then ends, cut short)."""
        timer = threading.Timer(ANSWER_SECONDS, self.process.kill)
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def __enter__(self) -> _Scorer:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):  # it may have gone: nothing to tell it
            self._in.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._out.close()

    def tell(self, checks: tuple[str, ...], word_lists: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
        """Which checks to run beside the model, under which word lists: the digest it names them by."""
        told = [list(checks), list(word_lists[0]), list(word_lists[1])]
        _write(self._in, told)
        self.checks = len(checks)
        return _digest(told)

    def send(self, texts: Sequence[str], explain_from: float) -> None:
        _write(self._in, [explain_from, list(texts)])

    def receive(self, count: int) -> tuple[list[float], dict[int, list[list[int]]], dict[int, list[Any]], str]:
        """A batch's scores, spans, the checks' reasons for the texts where they found any, and the digest of
        what it was told."""
        with self._deadline():
            answer = _read(self._out)
        if answer is None:
            raise ScorerError(f"it stopped (exit status {self.process.poll()})")
        scores = np.frombuffer(answer[0], dtype="<f8").tolist()
        if len(scores) != count:
            raise ScorerError(f"it sent {len(scores)} scores for {count} texts")
        if not all(isinstance(i, int) and 0 <= i < count for i in answer[2]) or (answer[2] and not self.checks):
            raise ScorerError(f"it sent findings for texts it was not sent ({list(answer[2])[:5]})")
        return scores, answer[1], answer[2], answer[3]


def _reasons(
    checks: tuple[str, ...], texts: Sequence[str], found: dict[int, list[Any]]
) -> dict[str, Mapping[str, Sequence[Reason]]]:
    """Each text's reasons by check, from the second process's answer (rows of check, code, score, message
    and spans, for the texts where something was found)."""
    nothing: Mapping[str, Sequence[Reason]] = MappingProxyType(dict.fromkeys(checks, ()))
    reasons: dict[str, Mapping[str, Sequence[Reason]]] = dict.fromkeys(texts, nothing)
    for index, rows in found.items():
        by_check: dict[str, list[Reason]] = {name: [] for name in checks}
        for check, code, score, message, spans in rows:
            by_check[checks[check]].append(Reason(code, score, message, tuple((s, e) for s, e in spans)))
        reasons[texts[index]] = by_check
    return reasons


def _digest(told: list[list[str]]) -> str:
    import msgpack

    return hashlib.sha256(msgpack.packb(told)).hexdigest()


def _serve(path: str, source: IO[bytes], sink: IO[bytes]) -> None:
    """The second process: load the model, say which file it was, then score each batch sent."""
    try:
        model = AbuseModel.load(path)
    except ModelError as exc:
        sink.write(f"not loaded: {exc}\n".encode())
        sink.flush()
        return
    assert model.source is not None
    sink.write(f"{model.source[1]}\n".encode())
    sink.flush()
    # Batches are read as they come, so the other side never waits to send the next one.
    batches: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        while (message := _read(source)) is not None:
            batches.put(message)
        batches.put(None)  # the other side closed its end: done

    threading.Thread(target=read, daemon=True).start()
    told = batches.get()  # the checks to run beside the model, and the word lists they read
    if told is None:
        return
    names, blocked, allowed = told
    known = {check.__name__: check for check in CONTEXT_FREE}
    checks = [known[name] for name in names]  # a check not context-free ends it here: the caller scores itself
    policy = Policy(blocked_words=tuple(blocked), allowed_words=tuple(allowed))
    heard = _digest(told)
    while (message := batches.get()) is not None:
        explain_from, texts = message
        scores = model.scores(texts)
        spans = {i: model.explain(texts[i]) for i in np.flatnonzero(scores >= explain_from).tolist()}
        found = {i: rows for i, text in enumerate(texts) if (rows := _found(text, checks, policy))} if checks else {}
        _write(sink, [scores.astype("<f8").tobytes(), spans, found, heard])


def _found(text: str, checks: list[ModuleType], policy: Policy) -> list[list[Any]]:
    """The checks' reasons for the text, judged with no context (theirs depend on none): a row a reason, of
    the check's place in ``checks``, the reason's code, score, message and spans."""
    subject = Text(text)
    rows = []
    for index, check in enumerate(checks):
        for reason in check.check(subject, _EMPTY, policy):
            rows.append([index, reason.code, reason.score, reason.message, reason.spans])
    return rows


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
