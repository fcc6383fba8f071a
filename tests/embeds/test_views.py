"""The comment section embedded on a registered site's page: embeds/views.py, through the real middleware,
templates, forms and services (Django's test client; embed.js's part is tests/browser/test_embed.py)."""

from __future__ import annotations

import html as htmllib
import re
import time
from urllib.parse import urlencode

import jwt
import pytest
from django.test import Client

from articles.models import Article
from commenters.models import StorySettings
from commenters.services import story_settings_save
from comments.models import Comment, CommentReport
from embeds.middleware import HEADER, dump_jar, load_jar
from embeds.models import Site
from factories import comment_form_data, make_comment
from outbox.models import OutboundEmail
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = pytest.mark.django_db

ORIGIN = "https://paper.example"
STORY = "https://paper.example/2020/05/10/us-pakistan"
TITLE = "US seeks Pakistan's help in Afghan peace talks"


@pytest.fixture(autouse=True)
def forms_sent_at_once(settings):
    # The test client sends a form the instant it is served; the bot check's timing has tests of its own.
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    forget_active_policy()
    yield
    forget_active_policy()


@pytest.fixture
def site() -> Site:
    return Site.objects.create(name="The Paper", origin=ORIGIN)


class Reader:
    """A reader on the paper's page, as embed.js is: the Origin, no cookies, the token kept and sent back."""

    def __init__(self, origin: str = ORIGIN, url: str = STORY) -> None:
        self.client = Client()
        self.origin = origin
        self.url = url
        self.token = ""

    def headers(self) -> dict[str, str]:
        return {"Origin": self.origin, **({HEADER: self.token} if self.token else {})}

    def keep(self, response):
        self.token = response.get(HEADER) or self.token
        return response

    def section(self, **query: str):
        params = {"url": self.url, "title": TITLE, **query}
        return self.keep(self.client.get("/embed/v1/section", params, headers=self.headers()))

    def send(self, action: str, data: dict[str, str], path: str = "/embed/v1/act"):
        query = urlencode({"to": action, "url": self.url, "title": TITLE})
        return self.keep(self.client.post(f"{path}?{query}", data, headers=self.headers()))

    def post_comment(self, **fields: str):
        """Fills in the comment form of the section as shown (its hidden token, signed start and honeypot)."""
        html = self.section(**fields.pop("query", {})).content.decode()  # type: ignore[arg-type]
        return self.send(form_action(html, "comment-form"), {**hidden_fields(html, "comment-form"), **fields})


def form_html(html: str, form_id: str) -> str:
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert match, f"no form #{form_id}"
    return match.group(0)


def form_action(html: str, form_id: str) -> str:
    match = re.search(r'action="([^"]*)"', form_html(html, form_id))
    assert match
    return htmllib.unescape(match.group(1))


def hidden_fields(html: str, form_id: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form_html(html, form_id)):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and ('type="hidden"' in tag or name.group(1) == "website"):
            fields[name.group(1)] = htmllib.unescape(value.group(1)) if value else ""
    return fields


def sign_in_token(site: Site, *, secret: str | None = None, age: int = 0, jti: str = "", **claims: str) -> str:
    now = int(time.time()) - age
    payload = {"sub": "reader-7", "name": "Ayesha Khan", "email": "ayesha@paper.example", "iat": now, "exp": now + 600}
    payload.update(claims)
    if jti:
        payload["jti"] = jti
    return jwt.encode(payload, secret or site.secret, algorithm="HS256")


def test_the_section_for_a_registered_site_creates_the_story_once_titled_from_the_page(site):
    reader = Reader()
    first = reader.section()
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == ORIGIN
    html = first.content.decode()
    assert 'id="comments"' in html and 'id="comment-form"' in html
    assert "Comments are moderated and generally will be posted if they are on-topic and not abusive." in html
    story = Article.objects.get(canonical_url=STORY)
    assert story.headline == TITLE and story.is_embedded and not story.has_text
    # The links of the section stay relative (the embed loads them into itself); ours are absolute, in a new tab.
    assert '<a href="http://testserver/comments/faq/" target="_blank" rel="noopener">Comments FAQ</a>' in html
    assert "<script" not in html
    again = Reader().section(sort="newest")
    assert again.status_code == 200
    assert Article.objects.filter(canonical_url=STORY).count() == 1


