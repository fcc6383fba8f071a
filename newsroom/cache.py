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
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoPermissionError, NoScriptError, RedisError, ResponseError

logger = logging.getLogger(__name__)

FALLBACK = LocMemCache("newsroom-fallback", {"TIMEOUT": 300})
_last_warning = 0.0

UNREACHABLE: tuple[type[BaseException], ...] = (RedisError, OSError)


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


class NotShared(Exception):
    """The shared cache is not Redis, or cannot be reached now: do it through :func:`call` instead."""


# Set when the shared Redis refuses scripts (an ACL without EVAL, a provider that forbids it): the rate limits
# then take the slower path for good, and the rest of the shared cache stays in use.
_scripts_refused = False


def redis_script(source: str, keys: list[str], args: list[Any], *, read: Iterable[str] = ()) -> Any:
    """Run a Lua script on the shared Redis, atomically and in one round trip (EVALSHA, EVAL the first time),
    on ``keys`` as the cache names them. ``read``: keys this request will ``read``, asked in the same round trip
    (as :func:`read_many` asks them). Raises :class:`NotShared` when the cache is not Redis (the default
    cache of one process), refuses scripts, or fails: unreachable, a replica after a fail-over, out of memory
    (marked down for ``RETRY_SECONDS``, as :func:`call` does; an error the script itself raised is logged as
    one)."""
    global _down_until, _scripts_refused
    backend = caches["default"]
    if _scripts_refused or not isinstance(backend, RedisCache) or time.monotonic() < _down_until:
        raise NotShared
    names = [backend.make_and_validate_key(key) for key in keys]
    kept = _read.get()
    wanted = [key for key in read if key not in kept] if kept is not None else []
    try:
        client = backend._cache.get_client(names[0] if names else None, write=True)
        script = client.register_script(source)
        if not wanted:
            return script(keys=names, args=args)
        # The script and the reads, pipelined: one round trip (EVALSHA; loaded first if Redis does not know it).
        for attempt in (1, 2):
            pipe = client.pipeline(transaction=False)
            pipe.evalsha(script.sha, len(names), *names, *args)
            pipe.mget([backend.make_and_validate_key(key) for key in wanted])
            try:
                result, found = pipe.execute()
                break
            except NoScriptError:
                if attempt == 2:
                    raise
                client.script_load(source)
        loads = backend._cache._serializer.loads  # type: ignore[attr-defined]  # as its get_many decodes them
        if kept is not None:
            kept.update({key: None if raw is None else loads(raw) for key, raw in zip(wanted, found, strict=True)})
        return result
    except UNREACHABLE as exc:
        # ("unknown command" anywhere: within a pipeline, redis-py puts the command's place before Redis's words.)
        if isinstance(exc, NoPermissionError) or "unknown command" in str(exc):
            _scripts_refused = True
            logger.warning("The shared cache refuses scripts (%s): rate limits take the slower path.", exc)
            raise NotShared from exc
        if type(exc) is ResponseError:  # not a replica's, a full memory's or a busy server's: the script's own
            logger.error("A script on the shared cache failed: %s", exc)
        _down_until = time.monotonic() + RETRY_SECONDS
        _warn(exc)
        raise NotShared from exc


def shared_cache_back() -> None:
    """Ask the shared cache again from the next call (tests; an operator's shell after fixing Redis)."""
    global _down_until, _scripts_refused
    _down_until = 0.0
    _scripts_refused = False


# What this request read of the shared cache (``read``), by key: within a request, a value that several
# parts of it ask for (the live policy's version, the alert subscriptions, the site's pause) is one round trip.
# Outside a request (a task, a command) every read goes to the cache.
_read: ContextVar[dict[str, Any] | None] = ContextVar("newsroom_cache_read", default=None)


@contextmanager
def one_read_a_request() -> Iterator[None]:
    """Within it, ``read`` asks the shared cache once a key (``newsroom.middleware.CacheReadsMiddleware``)."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


def read(key: str) -> Any:
    """``cache.get(key)``, asked once a request."""
    kept = _read.get()
    if kept is None:
        return call("get", key)
    if key not in kept:
        kept[key] = call("get", key)
    return kept[key]


def read_many(keys: Iterable[str]) -> None:
    """Ask the shared cache for several keys in one round trip (``get_many``), for this request's ``read`` of
    each: a path that will read them all (a post reads three) asks once, not once a key. Outside a request,
    nothing: every ``read`` there goes to the cache."""
    kept = _read.get()
    if kept is None:
        return
    wanted = [key for key in keys if key not in kept]
    if wanted:
        found = call("get_many", wanted)
        kept.update({key: found.get(key) for key in wanted})


def read_again(keys: Iterable[str]) -> None:
    """This request's later ``read`` of ``keys`` asks the cache afresh (what it read of them is old now)."""
    kept = _read.get()
    if kept is not None:
        for key in keys:
            kept.pop(key, None)


def read_before(key: str) -> tuple[bool, Any]:
    """Whether this request has read ``key`` already (``read``, ``read_many``), and what it found then."""
    kept = _read.get()
    if kept is None or key not in kept:
        return False, None
    return True, kept[key]


def write(values: Mapping[str, Any], seconds: int) -> None:
    """``cache.set_many(values)``, which the request's later ``read`` of them then sees."""
    call("set_many", dict(values), seconds)
    kept = _read.get()
    if kept is not None:
        kept.update(values)


T = TypeVar("T")
_NOTHING = "newsroom:nothing"  # what a loader's None is cached as, so that "none" is remembered too


def through(key: str, load: Callable[[], T], seconds: int = 60) -> T:
    """The cached value of ``key``, or ``load()``'s, cached for ``seconds`` (a None is cached as well)."""
    value = read(key)
    if value is None:
        value = load()
        write({key: _NOTHING if value is None else value}, seconds)
        return value
    return None if isinstance(value, str) and value == _NOTHING else value  # type: ignore[return-value]


def forget(*keys: str) -> None:
    """Drop keys from the shared cache and from this process's fallback, so every reader loads them afresh
    (this request's later reads too)."""
    kept = _read.get()
    for key in keys:
        call("delete", key)
        FALLBACK.delete(key)
        if kept is not None:
            kept.pop(key, None)


def _warn(exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60:
        _last_warning = now
        logger.warning("Shared cache unreachable (%s): limits count per process until it is back.", exc)
