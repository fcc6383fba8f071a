"""No input gives a 500: every URL of the site, walked with hostile paths, query strings, headers and bodies,
as a stranger and as an editor, on whichever database the suite runs on (the suite runs on SQLite and on
PostgreSQL)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from factories import make_comment, make_seed_article

pytestmark = pytest.mark.django_db

# "%C2%B2" is "²": str.isdigit() holds for it, and int() refuses it.
HOSTILE_SEGMENTS = [
    "1", "0", "99999999999999999999999", "x" * 300, "%00", "%ED%A0%80", "..%2F..%2Fetc", "%E2%80%AE", "%C2%B2",
]  # fmt: skip
HOSTILE_QUERIES = [  # one kind of trouble each: a filter a list cannot apply makes it drop all the others
    "model=%C2%B2&page=%C2%B2&thread=%C2%B2&reply_to=%C2%B2&report=%C2%B2&comment=%C2%B2",
    "page=99999999999999999999&sort=zzz",
    "page=-1&thread=abc&replies=1e309&reply_to=%ED%A0%80&report=99999999999999999999",
    "q=" + "%F0%9F%92%A9" * 200 + "&o=-9&p=999999999999",
    "created_at__year=99999999999",
    "published_on__year=99999999999",
    "created_at__year=2020&created_at__month=99999999999999999999",
    "published_on__year=2020&published_on__month=13&published_on__day=99999999999999",
    "tab=%27%3Bdrop&queue=zzz&traffic=all&reason=%3Cscript%3E",
    "id__in=1,x",
    "pk__gt=99999999999999999999",
    "sort=%00",
]
HOSTILE_BODIES = [
    (
        "application/x-www-form-urlencoded",
        b"name=%ED%A0%80&email=a%00b&body=" + b"x" * 5000 + b"&parent=999999999999999999999&token=%00",
    ),
    ("application/json", b'{"name": "\\ud800", "email": 7, "body": [[[[[]]]]], "parent": 1e309}'),
    ("application/json", b"[" * 5000),
    ("text/plain; charset=utf-16", "name=a&body=b".encode("utf-16")),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="body"\r\n\r\nhi\r\n--x--'),
]

HOSTILE_HEADERS = [  # in groups, each a kind of trouble; the host apart, since a refused host hides the rest
    {"Host": "evil.example:99999"},
    {
        "Cookie": "csrftoken=" + "x" * 5000 + "; sessionid=%00%ED%A0%80; messages=\u202e; =;;;",
        "X-Newsroom-Reader": "not.a.token" + "=" * 300,
    },
    {
        "X-Forwarded-For": "garbage, ::::, 999.1.1.1, " + "1.2.3.4, " * 200,
        "X-Forwarded-Proto": "gopher",
        "X-Real-IP": "%00",
    },
    {
        "Accept-Language": "zz-" + "x" * 500 + ";q=abc, *;q=99999999999999999999",
        "Accept": "application/json;q=x, text/html;q=1e309",
        "Accept-Encoding": "gzip;q=-1, br;q=nan",
    },
    {
        "Authorization": "Bearer " + "\u00e9" * 300,
        "Range": "bytes=99999999999999999999-1",
        "If-Modified-Since": "Tue, 99 Zzz 99999 99:99:99 GMT",
        "If-None-Match": '"' + "x" * 3000,
    },
    {
        "Origin": "null",
        "Referer": "http://[::1:bad/" + "x" * 2000,
        "User-Agent": "\u0000" + "x" * 10000,
        "X-Requested-With": "XMLHttpRequest",
        "Content-Language": "\ud800",
    },
]


def routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site as a path template with its converters as {name}."""
    found: list[str] = []
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            found += routes(entry, prefix + pattern)
        elif isinstance(entry, URLPattern):
            found.append(prefix + pattern)
    return found


def fill(template: str, value: str) -> str:
    path = re.sub(r"<(?:\w+:)?\w+>", value, template)  # path converters
    path = re.sub(r"\(\?P<\w+>[^)]*\)", value, path)  # regex groups
    path = re.sub(r"[\^$?*+\\]", "", path)
    return "/" + path.lstrip("/")


@pytest.fixture
def people():
    make_seed_article()
    article = make_seed_article()
    make_comment(article, body="A published comment on the Doha talks.")
    editor = Client(raise_request_exception=False)
    editor.force_login(User.objects.create_superuser("editor", "editor@example.com", "pw-editor-123"))
    return {"stranger": Client(raise_request_exception=False), "editor": editor}


def test_no_url_answers_500_to_anything(people):
    failures: list[str] = []
    paths = sorted({fill(t, v) for t in routes() for v in HOSTILE_SEGMENTS})
    assert len(paths) > 100
    sent = 0
    for who, client in people.items():
        for path, query in itertools.product(paths, ["", *HOSTILE_QUERIES]):
            response = client.get(f"{path}?{query}" if query else path, headers={"Origin": "https://evil.example"})
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{who} GET {path}?{query} -> {response.status_code}")
        for path, (content_type, body) in itertools.product(paths, HOSTILE_BODIES):
            response = client.generic("POST", path, body, content_type=content_type)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{who} POST {path} {content_type} -> {response.status_code}")
    assert failures == [] and sent > 2000