def test_an_unregistered_origin_is_told_clearly_and_nothing_is_stored(site):
    before = Article.objects.count()
    for origin in ("https://stranger.example", "null", ""):
        response = Reader(origin=origin, url="https://stranger.example/story").section()
        assert response.status_code == 403
        assert "Comments are not enabled for" in response.content.decode()
        assert HEADER not in response and not response.cookies
    # The message is readable by the page that asked (it holds nothing of ours), and by no other.
    response = Reader(origin="https://stranger.example").section()
    assert response["Access-Control-Allow-Origin"] == "https://stranger.example"
    site.is_active = False
    site.save()
    assert Reader().section().status_code == 403
    assert Article.objects.count() == before


def test_new_stories_are_counted_per_address_and_known_ones_always_load(site, settings):
    settings.EMBED_NEW_STORIES_PER_IP = "2/h"
    for n in range(2):
        assert Reader(url=f"{ORIGIN}/story/{n}").section().status_code == 200
    refused = Reader(url=f"{ORIGIN}/story/fake").section()
    assert refused.status_code == 429 and "Too many new stories" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert refused["Access-Control-Allow-Origin"] == ORIGIN  # the embed can read why
    assert Article.objects.count() == 2
    assert Reader(url=f"{ORIGIN}/story/0").section().status_code == 200  # a story already here is not counted


def test_a_story_on_another_origin_is_refused(site):
    response = Reader(url="https://elsewhere.example/2020/a-story").section()
    assert response.status_code == 403
    assert "must be on https://paper.example" in response.content.decode()
    assert not Article.objects.exists()


