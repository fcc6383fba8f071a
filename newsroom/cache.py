"""The shared cache (Redis, when REDIS_URL is set) as an optimisation, never a point of failure.

Every use goes through :func:`call`: when the shared cache cannot be reached, the
operation runs on a cache private to this process instead and a warning is logged
(at most once a minute). The shared cache is then left alone for a few seconds
(``RETRY_SECONDS``), so that a Redis that does not answer costs one socket timeout
then, not one on every call. Rate limits count per process until the shared cache
is back; the active policy is read from the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

FALLBACK = LocMemCache("newsroom-fallback", {"TIMEOUT": 300})
_last_warning = 0.0

try:
    from redis.exceptions import RedisError

    UNREACHABLE: tuple[type[BaseException], ...] = (RedisError, OSError)
except ImportError:  # pragma: no cover - redis is a dependency
    UNREACHABLE = (OSError,)


# Once the shared cache has failed, it is left alone this long: asking it again each time would wait out its
# socket timeout on every call, several times a request.
RETRY_SECONDS = 5.0
_down_until = 0.0


def call(method: str, *args: Any, **kwargs: Any) -> Any:
    """``cache.<method>(...)`` on the shared cache, or on this process's own when that fails (and for
    ``RETRY_SECONDS`` after it failed)."""
    global _down_until
    if time.monotonic() < _down_until:
        return getattr(FALLBACK, method)(*args, **kwargs)
    try:
        return getattr(cache, method)(*args, **kwargs)
    except UNREACHABLE as exc:
        _down_until = time.monotonic() + RETRY_SECONDS
        _warn(exc)
        return getattr(FALLBACK, method)(*args, **kwargs)


def shared_cache_back() -> None:
    """Ask the shared cache again from the next call (tests; an operator's shell after fixing Redis)."""
    global _down_until
    _down_until = 0.0


T = TypeVar("T")
_NOTHING = "newsroom:nothing"  # what a loader's None is cached as, so that "none" is remembered too


def through(key: str, load: Callable[[], T], seconds: int = 60) -> T:
    """The cached value of ``key``, or ``load()``'s, cached for ``seconds`` (a None is cached as well)."""
    value = call("get", key)
    if value is None:
        value = load()
        call("set", key, _NOTHING if value is None else value, seconds)
        return value
    return None if isinstance(value, str) and value == _NOTHING else value  # type: ignore[return-value]


def forget(*keys: str) -> None:
    """Drop keys from the shared cache and from this process's fallback, so every reader loads them afresh."""
    for key in keys:
        call("delete", key)
        FALLBACK.delete(key)


def _warn(exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("Shared cache unreachable (%s): limits count per process until it is back.", exc)
