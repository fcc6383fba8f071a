"""A registered site pushes its stories (signed) and signs its readers in (a JWT) through the API."""

import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest

from articles.models import Article
from embeds.models import SiteReader

from .conftest import SECRET, ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def signed(body: bytes, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Newsroom-Timestamp": timestamp, "X-Newsroom-Signature": f"sha256={digest}"}


def push(story, **signing):
    raw = json.dumps(story).encode()
    return ApiClient().put("/api/v1/stories", raw=raw, headers=signed(raw, **signing))


STORY = {"url": "https://paper.example/2024/doha", "title": "Talks in Doha", "text": "Pakistan and the talks."}


def test_a_signed_push_creates_then_updates_the_story(site):
    response = push(STORY)
    assert response.status_code == 201, response.content
    story = Article.objects.get()
    assert response.json() == {"id": story.pk, "url": STORY["url"], "title": "Talks in Doha", "created": True}
    assert story.body == "Pakistan and the talks." and story.source == "The Paper"
    again = push(STORY | {"title": "Talks in Doha, day two", "standfirst": "Day two."})
    assert again.status_code == 200 and again.json()["created"] is False
    story.refresh_from_db()
    assert (story.headline, story.standfirst) == ("Talks in Doha, day two", "Day two.")


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("bad signature", 401, "signature does not match"),
        ("signature not ascii", 401, "signature does not match"),
        ("another secret", 401, "signature does not match"),
        ("timestamp in superscript digits", 401, "X-Newsroom-Timestamp"),
        ("old timestamp", 401, "old"),
        ("no headers", 401, "X-Newsroom-Timestamp"),
        ("unregistered origin", 403, "not registered"),
        ("nul", 400, "NUL"),
        ("no title", 400, "title"),
        ("not a url", 400, "not a web address"),
    ],
)
def test_refused_pushes_write_nothing(site, case, status, words):
    raw = json.dumps(STORY).encode()
    headers = signed(raw)
    if case == "bad signature":
        headers["X-Newsroom-Signature"] = "sha256=" + "0" * 64
    elif case == "signature not ascii":  # a header's bytes read as Latin-1: \xe9 is "é"
        headers["X-Newsroom-Signature"] = "sha256=\xe9"
    elif case == "timestamp in superscript digits":  # "²".isdigit() holds, and int() refuses it
        headers["X-Newsroom-Timestamp"] = "\xb2"
    elif case == "another secret":
        headers = signed(raw, secret="t" * 43)
    elif case == "old timestamp":
        headers = signed(raw, at=int(time.time()) - 3600)
    elif case == "no headers":
        headers = {}
    elif case == "unregistered origin":
        raw = json.dumps(STORY | {"url": "https://elsewhere.example/2024/doha"}).encode()
        headers = signed(raw)
    elif case == "nul":
        raw = json.dumps(STORY | {"text": "Pakistan\x00 and the talks."}).encode()
        headers = signed(raw)
    elif case == "no title":
        raw = json.dumps(STORY | {"title": " "}).encode()
        headers = signed(raw)
    elif case == "not a url":
        raw = json.dumps(STORY | {"url": "http://[::1"}).encode()
        headers = signed(raw)
    body = assert_problem(ApiClient().put("/api/v1/stories", raw=raw, headers=headers), status)
    assert words in body["detail"], body
    assert not Article.objects.exists()


def test_a_body_changed_after_signing_is_refused(site):
    raw = json.dumps(STORY).encode()
    headers = signed(raw)
    tampered = json.dumps(STORY | {"title": "Something else"}).encode()
    assert_problem(ApiClient().put("/api/v1/stories", raw=tampered, headers=headers), 401)
    assert not Article.objects.exists()


def token(claims=None, *, secret=SECRET, lifetime=600, issued=None):
    now = int(time.time()) if issued is None else issued
    payload = {"sub": "reader-1", "name": "Dana Reader", "email": "Dana@Paper.example", "iat": now,
               "exp": now + lifetime, "jti": uuid.uuid4().hex} | (claims or {})  # fmt: skip
    return jwt.encode(payload, secret, algorithm="HS256")


def test_sign_in_then_post_as_the_signed_in_reader(site):
    from factories import make_seed_article

    client = ApiClient(Origin="https://paper.example")
    response = client.post("/api/v1/sign-in", {"token": token()})
    assert response.status_code == 200, response.content
    assert response.json() == {"name": "Dana Reader", "email": "dana@paper.example", "site": "https://paper.example"}
    assert client.reader  # the signed-in session travels in the reader's header
    assert SiteReader.objects.get().display_name == "Dana Reader"
    article = make_seed_article()
    posted = client.post(
        f"/api/v1/stories/{article.pk}/comments",
        {"body": "Khalilzad is right to press Pakistan on the intra-Afghan talks."},  # no name or email needed
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["comment"]["author_name"] == "Dana Reader"
    assert client.get("/api/v1/me/comments").json()["signed_in_as"] == "Dana Reader"
    # The site named in the body, for a client that sends no Origin.
    assert ApiClient().post("/api/v1/sign-in", {"token": token(), "site": "https://paper.example"}).status_code == 200


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("expired", 401, "expired"),
        ("forged", 401, "not signed with this site's secret"),
        ("replayed", 401, "used before"),
        ("garbage", 401, "not valid"),
        ("too long-lived", 401, "expire within"),
        ("unknown site", 403, "not enabled"),
        ("no site", 403, "not enabled"),
    ],
)
def test_refused_sign_ins(site, case, status, words):
    client = ApiClient(Origin="https://paper.example")
    made = token()
    if case == "expired":
        made = token(issued=int(time.time()) - 7200)
    elif case == "forged":
        made = token(secret="x" * 43)
    elif case == "replayed":
        assert client.post("/api/v1/sign-in", {"token": made}).status_code == 200
        client = ApiClient(Origin="https://paper.example")
    elif case == "garbage":
        made = "not.a.jwt"
    elif case == "too long-lived":
        made = token(lifetime=86400)
    sent = {"token": made}
    if case == "unknown site":  # named in the body by a server (a page on it is refused sooner: test_writes)
        client, sent = ApiClient(), {"token": made, "site": "https://elsewhere.example"}
    elif case == "no site":
        client = ApiClient()
    body = assert_problem(client.post("/api/v1/sign-in", sent), status)
    assert words in body["detail"], body
    assert client.get("/api/v1/me/comments").json()["signed_in_as"] is None