def test_posting_publishes_as_on_our_page_with_the_message_in_the_section(site):
    reader = Reader()
    response = reader.post_comment(name="Amina", email="amina@example.com", body="Pakistan holds the key to Doha.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PUBLISHED and comment.article.canonical_url == STORY
    assert comment.author_email == "amina@example.com"
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your comment is published." in html
    assert f'data-anchor="comment-{comment.pk}"' in html  # where the embed scrolls to
    assert f'id="comment-{comment.pk}"' in html and "Pakistan holds the key to Doha." in html
    # A stranger sees it too, without the message.
    other = Reader().section().content.decode()
    assert "Pakistan holds the key to Doha." in other and "Your comment is published." not in other


def test_a_held_comment_is_shown_to_its_author_with_its_reason_through_the_token_only(site):
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "hold_all"})
    forget_active_policy()
    author = Reader()
    response = author.post_comment(name="Amina", email="amina@example.com", body="Held words about Doha.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    assert "Awaiting moderation — only you can see this. It was held because" in response.content.decode()
    assert author.token
    # Later, the page sends the token it kept: the reader still sees their held comment and why.
    later = Reader()
    later.token = author.token
    assert "Awaiting moderation — only you can see this." in later.section().content.decode()
    assert "Held words about Doha." not in Reader().section().content.decode()
    # The browser's own cookies are not read under /embed/: the author's very session, sent as a cookie, is nobody.
    browser = Reader()
    browser.client.cookies["sessionid"] = load_jar(author.token)["sessionid"]
    assert "Held words about Doha." not in browser.section().content.decode()


def test_a_post_the_page_would_hold_as_a_bot_is_held_in_the_embed_too(site):
    reader = Reader()
    reader.post_comment(name="Spam", email="spam@example.com", body="Buy now.", website="http://spam.example")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    assert any(reason.startswith("bot.") for reason in comment.reasons)


def test_a_failed_post_shows_the_form_again_with_what_was_typed(site):
    reader = Reader()
    response = reader.post_comment(name="Amina", email="not-an-email", body="My careful words about Doha.")
    assert response.status_code == 400
    html = response.content.decode()
    assert "My careful words about Doha." in html and 'value="Amina"' in html
    assert "Enter a valid email address" in html
    assert html.lstrip().startswith('<div class="nr-embed"')  # the section, not our whole page
    assert "<html" not in html
    assert not Comment.objects.exists()


def test_replying_and_reporting_through_the_embed(site):
    reader = Reader()
    reader.post_comment(name="Amina", email="amina@example.com", body="Pakistan holds the key.")
    first = Comment.objects.get()
    # The no-script Reply link's query sets the form to reply, as on the page.
    html = reader.section(reply_to=str(first.pk)).content.decode()
    assert 'id="replying-to-name">Amina</strong>' in html and f'name="parent" value="{first.pk}"' in html
    reader.send(
        form_action(html, "comment-form"),
        {**hidden_fields(html, "comment-form"), "name": "Bilal", "email": "b@example.com", "body": "Agreed."},
    )
    reply = Comment.objects.get(parent=first)
    assert reply.status == Comment.Status.PUBLISHED
    response = reader.send(f"/comments/{first.pk}/report/", {"reason": "off_topic", "note": "Not about Doha."})
    assert response.status_code == 200
    assert CommentReport.objects.get().comment == first
    html = response.content.decode()
    assert f'data-anchor="report-notice-{first.pk}"' in html
    assert "Thank you. A moderator will look at this comment." in html


def test_the_limits_apply_in_the_embed_as_on_the_page(site, settings):
    settings.COMMENTS_RATE_PER_IP = "1/m"
    settings.REPORTS_RATE_PER_IP = "1/m"
    reader = Reader()
    reader.post_comment(name="Amina", email="amina@example.com", body="First words on Doha.")
    limited = reader.post_comment(name="Amina", email="amina@example.com", body="Second words, too soon.")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    html = limited.content.decode()
    assert "You are commenting faster than we allow." in html and "Second words, too soon." in html
    assert Comment.objects.count() == 1
    first = Comment.objects.get()
    assert reader.send(f"/comments/{first.pk}/report/", {"reason": "spam"}).status_code == 200
    again = reader.send(f"/comments/{first.pk}/report/", {"reason": "spam"})
    assert again.status_code == 429 and "You are sending reports faster than we allow." in again.content.decode()
    assert 'id="comments"' in again.content.decode()  # the section, not the site's own page for it


def test_remember_me_and_forget_me_work_through_the_token(site):
    reader = Reader()
    reader.post_comment(name="Amina", email="amina@example.com", body="Remember me, Doha.", remember="on")
    html = reader.section().content.decode()
    assert 'value="Amina"' in html and 'value="amina@example.com"' in html
    forget = re.search(r'<form method="post" action="([^"]*)" class="nr-forget', html)
    assert forget, "the Forget me form is shown to a remembered reader"
    forgotten = reader.send(forget.group(1), {})
    html = forgotten.content.decode()
    assert "Your name and email are no longer kept on this browser." in html
    assert 'value="Amina"' not in html and 'value="Amina"' not in reader.section().content.decode()
    assert 'value="Amina"' not in Reader().section().content.decode()


def test_only_the_readers_forms_can_be_sent_and_only_for_this_story(site):
    reader = Reader()
    reader.section()
    story = Article.objects.get()
    other = make_comment(Article.objects.create(headline="Other", slug="other", published_on=story.published_on))
    for action in ("/admin/login/", "/comments/confirm/abc/", "/nowhere/", "", "javascript:alert(1)", "//evil/x"):
        response = reader.send(action, {"username": "x"})
        assert response.status_code == 404, action
        assert "This form cannot be sent from here." in response.content.decode()
    refused = reader.send("/articles/other/comments/", comment_form_data())
    assert refused.status_code == 400 and not Comment.objects.filter(article=story).exists()
    assert reader.send(f"/comments/{other.pk}/report/", {"reason": "spam"}).status_code == 404
    assert not CommentReport.objects.exists()


def test_a_signed_in_reader_comments_as_themselves_without_a_confirmation_email(site):
    reader = Reader()
    response = reader.send("", {"token": sign_in_token(site)}, path="/embed/v1/sign-in")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Commenting as <strong>Ayesha Khan</strong>" in html
    assert 'name="email"' not in html and 'name="name"' not in html
    response = reader.post_comment(body="Signed in, and on Doha.")
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email) == ("Ayesha Khan", "ayesha@paper.example")
    assert comment.status == Comment.Status.PUBLISHED
    assert not OutboundEmail.objects.exists()  # the site vouched for the address: nothing to confirm
    # Signed out, the form asks again.
    html = reader.send("", {}, path="/embed/v1/sign-out").content.decode()
    assert "You are signed out of the comments." in html and 'name="email"' in html


