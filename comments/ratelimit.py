"""Rate limits kept in the cache: shared by every app server when REDIS_URL is set (and
counted per process while that cache cannot be reached: ``newsroom.cache``).

A limit reads like ``"1/5s,20/h"``: at most one in any five seconds and twenty in any
hour. Each rule keeps the times of the events it let through, its last ``count`` of
them (a sliding log): the next is allowed once the oldest of those is ``seconds`` old.
Fixed windows (a counter per clock window) would let two through a moment apart, one
each side of a window's end. An attempt that is refused is not recorded: waiting the
time it is told is enough.

On Redis (REDIS_URL), one Lua script reads every rule's log, decides and records, in
one round trip that no other request can interleave with: a burst split over several
app servers is held to the limit. Each log is a Redis list of times, trimmed to its
last ``count``.

Anywhere else (each process's own cache; the fallback while Redis cannot be reached),
reading a log and writing it back are two calls, so requests for one key at the same
instant could all read the log before any writes it, and all pass. Each key is
therefore held while its log is read and written: a short lock taken with the cache's
atomic ``add``, in one order, so that two requests sharing one of their keys take turns.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from newsroom import cache
from newsroom.rates import Rule, parse_rules

__all__ = ["Rule", "claim_and_hit", "hit", "hit_all", "parse_rules", "peek"]


# A lock outlives a process that died holding it by this long at most.
LOCK_SECONDS = 2
# How long a request waits its turn before it is refused (told to wait a second). A turn lasts two round trips
# to the cache, so a burst of dozens is through in a few milliseconds; a flood from one address is not left
# holding the server's workers any longer than this.
LOCK_PATIENCE = 0.25


def _now() -> float:
    return time.time()


def _digest(key: str) -> str:
    return hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]


@contextmanager
def _turn(limits: list[tuple[str, str, str]]) -> Iterator[bool]:
    """Hold every limit's key (yields False if they stay taken for LOCK_PATIENCE). A request that finds one key
    taken lets go of those it holds before it waits, so a flood waiting on its own address never keeps another
    reader's mailbox from posting."""
    locks = sorted({f"rl:lock:{scope}:{_digest(key)}" for scope, key, _spec in limits})
    held: list[str] = []
    deadline = time.monotonic() + LOCK_PATIENCE
    pause = 0.002
    try:
        while True:
            for lock in locks:
                if not cache.call("add", lock, 1, LOCK_SECONDS):
                    break
                held.append(lock)
            else:
                break
            if held:
                cache.call("delete_many", held)
                held = []
            if time.monotonic() > deadline:
                yield False
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        yield True
    finally:
        if held:
            cache.call("delete_many", held)


def _logs(limits: list[tuple[str, str, str]], now: float) -> list[tuple[Rule, str, list[float]]]:
    """Each rule of each limit (scope, key, spec), its cache key, and the times of its events still inside
    its window, oldest first: one round trip to the cache for them all."""
    keyed = []
    for scope, key, spec in limits:
        digest = _digest(key)
        keyed += [(rule, f"rl:{scope}:{rule.count}/{rule.seconds}:{digest}") for rule in parse_rules(spec)]
    found = cache.call("get_many", [cache_key for _rule, cache_key in keyed]) if keyed else {}
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


# KEYS: one log a rule. ARGV: now, whether to record, then each rule's count and seconds. Returns the whole
# seconds to wait (0: allowed, and recorded if asked). As ``_wait``: a rule is used up when its last ``count``
# times all fall within its window, and frees up when the oldest of them leaves it. A time a moment ahead of
# ``now`` counts (unlike ``_logs``): requests at once, on several servers, each take ``now`` before their turn,
# so the one recorded first may carry the later time.
HIT_SCRIPT = """
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  local live = {}
  for _, raw in ipairs(redis.call('LRANGE', key, -count, -1)) do
    local t = tonumber(raw)
    if t and t > now - seconds then live[#live + 1] = t end
  end
  if #live >= count then
    wait = math.max(wait, math.floor(live[#live - count + 1] + seconds - now) + 1)
  end
end
if wait > 0 or ARGV[2] ~= '1' then return wait end
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[1 + 2 * i])
  redis.call('RPUSH', key, ARGV[1])
  redis.call('LTRIM', key, -count, -1)
  redis.call('EXPIRE', key, tonumber(ARGV[2 + 2 * i]) + 1)
end
return 0
"""
# First a claim (a form's token, as the cache's ``add`` makes it: KEYS[1], for ARGV[1] seconds), then as HIT_SCRIPT on
# the rest, only if the claim was this request's; -1 if another request holds it (nothing counted).
CLAIM_THEN_HIT_SCRIPT = (
    """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then return -1 end
local KEYS, ARGV = {unpack(KEYS, 2)}, {unpack(ARGV, 2)}
"""
    + HIT_SCRIPT
)


