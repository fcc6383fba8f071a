"""Sites, stories by address, signed pushes and readers' sign-in: embeds/services.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

import jwt
import pytest
from django.utils import timezone

from articles.models import Article
from commenters.models import Commenter
from comments.services import comment_post
from embeds.models import Site, SiteReader, UsedSignInToken
from embeds.services import (
    EmbedError,
    normalise_origin,
    site_for_origin,
    sso_sign_in,
    story_for_url,
    story_push,
    verify_push,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    return Site.objects.create(name="The Paper", origin="https://paper.example", secret="s" * 40)


def token(site: Site, **claims: object) -> str:
    now = int(time.time())
    payload = {"sub": "reader-7", "name": "Ayesha Khan", "email": "Ayesha@Paper.example", "iat": now, "exp": now + 300}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, site.secret, algorithm="HS256")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://Paper.Example", "https://paper.example"),
        ("https://paper.example:443/", "https://paper.example"),
        ("http://127.0.0.2:8001", "http://127.0.0.2:8001"),
        ("http://[::1]:80", "http://[::1]"),
    ],
)
def test_an_origin_is_written_one_way(given, expected):
    assert normalise_origin(given) == expected


@pytest.mark.parametrize(
    "bad", ["paper.example", "ftp://paper.example", "https://paper.example/news", "https://x:99999", ""]
)
def test_what_is_not_an_origin_is_refused(bad):
    with pytest.raises(ValueError):
        normalise_origin(bad)


def test_only_an_active_registered_site_is_found(site):
    assert site_for_origin("https://PAPER.example:443") == site
    with pytest.raises(EmbedError) as refused:
        site_for_origin("https://other.example")
    assert refused.value.code == "site_unknown"
    assert "not registered" in refused.value.message
    site.is_active = False
    site.save()
    with pytest.raises(EmbedError):
        site_for_origin("https://paper.example")
    with pytest.raises(EmbedError):
        site_for_origin(None)


def test_the_first_embed_creates_the_story_once_titled_from_the_page(site):
    story = story_for_url(
        site=site, url="https://paper.example/2020/05/us-pakistan#comments", title="  US seeks\n help "
    )
    again = story_for_url(site=site, url="https://PAPER.example/2020/05/us-pakistan", title="Another title")
    assert again.pk == story.pk
    assert story.canonical_url == "https://paper.example/2020/05/us-pakistan"
    assert story.headline == "US seeks help"
    assert story.source == "The Paper"
    assert story.is_embedded and not story.has_text
    assert Article.objects.count() == 1
    assert story not in Article.objects.own()


def test_a_story_on_another_origin_or_not_an_address_is_refused_and_nothing_stored(site):
    for url in ["https://evil.example/story", "javascript:alert(1)", "", "https://paper.example/" + "a" * 600]:
        with pytest.raises(EmbedError):
            story_for_url(site=site, url=url, title="x")
    assert not Article.objects.exists()


def test_a_story_without_a_title_is_titled_by_its_address(site):
    story = story_for_url(site=site, url="https://paper.example/s/1", title="\u200b ")
    assert story.headline == "https://paper.example/s/1"


def test_a_push_gives_the_story_its_text(site):
    story = story_for_url(site=site, url="https://paper.example/s/1", title="Old title")
    pushed, created = story_push(
        site=site, url="https://paper.example/s/1", title="New title", text="Para one.\n\nTwo."
    )
    assert (pushed.pk, created) == (story.pk, False)
    story.refresh_from_db()
    assert story.headline == "New title" and story.has_text and story.paragraphs == ["Para one.", "Two."]
    other, created = story_push(site=site, url="https://paper.example/s/2", title="Fresh", text="Body")
    assert created and other.canonical_url == "https://paper.example/s/2"
    for bad in [{"title": ""}, {"text": "a\x00b"}, {"text": "x" * 200_001}, {"url": "https://evil.example/s"}]:
        with pytest.raises(EmbedError):
            story_push(**{"site": site, "url": "https://paper.example/s/3", "title": "T", "text": "B", **bad})
    assert not Article.objects.filter(canonical_url="https://paper.example/s/3").exists()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def test_a_push_must_be_signed_recently_with_the_sites_secret(site):
    body = b'{"url": "https://paper.example/s/1"}'
    now = str(int(time.time()))
    verify_push(site=site, timestamp=now, body=body, signature=sign(site.secret, now, body))
    cases = [
        (now, sign("wrong" * 10, now, body), "signature"),
        (now, sign(site.secret, now, body + b" "), "signature"),
        (str(int(time.time()) - 3600), sign(site.secret, str(int(time.time()) - 3600), body), "timestamp"),
        ("yesterday", sign(site.secret, "yesterday", body), "timestamp"),
        (str(int(time.time()) + 3600), sign(site.secret, str(int(time.time()) + 3600), body), "timestamp"),
        ("9" * 400, sign(site.secret, "9" * 400, body), "timestamp"),  # no OverflowError: a clear refusal
    ]
    for timestamp, signature, code in cases:
        with pytest.raises(EmbedError) as refused:
            verify_push(site=site, timestamp=timestamp, body=body, signature=signature)
        assert refused.value.code == code
        assert " -" not in refused.value.message  # never "the signature is -3599 s old"


def test_a_signed_in_reader_is_one_confirmed_commenter_across_devices(site):
    reader = sso_sign_in(site=site, token=token(site, jti="a"))
    assert reader.display_name == "Ayesha Khan"
    assert reader.commenter.email == "ayesha@paper.example"
    assert reader.commenter.confirmed_at is not None  # the site vouches: no confirmation email
    # Another device, later, under a new name and address: the same reader, the same commenter.
    again = sso_sign_in(site=site, token=token(site, jti="b", name="A. Khan", email="new@paper.example"))
    assert again.pk == reader.pk and again.commenter_id == reader.commenter_id and again.display_name == "A. Khan"
    assert SiteReader.objects.count() == 1 and Commenter.objects.count() == 1


def test_a_token_signs_in_once(site):
    spent = token(site)
    sso_sign_in(site=site, token=spent)
    with pytest.raises(EmbedError) as refused:
        sso_sign_in(site=site, token=spent)
    assert refused.value.code == "sso_replayed"
    with pytest.raises(EmbedError):  # the same jti in another token is the same sign-in
        sso_sign_in(site=site, token=token(site, jti="same"))
        sso_sign_in(site=site, token=token(site, jti="same", name="Other"))


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, "sso_expired"),
        ({"exp": int(time.time()) + 86400}, "sso_invalid"),  # lives a day: not short-lived
        ({"sub": None}, "sso_invalid"),
        ({"exp": None}, "sso_invalid"),
        ({"name": " \u200b "}, "sso_invalid"),
        ({"email": "not-an-address"}, "sso_invalid"),
        ({"name": ["<b>x</b>"]}, "sso_invalid"),
        ({"sub": 42}, "sso_invalid"),
    ],
)
def test_a_bad_token_is_refused_with_its_reason(site, claims, code):
    with pytest.raises(EmbedError) as refused:
        sso_sign_in(site=site, token=token(site, **claims))
    assert refused.value.code == code
    assert not SiteReader.objects.exists()


def test_a_token_from_anyone_but_the_site_is_forged(site):
    forged = jwt.encode({"sub": "x", "name": "X", "email": "x@x.example", "iat": int(time.time()),
                         "exp": int(time.time()) + 60}, "another-secret-" * 3, algorithm="HS256")  # fmt: skip
    with pytest.raises(EmbedError) as refused:
        sso_sign_in(site=site, token=forged)
    assert refused.value.code == "sso_forged"
    unsigned = jwt.encode({"sub": "x", "name": "X", "email": "x@x.example", "iat": int(time.time()),
                           "exp": int(time.time()) + 60}, None, algorithm="none")  # fmt: skip
    with pytest.raises(EmbedError) as refused:
        sso_sign_in(site=site, token=unsigned)
    assert refused.value.code == "sso_invalid"
    for junk in ["", "a.b.c", "x" * 5000]:
        with pytest.raises(EmbedError):
            sso_sign_in(site=site, token=junk)


def test_spent_tokens_are_forgotten_once_expired(site):
    UsedSignInToken.objects.create(site=site, token_id="old", expires_at=timezone.now() - dt.timedelta(hours=2))
    sso_sign_in(site=site, token=token(site))
    assert not UsedSignInToken.objects.filter(token_id="old").exists()
    assert UsedSignInToken.objects.count() == 1


def test_a_story_known_by_title_only_flags_an_off_topic_comment_and_never_holds_it(site, settings):
    thin = story_for_url(site=site, url="https://paper.example/s/thin", title="US seeks Pakistan's help")
    full, _ = story_push(
        site=site, url="https://paper.example/s/full", title="US seeks Pakistan's help",
        text="Washington asked Islamabad to help start the intra-Afghan dialogue with the Taliban.",
    )  # fmt: skip
    # A whole recipe: evidence enough to hold it under a story whose text is known.
    off_topic = (
        "My favourite recipe for banana bread uses walnuts, cinnamon and brown sugar, baked slowly. "
        "Mash three very ripe bananas with a fork and beat in melted butter and an egg. "
        "Sift the flour with baking soda and a pinch of nutmeg, then fold it through gently. "
        "Toast the walnuts in a dry pan first so they stay crunchy in the loaf. "
        "Bake it in a greased tin for an hour and let it cool on a wire rack before slicing. "
        "Serve it warm with salted butter and a mug of cocoa."
    )
    held = comment_post(article=full, author_name="Reader", author_email="r1@example.com", body=off_topic)
    flagged = comment_post(article=thin, author_name="Reader", author_email="r2@example.com", body=off_topic)
    assert held.comment.status == "held" and "off_topic" in held.comment.reasons
    assert flagged.comment.status == "published"
    assert flagged.comment.flagged and "off_topic" in flagged.comment.reasons


def test_an_address_a_site_signs_in_is_its_readers_alone(site):
    from comments.models import Comment
    from comments.services import CommentError, Submission

    reader = sso_sign_in(site=site, token=token(site))
    story = story_for_url(site=site, url="https://paper.example/s/1", title="Doha talks")
    with pytest.raises(CommentError) as refused:  # typed by anyone else, it would pass for them
        comment_post(article=story, author_name="Ayesha Khan", author_email="AYESHA@paper.example", body="Doha.")
    assert refused.value.code == "email" and "sign in there" in refused.value.messages[0]
    assert not Comment.objects.exists()
    # Signed in by the site (or having confirmed the address by its link), it is theirs to use.
    posted = comment_post(
        article=story, author_name=reader.display_name, author_email=reader.email, body="On the Doha talks.",
        submission=Submission(verified_email=reader.email),
    )  # fmt: skip
    assert posted.comment.author_email == "ayesha@paper.example"
    assert Commenter.objects.get().signed_in_by_site
    # Suspended, the address's sanction is said to the reader alone, never to someone typing it.
    from commenters.services import sanction_add

    sanction_add(kind="suspend", reason="private note", actor=None, email="ayesha@paper.example", days=3)
    with pytest.raises(CommentError) as refused:
        comment_post(article=story, author_name="X", author_email="ayesha@paper.example", body="On Doha again.")
    assert refused.value.code == "email" and "private note" not in refused.value.messages[0]