def test_a_signed_in_reader_is_one_commenter_on_every_device_with_their_sanctions(site):
    from commenters.services import sanction_add

    laptop, phone = Reader(), Reader()
    laptop.send("", {"token": sign_in_token(site, jti="laptop")}, path="/embed/v1/sign-in")
    laptop.post_comment(body="From the laptop, on Doha.")
    # The site now sends another name and address for the same reader: still the same commenter.
    phone.send("", {"token": sign_in_token(site, jti="phone", email="new@paper.example", name="A. Khan")},
               path="/embed/v1/sign-in")  # fmt: skip
    phone.post_comment(body="From the phone, on the Doha talks.")
    assert set(Comment.objects.values_list("author_email", flat=True)) == {"ayesha@paper.example"}
    sanction_add(kind="suspend", reason="repeated abuse", actor=None, email="ayesha@paper.example", days=3)
    refused = phone.post_comment(body="Suspended, and trying again on Doha.")
    assert refused.status_code == 403 and "suspended this address (repeated abuse)" in refused.content.decode()
    assert Comment.objects.count() == 2


def test_a_signed_in_reader_on_another_sites_page_is_nobody_there(site):
    reader = Reader()
    reader.send("", {"token": sign_in_token(site)}, path="/embed/v1/sign-in")
    Site.objects.create(name="Other", origin="https://other.example")
    elsewhere = Reader(origin="https://other.example", url="https://other.example/story")
    elsewhere.token = reader.token
    assert "Commenting as" not in elsewhere.section().content.decode()


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        (lambda site: sign_in_token(site, age=7200), 400, "Your sign-in has expired"),
        (lambda site: sign_in_token(site, secret="not-the-sites-secret-at-all-0123456789"), 403, "not signed with"),
        (lambda site: "not.a.token", 400, "The sign-in token is not valid"),
        (lambda site: "", 400, "The sign-in token is missing."),
    ],
)
def test_a_bad_sign_in_token_is_refused_clearly(site, make, status, message):
    response = Reader().send("", {"token": make(site)}, path="/embed/v1/sign-in")
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and "Commenting as" not in html and 'id="comments"' in html


def test_a_sign_in_token_signs_in_once(site):
    token = sign_in_token(site, jti="once")
    assert Reader().send("", {"token": token}, path="/embed/v1/sign-in").status_code == 200
    replayed = Reader().send("", {"token": token}, path="/embed/v1/sign-in")
    assert replayed.status_code == 403 and "used before" in replayed.content.decode()
    as_json = Reader().client.post(
        f"/embed/v1/sign-in?{urlencode({'url': STORY})}",
        {"token": sign_in_token(site, jti="json")},
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )
    assert as_json.status_code == 200 and "Commenting as" in as_json.content.decode()


