"""Rate limits kept in the cache: shared by every app server when REDIS_URL is set (and
counted per process while that cache cannot be reached: ``newsroom.cache``).

A limit reads like ``"1/5s,20/h"``: at most one in any five seconds and twenty in any
hour. Each rule keeps the times of the events it let through, its last ``count`` of
them (a sliding log): the next is allowed once the oldest of those is ``seconds`` old.
Fixed windows (a counter per clock window) would let two through a moment apart, one
each side of a window's end. An attempt that is refused is not recorded: waiting the
time it is told is enough. Two requests for the same key at the same instant may both
read the log before either writes it: a limit for telling a person from a flood, not a
lock.
"""

from __future__ import annotations

import hashlib
import time

from newsroom import cache
from newsroom.rates import Rule, parse_rules

__all__ = ["Rule", "hit", "parse_rules", "peek"]


def _now() -> float:
    return time.time()


def _logs(scope: str, key: str, spec: str, now: float) -> list[tuple[Rule, str, list[float]]]:
    """Each rule, its cache key, and the times of its events still inside its window, oldest first."""
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    keyed = [(rule, f"rl:{scope}:{rule.count}/{rule.seconds}:{digest}") for rule in parse_rules(spec)]
    found = cache.call("get_many", [cache_key for _rule, cache_key in keyed])  # one round trip for all rules
    logs = []
    for rule, cache_key in keyed:
        stored = found.get(cache_key)
        times = (
            [t for t in stored if isinstance(t, float) and now - rule.seconds < t <= now]
            if isinstance(stored, list)
            else []
        )
        logs.append((rule, cache_key, times))
    return logs


def _wait(logs: list[tuple[Rule, str, list[float]]], now: float) -> int:
    """Whole seconds until every rule allows one more (0: now)."""
    wait = 0
    for rule, _key, times in logs:
        if len(times) >= rule.count:
            oldest = times[-rule.count]
            wait = max(wait, int(oldest + rule.seconds - now) + 1)
    return wait


def peek(scope: str, key: str, spec: str) -> int:
    """Like :func:`hit`, without counting: the seconds to wait if the limit is already used up."""
    now = _now()
    return _wait(_logs(scope, key, spec, now), now)


def hit(scope: str, key: str, spec: str) -> int:
    """Count one event for ``key`` if every rule allows it and return 0; else the seconds to wait."""
    now = _now()
    logs = _logs(scope, key, spec, now)
    wait = _wait(logs, now)
    if wait:
        return wait
    # One write for all rules, kept as long as the longest needs: a shorter rule's older times are dropped
    # when read.
    longest = max((rule.seconds for rule, _key, _times in logs), default=0)
    cache.call(
        "set_many", {cache_key: [*times, now][-rule.count :] for rule, cache_key, times in logs}, timeout=longest + 1
    )
    return 0
