"""Rate limits kept in the cache: shared by every app server when REDIS_URL is set (and
counted per process while that cache cannot be reached: ``newsroom.cache``).

A limit reads like ``"1/5s,20/h"``: at most one in any five-second window and
twenty an hour. Windows are fixed (a counter per window that expires with it),
which is cheap and close enough for telling a person from a flood.
"""

from __future__ import annotations

import hashlib
import time

from newsroom import cache
from newsroom.rates import Rule, parse_rules

__all__ = ["Rule", "hit", "parse_rules", "peek"]


def _keys(scope: str, key: str, spec: str, now: float) -> list[tuple[Rule, int, str]]:
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    keys = []
    for rule in parse_rules(spec):
        window = int(now // rule.seconds)
        keys.append((rule, window, f"rl:{scope}:{rule.count}/{rule.seconds}:{digest}:{window}"))
    return keys


def peek(scope: str, key: str, spec: str) -> int:
    """Like :func:`hit`, without counting: the seconds to wait if the limit is already used up."""
    now = time.time()
    wait = 0
    for rule, window, cache_key in _keys(scope, key, spec, now):
        if (cache.call("get", cache_key) or 0) >= rule.count:
            wait = max(wait, int((window + 1) * rule.seconds - now) + 1)
    return wait


def hit(scope: str, key: str, spec: str) -> int:
    """Count one event for ``key``; return 0 if allowed, else the seconds to wait."""
    now = time.time()
    wait = 0
    for rule, window, cache_key in _keys(scope, key, spec, now):
        cache.call("add", cache_key, 0, timeout=rule.seconds + 1)
        try:
            count = cache.call("incr", cache_key)
        except ValueError:  # expired between add and incr
            cache.call("set", cache_key, 1, timeout=rule.seconds + 1)
            count = 1
        if count > rule.count:
            wait = max(wait, int((window + 1) * rule.seconds - now) + 1)
    return wait