def test_a_closed_story_says_so_in_the_embed(site, django_user_model):
    reader = Reader()
    reader.section()
    story = Article.objects.get()
    moderator = django_user_model.objects.create_user("mod", password="pw-for-tests-only", is_staff=True)
    story_settings_save(
        story=StorySettings(article=story, comments_open=False, closed_message="Closed after the verdict."),
        actor=moderator,
    )
    html = reader.section().content.decode()
    assert "Closed after the verdict." in html and 'id="comment-form"' not in html
    refused = reader.send(f"/articles/{story.slug}/comments/", comment_form_data(body="Typed while it closed."))
    assert refused.status_code == 403
    assert "Typed while it closed." in refused.content.decode() and not Comment.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"url": ""},
        {"url": "https://paper.example/" + "x" * 600},
        {"url": "not a url"},
        {"url": STORY, "title": "x" * 5000},
        {"url": STORY, "page": "99999", "sort": "junk", "thread": "abc", "replies": "-1", "reply_to": "x"},
        {"url": STORY, "report": "1e9", "reported": "x"},
    ],
)
def test_junk_never_fails(site, query):
    response = Client().get("/embed/v1/section", query, headers={"Origin": ORIGIN})
    assert response.status_code in (200, 400)


def test_junk_headers_and_bodies_never_fail(site):
    for token in ("junk", "x" * 20_000, dump_jar({"sessionid": "nope"}), "\u00e9\u00e9"):
        assert (
            Client().get("/embed/v1/section", {"url": STORY}, headers={"Origin": ORIGIN, HEADER: token}).status_code
            == 200
        )
    assert Client().get("/embed/v1/section?url=a%00b", headers={"Origin": ORIGIN}).status_code == 400
    assert (
        Client().get("/embed/v1/section", {"url": STORY}, headers={"Origin": "https://\u00e9.example"}).status_code
        == 403
    )
    post = Client().post(
        f"/embed/v1/sign-in?{urlencode({'url': STORY})}", b"{not json", content_type="application/json",
        headers={"Origin": ORIGIN},
    )  # fmt: skip
    assert post.status_code == 400
    assert (
        Client().post(f"/embed/v1/act?{urlencode({'url': STORY})}", {}, headers={"Origin": ORIGIN}).status_code == 404
    )
    assert Client().get(f"/embed/v1/act?{urlencode({'url': STORY})}", headers={"Origin": ORIGIN}).status_code == 405


def test_the_script_and_the_styles_are_served(site):
    script = Client().get("/embed.js")
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    assert "attachShadow" in script.content.decode() and "public" in script["Cache-Control"]
    zipped = Client().get("/embed/v1/styles.css", headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip" and len(zipped.content) < 60_000
    styles = Client().get("/embed/v1/styles.css", headers={"Origin": "https://anyone.example"})
    css = styles.content.decode()
    assert styles.status_code == 200 and styles["Content-Type"].startswith("text/css")
    assert "[data-bs-theme=light]" in css and ".nr-comment" in css and ":host" in css
    assert "sourceMappingURL" not in css


def test_a_rejected_comment_says_why_in_the_embed_and_links_to_its_appeal_on_our_site(site, django_user_model):
    from comments.appeals import appeal_token
    from comments.services import comment_decide

    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "hold_all"})
    forget_active_policy()
    author = Reader()
    author.post_comment(name="Amina", email="amina@example.com", body="Held words about Doha.")
    comment = Comment.objects.get()
    moderator = django_user_model.objects.create_user("moderator1", is_staff=True)
    comment_decide(comment=comment, actor=moderator, decision="reject", reason="off_topic")
    html = author.section().content.decode()
    assert "A moderator did not publish your comment" in html and "Decided by a moderator." in html
    link = re.search(r'href="([^"]*/comments/appeal/[^"]+)" target="_blank" rel="noopener"', html)
    assert link is not None and link[1] == f"http://testserver/comments/appeal/{appeal_token(comment)}/"
    assert "/comments/appeal/" not in Reader().section().content.decode()
