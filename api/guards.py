"""What every write of the API checks before anything else: who the page sending it is, and what it sent.

A browser lets any page send a "simple" request to any address without asking first (no preflight): a
POST whose body is text/plain, form-urlencoded or multipart, with ``mode: "no-cors"``. The page cannot read
the answer, but the write is done. So a page on an origin nobody registered could post comments through its
visitors' browsers. Two checks close that, for every unsafe method (POST, PUT, PATCH, DELETE):

- **Origin**: a request that carries an ``Origin`` header (every browser write does) must come from this
  site itself or from an active registered site (``embeds.models.Site``), else 403. A request without one
  (a server, a script, curl) passes: it is no visitor's browser.
- **Content-Type**: a body must be ``application/json``, else 415. A browser sends JSON cross-origin only
  after a CORS preflight, which only registered sites pass (``embeds.cors``).

Installed on the API as a ninja "view" decorator (``NinjaAPI.add_decorator(..., mode="view")``): it wraps
every operation's ``run``, so it runs before authentication, before the body is read or validated, and before
the view, for every endpoint present and future; a refusal is the API's problem document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from api.problems import Problem

logger = logging.getLogger(__name__)

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of an address, lower-cased, without a default port."""
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return ""
    if not scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origins(request: HttpRequest) -> set[str]:
    """This site's own origins: as this request reached it, and as SITE_URL says readers reach it."""
    return {found for found in (_origin(request.build_absolute_uri("/")), _origin(settings.SITE_URL)) if found}


def is_registered(origin: str) -> bool:
    from embeds.cors import registered_origins
    from embeds.models import Site

    try:
        registered = registered_origins()
    except Exception:  # the cache is down: ask the database
        logger.warning("Could not read the registered origins from the cache", exc_info=True)
        return Site.objects.active().filter(origin__in={origin, _origin(origin)}).exists()
    return origin in registered or _origin(origin) in registered


def check_origin(request: HttpRequest) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin != "null" and (_origin(origin) in own_origins(request) or is_registered(origin)):
        return
    raise Problem(
        403,
        "Only pages of a site registered with this comment service may post here; this request came from a "
        f"page at {origin[:100]!r}, which is not one. (An editor registers a site under Sites in the admin. "
        "A server or a script sends no Origin header and is not refused.)",
        kind="origin-not-allowed",
    )


def check_content_type(request: HttpRequest) -> None:
    sent = request.META.get("CONTENT_TYPE", "")
    media_type = sent.split(";", 1)[0].strip().lower()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if media_type == JSON or (not media_type and length <= 0):
        return
    raise Problem(
        415,
        f"Send the request body as JSON, with 'Content-Type: {JSON}' (this request's is "
        f"{(media_type or 'missing')[:100]!r}).",
        kind="unsupported-media-type",
    )


def write_guard(api: NinjaAPI) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (request.method or "").upper() in UNSAFE:
                try:
                    check_origin(request)
                    check_content_type(request)
                except Exception as exc:  # a Problem, or a bad Host header: the API's own answer for it
                    return api.on_exception(request, exc)
            return run(request, *args, **kwargs)

        return checked

    return decorate


def install(api: NinjaAPI) -> None:
    api.add_decorator(write_guard(api), mode="view")
