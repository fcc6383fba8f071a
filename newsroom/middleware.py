"""Two walls around every request.

A strict Content-Security-Policy: no inline script, nothing from other origins.
Comment bodies are escaped already; the policy is the second wall, so that a
payload that ever slipped through escaping still could not run.

No request body larger than the site takes: a form is a few kilobytes, an article
photo a few megabytes; a 200 MB upload is refused before it is read.

No NUL in a query string: PostgreSQL cannot compare text with one, so a filter
or search given one (the admin's included) would fail deep in a query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

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


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest("A NUL character in the address cannot be searched for.")
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
            return HttpResponse("The request is too large.", status=413, content_type="text/plain")
        return self.get_response(request)
