"""How long held comments wait: M moderators working one first-in, first-out queue.

Each held comment arrives at its simulated time and takes ``review_seconds`` of one
moderator's time. A comment starts when it has arrived and a moderator is free;
it is decided ``review_seconds`` later. Moderators work around the clock here: a
newsroom with shifts reads the backlog curve against its own rota.

:class:`QueueModel` runs the queue as the held comments stream by, in time order, and
keeps only running counts per interval and a bounded sample of the waits: a run of any
size costs the same memory. :func:`simulate_queue` keeps every comment, for a look at a
small queue one comment at a time.
"""

from __future__ import annotations

import heapq
import math
import random
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueResult:
    moderators: int
    review_seconds: float
    arrivals: tuple[float, ...]
    finishes: tuple[float, ...]  # in arrival order

    @property
    def waits(self) -> tuple[float, ...]:
        """Time to a decision (time-to-publish for those approved), per held comment."""
        return tuple(f - a for a, f in zip(self.arrivals, self.finishes, strict=True))

    @property
    def moderator_hours(self) -> float:
        return len(self.arrivals) * self.review_seconds / 3600

    def backlog_at(self, t: float) -> int:
        """Held comments that have arrived by ``t`` and are not yet decided."""
        return sum(1 for a, f in zip(self.arrivals, self.finishes, strict=True) if a <= t < f)

    def timeline(self, step: float) -> list[dict[str, float]]:
        """Per interval: arrivals, the largest backlog during it, and the mean wait of comments decided in it."""
        if not self.arrivals:
            return []
        end = max(self.finishes)
        count = int(math.ceil(end / step)) + 1
        arrived = [0] * count
        peak = [0] * count
        waits: list[list[float]] = [[] for _ in range(count)]
        for a, f in zip(self.arrivals, self.finishes, strict=True):
            arrived[min(count - 1, int(a // step))] += 1
            waits[min(count - 1, int(f // step))].append(f - a)
        # Sweep arrivals (+1) and decisions (-1) in time order; a decision at the same
        # instant as an arrival goes first, as backlog_at counts it.
        events = sorted([(f, -1) for f in self.finishes] + [(a, 1) for a in self.arrivals])
        level = 0
        for t, change in events:
            level += change
            index = min(count - 1, int(t // step))
            peak[index] = max(peak[index], level)
        # An interval with no event keeps the level it started with.
        level = 0
        cursor = 0
        for index in range(count):
            start = index * step
            while cursor < len(events) and events[cursor][0] <= start:
                level += events[cursor][1]
                cursor += 1
            peak[index] = max(peak[index], level)
        return [
            {
                "start": index * step,
                "arrived": arrived[index],
                "backlog": peak[index],
                "decided": len(waits[index]),
                "mean_wait": sum(waits[index]) / len(waits[index]) if waits[index] else 0.0,
            }
            for index in range(count)
        ]


def simulate_queue(arrivals: list[float], *, moderators: int, review_seconds: float) -> QueueResult:
    if moderators < 1:
        raise ValueError("at least one moderator is needed")
    if review_seconds <= 0:
        raise ValueError("review_seconds must be positive")
    order = sorted(arrivals)
    free_at = [0.0] * moderators
    heapq.heapify(free_at)
    finishes = []
    for arrival in order:
        soonest = heapq.heappop(free_at)
        finish = max(arrival, soonest) + review_seconds
        finishes.append(finish)
        heapq.heappush(free_at, finish)
    return QueueResult(moderators, review_seconds, tuple(order), tuple(finishes))


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


# Waits kept whole up to this many; past it, a uniform sample of this many stands for them all.
SAMPLE_SIZE = 100_000


class Sample:
    """Every value up to ``size``, then a uniform sample of ``size`` of them (reservoir sampling, seeded: the
    same stream keeps the same sample). Percentiles are exact up to ``size`` values; past it, a percentile is
    the sample's, within about 0.3 percentile points of the true one for 100,000 kept."""

    def __init__(self, size: int | None = None, seed: int = 0) -> None:
        self.size = SAMPLE_SIZE if size is None else size
        self.count = 0
        self.values = array("d")
        self._random = random.Random(seed)

    def add(self, value: float) -> None:
        self.count += 1
        if len(self.values) < self.size:
            self.values.append(value)
            return
        slot = self._random.randrange(self.count)
        if slot < self.size:
            self.values[slot] = value

    @property
    def exact(self) -> bool:
        return self.count <= self.size

    def median(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    def percentile(self, q: float) -> float:
        return percentile(self.values, q)


class QueueModel:
    """The queue of :func:`simulate_queue`, fed one held comment at a time in time order, keeping per
    ``step`` of time the comments that arrived, the largest backlog, and the count and total wait of those
    decided, with a sample of the waits (:class:`Sample`). Its timeline is that of ``QueueResult.timeline``.

    A held comment dated before the one before it (a replayed file out of order) joins the queue behind it,
    as it does on a site: its wait counts from when it joined."""

    def __init__(self, *, moderators: int, review_seconds: float, step: float) -> None:
        if moderators < 1:
            raise ValueError("at least one moderator is needed")
        if review_seconds <= 0:
            raise ValueError("review_seconds must be positive")
        self.moderators, self.review_seconds, self.step = moderators, review_seconds, step
        self.held = 0
        self.waits = Sample(seed=1)
        self.approved_waits = Sample(seed=2)  # of held comments known to be clean: their time to publish
        self._free_at = [0.0] * moderators
        self._last = 0.0
        # The decisions still ahead, in order (the review time is the same for all): as many as the backlog.
        self._deciding: deque[float] = deque()
        self._level = 0  # arrived and not yet decided
        self._at = -1  # the interval of the last event swept
        self._arrived: array[int] = array("q")
        self._peak: array[int] = array("q")
        self._decided: array[int] = array("q")
        self._wait_total: array[float] = array("d")

    def add(self, arrival: float, *, clean: bool | None = None) -> None:
        arrival = max(arrival, self._last)
        self._last = arrival
        soonest = heapq.heappop(self._free_at)
        finish = max(arrival, soonest) + self.review_seconds
        heapq.heappush(self._free_at, finish)
        # Decisions up to this arrival happen first (one at the same instant too, as backlog_at counts it).
        while self._deciding and self._deciding[0] <= arrival:
            self._event(self._deciding.popleft(), -1)
        self._event(arrival, +1)
        self._deciding.append(finish)
        self.held += 1
        index = int(finish // self.step)
        self._grow(index)
        self._arrived[int(arrival // self.step)] += 1
        self._decided[index] += 1
        self._wait_total[index] += finish - arrival
        self.waits.add(finish - arrival)
        if clean:
            self.approved_waits.add(finish - arrival)

    def _grow(self, index: int) -> None:
        while len(self._peak) <= index:
            self._arrived.append(0)
            self._peak.append(0)
            self._decided.append(0)
            self._wait_total.append(0.0)

    def _event(self, t: float, change: int) -> None:
        index = int(t // self.step)
        self._grow(index)
        if index > self._at:
            # The intervals passed without an event keep the level they started with; so does this one,
            # unless its first event is at its very start.
            for between in range(self._at + 1, index):
                self._peak[between] = max(self._peak[between], self._level)
            if t > index * self.step:
                self._peak[index] = max(self._peak[index], self._level)
            self._at = index
        self._level += change
        self._peak[index] = max(self._peak[index], self._level)

    def timeline(self) -> list[dict[str, float]]:
        """Per interval: arrivals, the largest backlog during it, and the mean wait of comments decided in it."""
        if not self.held:
            return []
        while self._deciding:
            self._event(self._deciding.popleft(), -1)
        end = max(self._free_at)  # the last decision
        count = int(math.ceil(end / self.step)) + 1
        self._grow(count - 1)
        for between in range(self._at + 1, count):
            self._peak[between] = max(self._peak[between], self._level)
        self._at = max(self._at, count - 1)
        return [
            {
                "start": index * self.step,
                "arrived": self._arrived[index],
                "backlog": self._peak[index],
                "decided": self._decided[index],
                "mean_wait": self._wait_total[index] / self._decided[index] if self._decided[index] else 0.0,
            }
            for index in range(count)
        ]
