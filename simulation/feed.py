"""A generated stream, written in a second process while this one judges it.

Generating a comment (drawing its persona, author, parent and words) costs about a
fifth of judging it, and it does not depend on any verdict. So a long run generates
in a process of its own and reads the comments as they come, a chunk at a time::

    for item in generated(facts, 1_000_000, seed=1, corpus_path="moderation/data/public-test.jsonl"):
        ...  # the same items, in the same order, as generate(facts, 1_000_000, 1, Corpus.load(path))

Like ``moderation.ahead``, the second process is a fresh interpreter running this
module (``python -m simulation.feed``), not a fork of the caller (which may be a
threaded web server's worker). It is told the article's facts, the count, the seed and
the corpus file as one JSON line, and sends the comments back as msgpack, each chunk
prefixed by its length. A short stream is generated here; so is the rest of a stream
whose second process cannot start or stops (the same seed gives the same comments, so
the ones already read are skipped).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import IO, Any

from moderation.pipes import read_message, write_message
from simulation.article import ArticleFacts
from simulation.generate import Corpus, generate
from simulation.metrics import Truth
from simulation.stream import StreamItem

logger = logging.getLogger(__name__)

# Fewer comments than this are generated here: starting a process (a third of a second) would not pay.
MIN_COMMENTS = 20_000
CHUNK = 2_000


def generated(
    facts: ArticleFacts, count: int, seed: int, corpus_path: str | None, *, chunk: int = CHUNK
) -> Iterator[StreamItem]:
    """``generate(facts, count, seed, corpus)`` with the corpus read from ``corpus_path`` (None: templates only),
    long streams generated in a second process (see the module's docstring)."""
    read = 0
    if count >= MIN_COMMENTS:
        try:
            for item in _from_second_process(facts, count, seed, corpus_path, chunk):
                read += 1
                yield item
        except OSError as exc:
            logger.warning("Generating in a second process stopped (%s): the rest is generated here.", exc)
    if read < count:
        corpus = Corpus.load(corpus_path) if corpus_path else None
        yield from itertools.islice(generate(facts, count, seed, corpus), read, None)


def _from_second_process(
    facts: ArticleFacts, count: int, seed: int, corpus_path: str | None, chunk: int
) -> Iterator[StreamItem]:
    # Where this process finds the project, the second one does too.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    process = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        order = {"facts": asdict(facts), "count": count, "seed": seed, "corpus": corpus_path, "chunk": chunk}
        process.stdin.write(json.dumps(order).encode() + b"\n")
        process.stdin.close()
        truths: dict[tuple[bool | None, ...], Truth] = {}
        while (rows := _read(process.stdout)) is not None:
            for ident, text, author, email, parent_id, at, persona, truth in rows:
                known = truths.get(tuple(truth))
                if known is None:
                    known = truths[tuple(truth)] = Truth(*truth)
                yield StreamItem(ident, text, author, email, parent_id, at, persona, known)
    finally:
        # Stopped early (the caller stopped reading, or failed): the second process is not needed any more.
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def _read(source: IO[bytes]) -> Any:
    """The next chunk, or None at the end (or at a chunk cut short or garbled: as good as stopped)."""
    try:
        return read_message(source)
    except ValueError:
        return None


def _serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """The second process: generate the stream it is told of, a chunk at a time."""
    order = json.loads(source.readline())
    given = order["facts"]
    facts = ArticleFacts(
        given["headline"], tuple(given["entities"]), tuple(given["numbers"]), tuple(given["claims"]), given["text"]
    )
    corpus = Corpus.load(order["corpus"]) if order["corpus"] else None
    stream = generate(facts, order["count"], order["seed"], corpus)
    while rows := list(itertools.islice(stream, order["chunk"])):
        message = [
            (i.id, i.text, i.author, i.email, i.parent_id, i.at, i.persona,
             (i.truth.abusive, i.truth.on_topic, i.truth.spam))
            for i in rows
        ]  # fmt: skip
        try:
            write_message(sink, message)
        except BrokenPipeError:
            return  # the other side stopped reading: nothing more to send


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
