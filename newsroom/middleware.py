"""Walls around every request.

Each key of the shared cache read once a request: several parts of a post want the
same few (the live policy's version, the alert subscriptions, the site's pause).

A strict Content-Security-Policy: no inline script, nothing from other origins.
Comment bodies are escaped already; the policy is the second wall, so that a
payload that ever slipped through escaping still could not run.

No request body larger than the site takes: a form is a few kilobytes, an article
photo a few megabytes; a 200 MB upload is refused before it is read.

No NUL in a query string: PostgreSQL cannot compare text with one, so a filter
or search given one (the admin's included) would fail deep in a query.

No form body in a charset other than UTF-8: Django refuses to read one, and raises
again at each reading, its CSRF check's and its error pages' included.

A read whose database connection drops mid-request (a restart, a fail-over, an
administrator cutting connections) is answered from a fresh connection instead of
with an error page. Writes are not retried here: the comment form gives the text back
and a resend is stored once (its token). Where the connection drops outside any view
(a session saved as the response leaves), the site's error handlers give the same 503.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import suppress

import psycopg
from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.log import log_response

from newsroom import cache

logger = logging.getLogger(__name__)

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class CacheReadsMiddleware:
    """Each key of the shared cache is asked once a request (``newsroom.cache.read``): several parts of a post
    want the live policy's version, the alert subscriptions and the site's pause."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with cache.one_read_a_request():
            return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The admin ships inline scripts and styles of its own; leave its pages be.
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", POLICY)
        return response


def api_refusal(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse | None:
    """Under /api/, a refusal made before any view is a problem document (RFC 9457), as the API's own are."""
    if not request.path.startswith("/api/"):
        return None
    kind = title.lower().replace(" ", "-")
    body = {"type": f"urn:newsroom:problem:{kind}", "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            message = "A NUL character in the address cannot be searched for."
            return api_refusal(request, 400, "Bad request", message) or HttpResponseBadRequest(message)
        return self.get_response(request)


class FormInUtf8Middleware:
    """Django reads a form body (``application/x-www-form-urlencoded``) only in UTF-8, and raises BadRequest at
    every reading of ``request.POST`` of one that declares another charset: the CSRF check's, then the error
    pages' own CSRF wrapper's, each failure logged with its traceback. Such a form is refused here, before
    anything reads it, with the site's 400 page and one line in the log. Under /api/ the API refuses it (415)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.encoding
        if (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and charset is not None
            and charset.lower() != "utf-8"  # Django's own test (HttpRequest._load_post_and_files)
            and not request.path.startswith("/api/")
        ):
            response = HttpResponseBadRequest(render_to_string("400.html"))
            log_response("Bad Request (a form in %.40s, not UTF-8): %s", charset, request.path, response=response)
            return response
        return self.get_response(request)


class AdminSelectionMiddleware:
    """An admin action names its rows by id (``_selected_action``). Django filters by them as sent, and an id
    that is not a number (a tampered form) fails the query: a 500 on every list page with actions. Every
    model here has a numeric id, so such a selection is refused with the site's 400 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "POST"
            and request.path.startswith("/admin/")
            and not all(value.isascii() and value.isdigit() for value in request.POST.getlist("_selected_action"))
        ):
            response = HttpResponseBadRequest(render_to_string("400.html"))
            log_response(
                "Bad Request (an admin action on ids that are not numbers): %s", request.path, response=response
            )
            return response
        return self.get_response(request)


class RequestSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.ADMIN_MAX_REQUEST_BYTES if request.path.startswith("/admin/") else settings.MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            detail = f"The request is too large: this site takes at most {limit:,} bytes here."
            return api_refusal(request, 413, "Request too large", detail) or HttpResponse(
                "The request is too large.", status=413, content_type="text/plain"
            )
        return self.get_response(request)


class ReconnectReadsMiddleware:
    """Runs a GET or HEAD view once more on a fresh connection when its connection was lost; and when the
    database cannot be reached at all (a restart, a fail-over), answers 503 with what the reader sent kept on
    the page, instead of a 500 that loses it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_lost(exception):
            return None
        match = request.resolver_match
        if (
            request.method in ("GET", "HEAD")
            and not getattr(request, "_reconnected", False)
            and not connection.in_atomic_block
            and match is not None
        ):
            request._reconnected = True  # type: ignore[attr-defined]
            connection.close()
            try:
                response: HttpResponse = match.func(request, *match.args, **match.kwargs)
            except (OperationalError, InterfaceError):
                return database_unavailable(request)
            return response
        return database_unavailable(request)


# What PostgreSQL says when the connection itself failed, not the query: any connection exception (class 08),
# or the server shutting the session down (an administrator's pg_terminate_backend, a crash, a restart).
# psycopg's own errors on a dead connection ("the connection is closed") carry no code at all.
CONNECTION_LOST_STATES = ("08", "57P01", "57P02", "57P03")
# Seconds a reader is told to wait before sending again when the database is out of reach.
RETRY_AFTER_OUTAGE = 30


def is_database_lost(exception: BaseException | None) -> bool:
    """Whether an error is the database gone (its connection dropped or refused), not a real error in a query;
    or was raised for it: Django's session store reports a lost connection while saving an existing session
    as UpdateError, which its middleware raises again as SessionInterrupted, a 400."""
    seen: set[int] = set()
    while exception is not None and not isinstance(exception, OperationalError | InterfaceError):
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
        if id(exception) in seen:
            return False
    if exception is None:
        return False
    driver = exception.__cause__
    if isinstance(driver, psycopg.OperationalError | psycopg.InterfaceError) and (
        driver.sqlstate is None or driver.sqlstate.startswith(CONNECTION_LOST_STATES)
    ):
        return True  # though the connection may be usable again: Django reopens one as a transaction ends
    # A usable connection means the query itself failed (a missing column, a lock timeout): a 500, as ever.
    return connection.connection is None or not connection.is_usable()


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The database is out of reach: 503, with the reader's text given back (nothing here reads the database)."""
    logger.warning("Database unreachable: %s %s answered 503", request.method, request.path)
    if not connection.in_atomic_block:
        connection.close()  # the next request opens a fresh one
    if request.path.startswith("/api/"):
        detail = "Our database cannot be reached just now. Try again in a minute: nothing was stored."
        response = api_refusal(request, 503, "Service unavailable", detail) or HttpResponse(status=503)
    else:
        kept = ""
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            # A body Django cannot read gives nothing back: an error page must not fail on it in turn.
            with suppress(BadRequest, SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                kept = str(request.POST.get("body", ""))[:20_000]
        response = HttpResponse(render_to_string("503.html", {"kept": kept}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_OUTAGE)
    return response