def _on_redis(limits: list[tuple[str, str, str]], *, record: bool, read: Iterable[str] = ()) -> int:
    """``hit_all`` (or, without ``record``, ``peek``) as one script on the shared Redis; raises
    ``cache.NotShared`` where there is none."""
    keys, args = _script_arguments(limits, record=record)
    return int(cache.redis_script(HIT_SCRIPT, keys, args, read=read))


def _script_arguments(limits: list[tuple[str, str, str]], *, record: bool) -> tuple[list[str], list[str | int]]:
    keys: list[str] = []
    args: list[str | int] = [repr(_now()), int(record)]
    for scope, key, spec in limits:
        digest = _digest(key)
        for rule in parse_rules(spec):
            keys.append(f"rl:log:{scope}:{rule.count}/{rule.seconds}:{digest}")
            args += [rule.count, rule.seconds]
    return keys, args


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
    if not parse_rules(spec):
        return 0
    try:
        return _on_redis([(scope, key, spec)], record=False)
    except cache.NotShared:
        pass
    now = _now()
    return _wait(_logs([(scope, key, spec)], now), now)


def hit(scope: str, key: str, spec: str) -> int:
    """Count one event for ``key`` if every rule allows it and return 0; else the seconds to wait."""
    return hit_all([(scope, key, spec)])


def hit_all(limits: list[tuple[str, str, str]], *, read: Iterable[str] = ()) -> int:
    """Count one event under each limit (scope, key, spec) if every rule of every one allows it, and return 0;
    else the seconds to wait, and none is counted. On Redis in one script; elsewhere the keys are held meanwhile
    (see the module's docstring): requests for one key at once take turns, and a burst that outwaits
    ``LOCK_PATIENCE`` is told to wait."""
    limits = [(scope, key, spec) for scope, key, spec in limits if parse_rules(spec)]
    if not limits:
        return 0
    try:
        return _on_redis(limits, record=True, read=read)
    except cache.NotShared:
        pass
    with _turn(limits) as mine:
        if not mine:
            return 1
        now = _now()
        logs = _logs(limits, now)
        wait = _wait(logs, now)
        if wait:
            return wait
        # One write for all rules, kept as long as the longest needs: a shorter rule's older times are dropped
        # when read.
        longest = max(rule.seconds for rule, _key, _times in logs)
        cache.call(
            "set_many",
            {cache_key: [*times, now][-rule.count :] for rule, cache_key, times in logs},
            timeout=longest + 1,
        )
        return 0


def claim_and_hit(
    claim: tuple[str, int] | None, limits: list[tuple[str, str, str]], *, read: Iterable[str] = ()
) -> tuple[bool, int]:
    """Claim ``claim`` (a key, for so many seconds, as the cache's ``add`` does), then, if this request claimed it
    (or there is nothing to claim), :func:`hit_all` ``limits``: whether it claimed it, and the seconds to wait (0
    when not claimed: nothing was counted). ``read``: keys the request will read of the cache. On Redis, all of it
    is one round trip."""
    limits = [(scope, key, spec) for scope, key, spec in limits if parse_rules(spec)]
    if claim is not None:
        try:
            keys, args = _script_arguments(limits, record=True)
            wait = int(cache.redis_script(CLAIM_THEN_HIT_SCRIPT, [claim[0], *keys], [claim[1], *args], read=read))
            return (False, 0) if wait < 0 else (True, wait)
        except cache.NotShared:
            pass
        if not cache.call("add", claim[0], 1, claim[1]):
            return False, 0
    wait = hit_all(limits, read=read)
    cache.read_many(read)
    return True, wait
