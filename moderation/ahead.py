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
are scored here instead, with the same figures.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Generator, Iterator, Sequence
from typing import IO, Any

import numpy as np

from moderation.model import AbuseModel, BatchScores, ModelError

logger = logging.getLogger(__name__)

# Fewer batches than this are scored here: starting a process (about a third of a second) would not pay.
MIN_BATCHES = 4
# A second process that takes longer than this to start or to answer for a batch (a tenth of a second,
# usually) is stopped, and the rest is scored here: a run never waits on it for ever.
ANSWER_SECONDS = 120.0
_LENGTH = struct.Struct("<Q")


class ScorerError(RuntimeError):
    """The second process could not be used."""


def score_ahead(
    model: AbuseModel, batches: Sequence[Sequence[str]], *, explain_from: float = 2.0
) -> Generator[BatchScores, None, None]:
    """For each batch of texts, in order, a scorer that knows their scores, and the spans of those scoring
    ``explain_from`` or more (see the module's docstring)."""
    done = 0
    if model.source is not None and len(batches) >= MIN_BATCHES:
        path, digest = model.source
        try:
            with _Scorer(path) as scorer:
                if scorer.digest != digest:
                    raise ScorerError(f"it loaded another model from {path} ({scorer.digest[:200]})")
                for texts in batches[:2]:
                    scorer.send(texts, explain_from)
                while done < len(batches):
                    texts = batches[done]
                    scores, spans = scorer.receive(len(texts))
                    if done + 2 < len(batches):
                        scorer.send(batches[done + 2], explain_from)
                    done += 1
                    yield BatchScores(
                        model,
                        dict(zip(texts, scores, strict=True)),
                        {texts[i]: tuple((start, end) for start, end in found) for i, found in spans.items()},
                    )
        except (OSError, ScorerError) as exc:
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

    def send(self, texts: Sequence[str], explain_from: float) -> None:
        _write(self._in, [explain_from, list(texts)])

    def receive(self, count: int) -> tuple[list[float], dict[int, list[list[int]]]]:
        with self._deadline():
            answer = _read(self._out)
        if answer is None:
            raise ScorerError(f"it stopped (exit status {self.process.poll()})")
        scores = np.frombuffer(answer[0], dtype="<f8").tolist()
        if len(scores) != count:
            raise ScorerError(f"it sent {len(scores)} scores for {count} texts")
        return scores, answer[1]


def _write(sink: IO[bytes], message: Any) -> None:
    import msgpack

    payload = msgpack.packb(message)
    sink.write(_LENGTH.pack(len(payload)) + payload)
    sink.flush()


def _read(source: IO[bytes]) -> Any:
    """The next message, or None at the end (or at a message cut short)."""
    import msgpack

    head = source.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    payload = source.read(length)
    if len(payload) != length:
        return None
    return msgpack.unpackb(payload, raw=False, strict_map_key=False)


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
    while (message := batches.get()) is not None:
        explain_from, texts = message
        scores = model.scores(texts)
        spans = {i: model.explain(texts[i]) for i in np.flatnonzero(scores >= explain_from).tolist()}
        _write(sink, [scores.astype("<f8").tobytes(), spans])


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
