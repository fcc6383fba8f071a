"""How long held comments wait: M moderators working one first-in, first-out queue.

Each held comment arrives at its simulated time and takes ``review_seconds`` of one
moderator's time. A comment starts when it has arrived and a moderator is free;
it is decided ``review_seconds`` later. Moderators work around the clock here: a
newsroom with shifts reads the backlog curve against its own rota.
"""

from __future__ import annotations

import heapq
import math
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


def percentile(values: list[float] | tuple[float, ...], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]
