"""A reader's cookies for this site travel in a signed header under /embed/ and /api/: embeds/middleware.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from embeds.middleware import HEADER, ReaderTokenMiddleware, dump_jar, load_jar

seen: dict[str, dict[str, str]] = {}


def view(request: HttpRequest) -> HttpResponse:
    seen["cookies"] = dict(request.COOKIES)
    response = HttpResponse("ok")
    if "set" in request.GET:
        response.set_cookie("sessionid", request.GET["set"], httponly=True, samesite="Lax")
    if "drop" in request.GET:
        response.delete_cookie("remember")
    return response


middleware = ReaderTokenMiddleware(view)


def test_cookies_set_under_the_embed_come_back_in_the_header_not_as_cookies():
    response = middleware(RequestFactory().get("/embed/v1/section", {"set": "abc"}))
    assert not response.cookies  # nothing for the browser to block or keep
    assert load_jar(response[HEADER]) == {"sessionid": "abc"}
    again = RequestFactory().get("/embed/v1/section", headers={HEADER: response[HEADER]})
    middleware(again)
    assert seen["cookies"] == {"sessionid": "abc"}


def test_the_browsers_own_cookies_are_never_read_under_the_embed_or_the_api():
    for path in ("/embed/v1/section", "/api/v1/me/comments"):
        request = RequestFactory().get(path)
        request.COOKIES = {"sessionid": "a-moderators-session"}
        middleware(request)
        assert seen["cookies"] == {}
    elsewhere = RequestFactory().get("/articles/x/")
    elsewhere.COOKIES = {"sessionid": "kept"}
    response = middleware(elsewhere)
    assert seen["cookies"] == {"sessionid": "kept"} and HEADER not in response


def test_a_forged_or_altered_token_is_a_reader_with_no_cookies():
    good = dump_jar({"sessionid": "abc"})
    for token in [good[:-2] + "xx", "junk", "x" * 10_000, dump_jar({"sessionid": "abc"}).replace("a", "b", 1)]:
        middleware(RequestFactory().get("/embed/v1/section", headers={HEADER: token}))
        assert seen["cookies"] == {}


def test_a_deleted_cookie_leaves_the_token():
    token = dump_jar({"sessionid": "abc", "remember": "me"})
    response = middleware(RequestFactory().get("/embed/v1/section", {"drop": "1"}, headers={HEADER: token}))
    assert load_jar(response[HEADER]) == {"sessionid": "abc"}
