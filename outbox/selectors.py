"""Reads for the outbox: which alert subscriptions want an event.

Every held or reported comment asks this, so the answer is cached (``newsroom.cache``) and dropped by the
services whenever a subscription changes: a site with no subscriptions pays no query on the posting path.
Without a shared cache (no ``REDIS_URL``), another process sees a change within ``CACHE_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from newsroom import cache
from outbox.models import BURST_THRESHOLD_MAX, WAITING_MINUTES_MAX, AlertSubscription

CACHE_KEY = "outbox:alert-subscriptions:v1"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class Subscribed:
    """What raising an alert needs of a subscription, small enough to cache."""

    pk: int
    events: frozenset[str]
    burst_threshold: int
    waiting_minutes: int


def _within(value: int, most: int) -> int:
    """A threshold inside the bounds the form keeps, whatever a row written past it holds: a week of minutes
    at most (a deferred task's time must exist), one at least."""
    return min(max(int(value), 1), most)


def _load() -> list[Subscribed]:
    live = AlertSubscription.objects.filter(is_active=True, paused_at__isnull=True)
    return [
        Subscribed(
            pk=pk,
            events=frozenset(events or []),
            burst_threshold=_within(n, BURST_THRESHOLD_MAX),
            waiting_minutes=_within(m, WAITING_MINUTES_MAX),
        )  # fmt: skip
        for pk, events, n, m in live.values_list("pk", "events", "burst_threshold", "waiting_minutes")
    ]


def alert_subscriptions(event: str) -> list[Subscribed]:
    """The active, unpaused subscriptions to ``event``."""
    return [s for s in cache.through(CACHE_KEY, _load, CACHE_SECONDS) if event in s.events]


def anyone_subscribed(events: Iterable[str]) -> bool:
    """Whether an active, unpaused subscription wants any of ``events``: the cached list read once."""
    wanted = frozenset(events)
    return any(s.events & wanted for s in cache.through(CACHE_KEY, _load, CACHE_SECONDS))


def forget_alert_subscriptions() -> None:
    cache.forget(CACHE_KEY)
