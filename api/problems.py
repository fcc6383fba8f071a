"""Every error the API gives is a problem document (RFC 9457): ``application/problem+json`` with ``type``,
``title``, ``status``, a ``detail`` a person can act on and, for a request that did not validate, ``errors``
(one per field). Views raise :class:`Problem`; ninja's own refusals (a body that did not validate, a wrong
method, a missing token) and Django's (an unknown address) are rewritten into the same shape here, so a
client reads one kind of error whatever refused it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from newsroom.middleware import database_unavailable, is_database_lost

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
# Each type of problem is named, and docs/api.md ("Errors") says what it means; a name, not an address.
TYPE_BASE = "urn:newsroom:problem:"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


class Problem(Exception):
    """An answer other than success: raised by a view, written as a problem document by the API."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _kind(status)
        self.errors = errors
        self.headers = headers or {}


def _kind(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    except ValueError:
        return "error"


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or _kind(status)),
        "title": TITLES.get(status) or _title(status),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def from_problem(problem: Problem) -> HttpResponse:
    return problem_response(
        problem.status, problem.detail, kind=problem.kind, errors=problem.errors, headers=problem.headers
    )


# What to say of a required field that is missing, where "Field required" would not tell a client what to send.
MISSING = {
    "body.seen": "Field required: send the 'seen' token of the queue item you decided on, as the queue listed "
    "it (GET /api/v1/queue), so that a decision on a comment that changed since is refused.",
}


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """pydantic's errors, as a person reads them: which field ("body.email", "query.page") and what is wrong."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc[:1] == ["body"] and len(loc) > 1:
            del loc[1]  # the view's name for its body ("data"), which means nothing to a client
        where = ".".join(loc)
        message = str(error.get("msg") or "is not valid").removeprefix("Value error, ")
        if error.get("type") == "missing" and where in MISSING:
            message = MISSING[where]
        found.append({"field": where, "message": message})
    return found


def install(api: NinjaAPI) -> None:
    """Every exception a view or ninja raises becomes a problem document."""

    @api.exception_handler(Problem)
    def problem(request: HttpRequest, exc: Problem) -> HttpResponse:
        return from_problem(exc)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = field_errors(exc.errors)
        listed = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(400, f"The request is not valid ({listed}).", kind="invalid", errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(
            401,
            "Send a valid API token: 'Authorization: Bearer <key>' (a staff member makes one under API tokens "
            "in the admin; it is shown once).",
            kind="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="newsroom"'},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = "The request body is not valid JSON."
        return problem_response(exc.status_code, detail)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        most = f"a body of at most {limit:,} bytes" if limit else "no body this large"
        return problem_response(413, f"The request is too large: this endpoint takes {most}.", kind="request-too-large")

    @api.exception_handler(TooManyFieldsSent)
    def too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem_response(400, "The request has too many fields.", kind="bad-request")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A Host header this site does not serve, a malformed multipart body and the like: Django logs them
        # under django.security; the client is told what it can change, and nothing of the code.
        logging.getLogger("django.security." + type(exc).__name__).warning("%s", exc)
        return problem_response(400, "The request is malformed; it was refused.", kind="bad-request")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(404, "Nothing is found at this address.", kind="not-found")

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_lost(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Database connection lost during an API request: %s %s", request.method, request.path)
        if connection.connection is not None and not connection.in_atomic_block and not connection.is_usable():
            connection.close()  # the next request opens a fresh one
        return problem_response(
            503, "We lost the connection to our database. Send the request again in a moment.",
            kind="unavailable", headers={"Retry-After": "5"},
        )  # fmt: skip

    @api.exception_handler(Exception)
    def crashed(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API request failed: %s %s", request.method, request.path)
        return problem_response(500, "Something went wrong on our side; it has been logged.", kind="server-error")


def as_problems(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view's plain error answers (ninja's 405, a 404 page) rewritten as problem documents."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return unknown_address(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(CONTENT_TYPE):
            return response
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            return problem_response(
                405, f"{request.method} is not allowed here; use {allowed}.", headers={"Allow": allowed}
            )
        return problem_response(response.status_code, TITLES.get(response.status_code) or _title(response.status_code))

    return wrapped


@csrf_exempt  # a POST to no endpoint is told so, not refused for a CSRF token it never needed
def unknown_address(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything under /api/v1/ that is no endpoint."""
    return problem_response(
        404,
        f"There is no endpoint at {request.path[:200]}; the endpoints are listed at /api/v1/docs.",
        kind="not-found",
    )


# Not Django's own handlers (django.views.defaults): theirs are wrapped in requires_csrf_token, which reads
# request.POST again, and a body Django refused to read (a form in UTF-16) raises again inside the handler,
# ending in a bare "Internal Server Error". These render their page without reading anything the request sent.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's ``handler400``: a request Django refused before any view (a Host header this site does not
    serve, more query fields than DATA_UPLOAD_MAX_NUMBER_FIELDS) is, under /api/, a problem document. A session
    that could not be saved for the database gone (Django's SessionInterrupted) is the 503 that keeps the text."""
    if is_database_lost(exception):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return problem_response(400, "The request is malformed; it was refused.", kind="bad-request")
    return HttpResponseBadRequest(render_to_string("400.html"))


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's ``handler500``. A crash that is the database gone, outside any view (the session saved as
    the response leaves, after the connection dropped), is the 503 that gives the reader their text back, as
    ReconnectReadsMiddleware gives it for a view; a real error stays a 500."""
    if is_database_lost(sys.exc_info()[1]):  # Django calls its handler500 while handling the exception
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return problem_response(500, "Something went wrong on our side; it has been logged.", kind="server-error")
    return HttpResponseServerError(render_to_string("500.html"))
