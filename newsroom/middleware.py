"""Two walls around every request.

A strict Content-Security-Policy: no inline script, nothing from other origins.
Comment bodies are escaped already; the policy is the second wall, so that a
payload that ever slipped through escaping still could not run.

No NUL in a query string: PostgreSQL cannot compare text with one, so a filter
or search given one (the admin's included) would fail deep in a query.
"""

from __future__ import annotations

from collections.abc import Callable

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
