"""A reader's cookies for this site, carried by the page that embeds us in a header instead.

On another site's page our cookies are third-party: browsers block them (Safari and Firefox now, Chromium
by direction). So under ``/embed/`` and ``/api/`` a request's cookies are what the page sends in
``X-Newsroom-Reader`` (a signed token the embed keeps in the host page's storage), never the browser's own
cookies for this site; and what the response would set as cookies goes back in the same header. The rest
of the site (sessions, the remembered name, the confirmed address) works unchanged, and a cross-site form
post can never act as a reader signed in on this site: its browser cookies are not read at all.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

from django.core import signing
from django.http import HttpRequest, HttpResponse

HEADER = "X-Newsroom-Reader"
SALT = "embeds.reader-jar"
MAX_AGE = 60 * 60 * 24 * 365  # a year without a visit, and the reader starts afresh
PREFIXES = ("/embed/", "/api/")
MAX_TOKEN = 8192


def load_jar(token: str | None) -> dict[str, str]:
    if not token or len(token) > MAX_TOKEN:
        return {}
    try:
        jar = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return {}  # forged, altered or too old: a reader with no cookies, as a new visitor is
    if not isinstance(jar, dict):
        return {}
    return {str(k): str(v) for k, v in jar.items() if isinstance(k, str) and isinstance(v, str)}


def with_cookies_set(jar: dict[str, str], cookies: SimpleCookie) -> dict[str, str]:
    """The cookies a browser would keep after a response set ``cookies``: a deleted one (max-age 0, or no
    value) is gone."""
    jar = dict(jar)
    for name, morsel in cookies.items():
        if morsel["max-age"] in (0, "0") or morsel.value == "":
            jar.pop(name, None)
        else:
            jar[name] = morsel.value
    return jar


def dump_jar(jar: dict[str, str]) -> str:
    return signing.dumps(jar, salt=SALT, compress=True)


class ReaderTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        jar = load_jar(request.headers.get(HEADER))
        request.COOKIES = dict(jar)
        response = self.get_response(request)
        jar = with_cookies_set(jar, response.cookies)
        response.cookies.clear()
        if jar:
            response[HEADER] = dump_jar(jar)
        return response