def test_no_url_answers_500_to_hostile_headers(people, settings):
    settings.BEHIND_PROXY = 1  # the forwarded address is read, and garbage in it must not break anything
    failures: list[str] = []
    paths = sorted({fill(t, "1") for t in routes()})
    assert len(paths) > 100
    form = b"name=Amina&email=amina%40example.com&body=On+the+talks+in+Doha."
    sent = 0
    for (who, client), path, sent_headers in itertools.product(people.items(), paths, HOSTILE_HEADERS):
        # As a WSGI server hands them on: the bytes that came over the wire, each read as one latin-1 letter.
        headers = {k: v.encode("utf-8", "surrogatepass").decode("latin-1") for k, v in sent_headers.items()}
        for method in ("GET", "POST"):
            response = client.generic(
                method, path, form, content_type="application/x-www-form-urlencoded", headers=headers
            )
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{who} {method} {path} {sorted(headers)} -> {response.status_code}")
    assert failures == [] and sent > 1000


# Charsets Django will not read a form in: it raises at every reading of request.POST (the CSRF check's, then
# the error pages' own CSRF wrapper's), which Django's test client hides unless it checks CSRF as browsers do.
FORM_CHARSETS = ["utf-16", "utf-32", "utf-7", "rot13", "idna", "punycode", "base64", "zlib_codec"]


def test_no_url_answers_500_to_a_form_in_another_charset_with_csrf_checked():
    paths = sorted({fill(t, "1") for t in routes()})
    assert len(paths) > 100
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "k" * 32  # well formed: the check goes on to read the form's token
    failures: list[str] = []
    for path, charset in itertools.product(paths, FORM_CHARSETS):
        content_type = f"application/x-www-form-urlencoded; charset={charset}"
        try:
            response = client.generic("POST", path, b"name=Amina&body=On+Doha.", content_type=content_type)
        except Exception as exc:  # the error pages failed in turn: Django's last resort is a bare 500
            failures.append(f"POST {path} {charset} -> {type(exc).__name__}")
            continue
        if response.status_code >= 500:
            failures.append(f"POST {path} {charset} -> {response.status_code}")
    assert failures == []


def test_a_form_in_another_charset_is_the_sites_400_page_and_one_line_in_the_log(caplog):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "k" * 32
    with caplog.at_level("INFO"):
        response = client.generic(
            "POST", "/", "name=Amina".encode("utf-16"), content_type="application/x-www-form-urlencoded; charset=utf-16"
        )
    assert response.status_code == 400
    assert "We could not accept that" in response.content.decode()
    assert [(r.name, r.levelname, r.exc_info) for r in caplog.records] == [("django.request", "WARNING", None)]
    assert "not UTF-8" in caplog.records[0].getMessage()


def test_without_the_middleware_the_error_pages_still_answer_a_form_django_will_not_read(settings):
    """The second wall: the site's 400 and 500 handlers read nothing the request sent, so a body Django
    refuses to read cannot make them fail in turn (Django's own read request.POST again, for their CSRF)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith(".FormInUtf8Middleware")]
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = "k" * 32
    content_type = "application/x-www-form-urlencoded; charset=utf-16"
    response = client.generic("POST", "/", "name=Amina".encode("utf-16"), content_type=content_type)
    assert response.status_code == 400 and "We could not accept that" in response.content.decode()
    request = RequestFactory().generic("POST", "/", b"name=Amina", content_type=content_type)
    request.COOKIES["csrftoken"] = "k" * 32
    resolver = get_resolver()
    handler400 = resolver.resolve_error_handler(400)
    assert handler400(request, BadRequest()).status_code == 400  # type: ignore[call-arg]  # stubs: request only
    page = resolver.resolve_error_handler(500)(request)
    assert page.status_code == 500 and "Something went wrong" in page.content.decode()


def test_an_admin_action_on_ids_that_are_not_numbers_is_a_400_on_every_list(people):
    """A tampered ``_selected_action`` reached Django's query as sent: a 500 on every list with actions."""
    from django.contrib import admin

    editor = people["editor"]
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="editor")
    checked = 0
    for model, model_admin in admin.site._registry.items():
        actions = [name for name in model_admin.get_action_choices(request) if name[0]]
        if not actions:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for selected in ["abc", "1 OR 1=1", "١", "1.5"]:
            response = editor.post(url, {"action": actions[0][0], "_selected_action": ["1", selected], "index": "0"})
            assert response.status_code == 400, (url, selected, response.status_code)
        fine = editor.post(url, {"action": actions[0][0], "_selected_action": ["999999"], "index": "0"})
        assert fine.status_code < 500, url
        checked += 1
    assert checked >= 5
