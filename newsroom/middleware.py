"""Walls around every request.

A strict Content-Security-Policy: no inline script, nothing from other origins.
Comment bodies are escaped already; the policy is the second wall, so that a
payload that ever slipped through escaping still could not run.

No request body larger than the site takes: a form is a few kilobytes, an article
photo a few megabytes; a 200 MB upload is refused before it is read.

No NUL in a query string: PostgreSQL cannot compare text with one, so a filter
or search given one (the admin's included) would fail deep in a query.

A read whose database connection drops mid-request (a restart, a fail-over, an
administrator cutting connections) is answered from a fresh connection instead of
with an error page. Writes are not retried here: the comment form gives the text back
and a resend is stored once (its token).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string

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
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if connection.connection is not None and connection.is_usable():
            return None  # the connection is fine: a real error in the query, not a lost connection
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
            kept = str(request.POST.get("body", ""))[:20_000]
        response = HttpResponse(render_to_string("503.html", {"kept": kept}), status=503)
    response["Retry-After"] = "30"
    return response
