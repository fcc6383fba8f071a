"""Staffing forecast: the day's held comments against the moderators on duty, hour by hour.

Arrivals are the held comments of an average day (from the last weeks, by hour of
day); the rota says how many moderators work each hour, each taking
``review_seconds`` a comment. A fluid queue carries the backlog from hour to hour
over two days (so the night's backlog meets the morning shift): what is left at
the end of an hour is what arrived and was waiting, less what the moderators on
duty could decide. The expected wait of a comment arriving in an hour is the work
ahead of it divided by the hour's capacity (Little's law); with nobody on duty it
waits for the next shift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RULE_RE = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*:\s*(\d{1,3})\s*$")


class RotaError(ValueError):
    pass


def parse_rota(text: str) -> list[int]:
    """``"0-7:0, 7-17:2, 17-24:1"`` -> moderators for each of the 24 hours (hours not named: 0)."""
    hours = [0] * 24
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = RULE_RE.match(part)
        if not match:
            raise RotaError(f"{part!r}: write each shift as START-END:MODERATORS, e.g. 9-17:2")
        start, end, people = int(match[1]), int(match[2]), int(match[3])
        if not 0 <= start < end <= 24:
            raise RotaError(f"{part!r}: hours run from 0 to 24, and a shift ends after it starts")
        for hour in range(start, end):
            hours[hour] = people
    return hours


@dataclass(frozen=True)
class Hour:
    hour: int
    arrivals: float
    moderators: int
    capacity: float  # comments the moderators on duty can decide in the hour
    backlog: float  # waiting at the end of the hour
    wait_hours: float | None  # expected time to a decision for a comment arriving in this hour; None: no one comes


@dataclass(frozen=True)
class Forecast:
    hours: list[Hour]
    suggestions: list[str]


def forecast(
    arrivals: list[float],
    rota: list[int],
    *,
    review_seconds: float,
    target_hours: float,
    all_arrivals: list[float] | None = None,
) -> Forecast:
    """``all_arrivals``: every comment of the average day by hour, for the advice on pre-moderating them all."""
    if len(arrivals) != 24 or len(rota) != 24:
        raise ValueError("24 hours of arrivals and of rota")
    if review_seconds <= 0 or target_hours <= 0:
        raise ValueError("review seconds and the target wait must be positive")
    per_moderator = 3600 / review_seconds
    backlog = 0.0
    rows: list[Hour] = []
    for _day in range(2):  # the first day fills the night's backlog; the second is the one shown
        rows = []
        for hour in range(24):
            capacity = rota[hour] * per_moderator
            ahead = backlog + arrivals[hour] / 2
            wait = _wait(ahead, hour, rota, per_moderator)
            backlog = max(0.0, backlog + arrivals[hour] - capacity)
            rows.append(Hour(hour, arrivals[hour], rota[hour], capacity, backlog, wait))
    advice = _suggest(rows, target_hours)
    if all_arrivals is not None:
        spare = [r.hour for r in rows if r.moderators and all_arrivals[r.hour] and all_arrivals[r.hour] <= r.capacity]
        if spare:
            advice.append(
                f"At {', '.join(_spans(spare))} the moderators on duty could read every comment before it appears: "
                "pre-moderating all of them there (a story's settings, or the policy's mode) would cost no wait "
                "beyond the target."
            )
    return Forecast(rows, advice)


def _wait(ahead: float, hour: int, rota: list[int], per_moderator: float) -> float | None:
    """Hours until ``ahead`` comments are worked through, moving on through the rota (at most two days)."""
    waited = 0.0
    for step in range(48):
        capacity = rota[(hour + step) % 24] * per_moderator
        if capacity >= ahead:
            return waited + (ahead / capacity if capacity else 0.0)
        ahead -= capacity
        waited += 1.0
    return None


def _suggest(rows: list[Hour], target_hours: float) -> list[str]:
    late = [r for r in rows if r.arrivals > 0 and (r.wait_hours is None or r.wait_hours > target_hours)]
    if not late:
        return [f"Every hour's held comments are decided within {target_hours:g} h on average with this rota."]
    spans = _spans([r.hour for r in late])
    uncovered = [r.hour for r in late if r.moderators == 0]
    text = [f"Held comments wait over {target_hours:g} h when they arrive at {', '.join(spans)}."]
    if uncovered:
        text.append(
            f"Nobody is on duty at {', '.join(_spans(uncovered))}: pause comments site-wide for those hours, or "
            "close the busiest stories, or put someone on duty."
        )
    busy = [r for r in late if r.moderators > 0]
    if busy:
        need = max(r.arrivals * 1.0 / max(r.capacity / r.moderators, 1e-9) for r in busy)
        text.append(
            f"At {', '.join(_spans([r.hour for r in busy]))} the moderators on duty cannot keep up: about "
            f"{need:.1f} moderators' worth of held comments arrive an hour, or pre-moderate fewer comments "
            "(a higher threshold) there."
        )
    return text


def _spans(hours: list[int]) -> list[str]:
    """Hours as runs of the clock: [0, 1, 2, 20] -> ["00:00–03:00", "20:00–21:00"]."""
    runs: list[list[int]] = []
    for hour in sorted(hours):
        if runs and runs[-1][1] == hour:
            runs[-1][1] = hour + 1
        else:
            runs.append([hour, hour + 1])
    return [f"{start:02d}:00–{end:02d}:00" for start, end in runs]
