"""The comment section embedded on a newsroom's own page, in a real Chromium.

The host page is served from another site (127.0.0.2, while the live server is on 127.0.0.1/localhost: our
cookies are third-party there, and the browser blocks them), with a strict Content-Security-Policy that
allows only our origin for scripts and requests, and a hostile stylesheet. Playwright's CSS locators pierce
the embed's open shadow root.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from comments.models import Comment, CommentReport
from embeds.models import Site
from embeds.services import story_for_url
from factories import make_comment
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_CSS = """
* { color: red !important; display: inline !important; font-family: "Comic Sans MS", cursive !important; }
div { all: unset !important; }
button, input, textarea, select, form { display: none !important; }
"""
PAGE = """<!doctype html>
<html lang="en"{html_theme}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {site}; connect-src {site}; \
img-src data:; style-src 'self'">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/hostile.css">
<title>US seeks Pakistan's help in Afghan peace talks</title>
</head>
<body>
<h1>US seeks Pakistan's help in Afghan peace talks</h1>
<p>Washington's envoy asked Pakistan to press the Taliban to join the talks in Doha.</p>
<div id="newsroom-comments" data-story-url="{story}"{attributes}></div>
<script src="{site}/embed.js" async></script>
</body>
</html>
"""


class HostSite:
    """A newsroom's own site on another origin: one page, whose attributes each test sets."""

    def __init__(self, site_url: str) -> None:
        self.site_url = site_url
        self.attributes = ""
        self.html_theme = ""
        self.server = ThreadingHTTPServer(("127.0.0.2", 0), self.handler())
        self.origin = f"http://127.0.0.2:{self.server.server_address[1]}"
        self.story = f"{self.origin}/2020/05/10/us-pakistan"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path == "/hostile.css":
                    body, kind = HOSTILE_CSS.encode(), "text/css"
                else:
                    body, kind = host.page().encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def page(self) -> str:
        return PAGE.format(site=self.site_url, story=self.story, attributes=self.attributes, html_theme=self.html_theme)


@pytest.fixture
def host(live_server) -> Iterator[HostSite]:
    site = HostSite(live_server.url)
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def registered(host) -> Site:
    return Site.objects.create(name="The Paper", origin=host.origin)


@pytest.fixture(autouse=True)
def small_pages(settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0  # Playwright fills a form in milliseconds
    settings.COMMENTS_THREADS_PER_PAGE = 3
    forget_active_policy()
    yield
    forget_active_policy()


@pytest.fixture
def reader(cookieless_browser, tmp_path):
    context = cookieless_browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    page.shots = tmp_path
    yield page
    context.close()


def fill(page, body, name=None, email=None):
    form = page.locator("#newsroom-comments #comment-form")
    if name:
        form.get_by_label("Name").fill(name)
        form.get_by_label("Email").fill(email)
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Post comment").click()


def test_a_reader_uses_the_whole_section_on_another_sites_page(live_server, host, registered, reader):
    story = story_for_url(site=registered, url=host.story, title="US seeks Pakistan's help")
    chen = make_comment(story, name="Chen", body="The prisoner releases are moving slowly.", minutes_ago=50)
    for n in range(5):
        make_comment(story, parent=chen, body=f"Reply {n} on the prisoner releases.", minutes_ago=40 - n)
    for n, name in enumerate(("Dana", "Eli", "Farah")):
        make_comment(story, name=name, body=f"{name} on Doha and Pakistan.", minutes_ago=30 - n)

    reader.goto(host.origin + "/")
    section = reader.locator("#newsroom-comments #comments")
    section.wait_for()
    # Our styles, not the host's: Bootstrap's button is shown and not red.
    button = reader.locator("#newsroom-comments #comment-form").get_by_role("button", name="Post comment")
    assert button.is_visible()
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert (
        reader.locator("#newsroom-comments .nr-comment-body").first.evaluate("e => getComputedStyle(e).color")
        != "rgb(255, 0, 0)"
    )
    faq = reader.locator("#newsroom-comments").get_by_role("link", name="Comments FAQ")
    assert faq.get_attribute("href") == live_server.url + "/comments/faq/" and faq.get_attribute("target") == "_blank"

    # "Show all 5 replies" opens the thread; "All comments" goes back; page 2.
    reader.locator("#newsroom-comments").get_by_role("link", name="Show all 5 replies").click()
    reader.locator("#newsroom-comments .nr-thread-view").wait_for()
    assert reader.locator("#newsroom-comments .nr-depth-1").count() == 5
    reader.locator("#newsroom-comments").get_by_role("link", name="All comments").click()
    reader.locator("#newsroom-comments").get_by_role("link", name="Page 2").click()
    reader.locator("#newsroom-comments .page-item.active", has_text="2").wait_for()
    assert "Farah on Doha" in reader.locator("#newsroom-comments .nr-threads").inner_text()

    # Post a comment: published, said so in the section, the box lands on it.
    fill(reader, "Pakistan's influence over the Taliban is the key to these talks.", "Amina", "amina@example.com")
    reader.locator("#newsroom-comments .alert-success", has_text="Your comment is published.").wait_for()
    amina = Comment.objects.get(author_name="Amina")
    assert reader.locator(f"#newsroom-comments #comment-{amina.pk}").is_visible()

    # Reply: the form moves under the comment and says whom it answers.
    reader.locator(f"#newsroom-comments #comment-{amina.pk}").get_by_role("link", name="Reply").click()
    banner = reader.locator("#newsroom-comments #replying-to")
    assert banner.is_visible() and "Replying to Amina" in banner.inner_text()
    assert reader.locator(f"#newsroom-comments #comment-{amina.pk} .nr-reply-slot #comment-form").count() == 1
    fill(reader, "Agreed, and Khalilzad knows it.", "Bilal", "bilal@example.com")
    reader.locator("#newsroom-comments .nr-comment-body", has_text="Agreed, and Khalilzad knows it.").wait_for()
    reply = Comment.objects.get(parent=amina)
    assert "Replying to Amina" in reader.locator(f"#newsroom-comments #comment-{reply.pk}").inner_text()

    # Report one: the form moves under it; the thanks is said there.
    farah = Comment.objects.get(author_name="Farah")
    node = reader.locator(f"#newsroom-comments #comment-{farah.pk}")
    node.get_by_role("link", name="Report").click()
    node.get_by_label("Why should a moderator look at this?").select_option("spam")
    node.get_by_role("button", name="Send report").click()
    notice = reader.locator(f"#newsroom-comments #report-notice-{farah.pk}")
    notice.wait_for()
    assert notice.inner_text() == "Thank you. A moderator will look at this comment."
    assert CommentReport.objects.get().comment == farah

    # A held comment: its author sees it, and why, there.
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "hold_all"})
    forget_active_policy()
    fill(reader, "The Haqqani network angle deserves more attention.", "Amina", "amina@example.com")
    reader.locator("#newsroom-comments .nr-pending").wait_for()
    held = Comment.objects.get(status=Comment.Status.HELD)
    mine = reader.locator(f"#newsroom-comments #comment-{held.pk}")
    assert "Awaiting moderation — only you can see this. It was held because" in mine.inner_text()
    # After a reload too: the reader's token is in the host page's storage (and no cookie anywhere).
    reader.reload()
    reader.locator(f"#newsroom-comments #comment-{held.pk} .nr-notice").wait_for()

    # Sort by newest: the newest thread first.
    reader.locator("#newsroom-comments").get_by_role("link", name="Newest").click()
    reader.locator("#newsroom-comments .nr-sort strong", has_text="Newest").wait_for()
    first = reader.locator("#newsroom-comments .nr-threads .nr-comment").first
    assert first.get_attribute("id") == f"comment-{amina.pk}"

    reader.screenshot(path=str(reader.shots / "embed.png"), full_page=True)
    assert reader.context.cookies() == []
    stored = reader.evaluate(f"() => localStorage.getItem('newsroom-comments:{live_server.url}')")
    assert stored and "reader" in stored
    assert reader.console_errors == []


def test_the_site_signs_its_reader_in(live_server, host, registered, reader):
    now = int(time.time())
    claims = {"sub": "42", "name": "Ayesha Khan", "email": "ayesha@paper.example", "iat": now, "exp": now + 600}
    host.attributes = f' data-sso-token="{jwt.encode(claims, registered.secret, algorithm="HS256")}"'
    reader.goto(host.origin + "/")
    commenting = reader.locator("#newsroom-comments .nr-commenting-as")
    commenting.wait_for()
    assert commenting.inner_text() == "Commenting as Ayesha Khan"
    assert reader.locator("#newsroom-comments #id_email").count() == 0
    fill(reader, "Signed in, and thinking about Doha.")
    reader.locator("#newsroom-comments .alert-success").wait_for()
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email) == ("Ayesha Khan", "ayesha@paper.example")
    # The page reloads with the same token: it is not sent again (it would be refused as replayed).
    reader.reload()
    reader.locator("#newsroom-comments .nr-commenting-as").wait_for()
    assert reader.locator("#newsroom-comments .alert-danger").count() == 0
    reader.locator("#newsroom-comments").get_by_role("button", name="Sign out").click()
    reader.locator("#newsroom-comments .alert-info", has_text="You are signed out").wait_for()
    assert reader.locator("#newsroom-comments #id_email").is_visible()
    assert reader.context.cookies() == []
    assert reader.console_errors == []


def test_a_reader_who_logs_out_of_the_site_is_signed_out_of_the_comments(live_server, host, registered, reader):
    now = int(time.time())
    claims = {"sub": "7", "name": "Shared PC User", "email": "shared@paper.example", "iat": now, "exp": now + 600}
    host.attributes = f' data-sso-token="{jwt.encode(claims, registered.secret, algorithm="HS256")}"'
    reader.goto(host.origin + "/")
    reader.locator("#newsroom-comments .nr-commenting-as").wait_for()
    # A page without the attribute says nothing of who is logged in: the sign-in stands.
    host.attributes = ""
    reader.reload()
    reader.locator("#newsroom-comments .nr-commenting-as").wait_for()
    # The site's page for a logged-out reader renders the attribute empty: signed out here too.
    host.attributes = ' data-sso-token=""'
    reader.reload()
    reader.locator("#newsroom-comments #id_email").wait_for()
    assert reader.locator("#newsroom-comments .nr-commenting-as").count() == 0
    assert reader.console_errors == []


@pytest.mark.parametrize(("theme", "background"), [("dark", "rgb(33, 37, 41)"), ("light", "rgb(255, 255, 255)")])
def test_the_section_follows_the_hosts_theme(host, registered, reader, theme, background):
    host.attributes = f' data-theme="{theme}"'
    reader.emulate_media(color_scheme="light" if theme == "dark" else "dark")  # the page's word wins
    reader.goto(host.origin + "/")
    reader.locator("#newsroom-comments #comments").wait_for()
    box = reader.locator("#newsroom-comments .nr-embed-root")
    assert box.evaluate("e => getComputedStyle(e).backgroundColor") == background
    assert reader.console_errors == []


def test_without_a_word_from_the_host_the_section_follows_the_readers_scheme(host, registered, reader):
    reader.emulate_media(color_scheme="dark")
    reader.goto(host.origin + "/")
    reader.locator("#newsroom-comments #comments").wait_for()
    assert reader.locator("#newsroom-comments .nr-embed-root").get_attribute("data-bs-theme") == "dark"


def test_an_unregistered_site_is_told_clearly(host, reader):
    reader.goto(host.origin + "/")
    refusal = reader.locator("#newsroom-comments .nr-embed-refusal")
    refusal.wait_for()
    assert f"Comments are not enabled for {host.origin}" in refusal.inner_text()
    assert not Comment.objects.exists()
    # The refusal itself is the only error the browser reports (its status, 403): nothing the CSP blocked.
    assert all("403" in error for error in reader.console_errors), reader.console_errors


def test_a_form_that_cannot_be_sent_keeps_what_the_reader_wrote(host, registered, reader):
    reader.goto(host.origin + "/")
    form = reader.locator("#newsroom-comments #comment-form")
    form.get_by_label("Comment").fill("Words worth keeping on Doha.")
    assert reader.locator("#newsroom-comments #id_body_helptext").inner_text() == "2,972 of 3,000 characters left"
    reader.route("**/embed/v1/act**", lambda route: route.abort())
    fill(reader, "Words worth keeping on Doha.", "Amina", "amina@example.com")
    reader.locator("#newsroom-comments .nr-embed-offline").wait_for()
    assert form.get_by_label("Comment").input_value() == "Words worth keeping on Doha."
    reader.unroute("**/embed/v1/act**")
    form.get_by_role("button", name="Post comment").click()
    reader.locator("#newsroom-comments .alert-success", has_text="Your comment is published.").wait_for()
    assert Comment.objects.get().body == "Words worth keeping on Doha."


def test_a_reader_reacts_and_ignores_a_commenter_on_another_sites_page(live_server, host, registered, reader):
    story = story_for_url(site=registered, url=host.story, title="US seeks Pakistan's help")
    troll = make_comment(story, name="Troll", body="Nobody cares about Doha, you sheep.", minutes_ago=20)
    make_comment(story, name="Amina", body="Pakistan's influence over the Taliban is key.", minutes_ago=10)
    reader.goto(host.origin + "/")
    section = reader.locator("#newsroom-comments #comments")
    section.wait_for()
    node = reader.locator(f"#newsroom-comments #comment-{troll.pk}")
    # A reaction first, to another commenter: counted, and shown as given.
    amina = Comment.objects.get(author_name="Amina")
    reader.locator(f"#newsroom-comments #comment-{amina.pk}").get_by_role(
        "button", name=re.compile(r"^Respect\W+0 readers$")
    ).click()
    given = reader.locator(f"#newsroom-comments #comment-{amina.pk}").get_by_role(
        "button", name=re.compile(r"^Respect\W+1 reader$")
    )
    given.wait_for()
    assert given.get_attribute("aria-pressed") == "true"
    node.get_by_role("button", name="Ignore Troll: hide their comments from your view").click()
    reader.locator("#newsroom-comments .alert", has_text="You no longer see comments by Troll.").wait_for()
    threads = reader.locator("#newsroom-comments .nr-threads")
    assert "you sheep" not in threads.inner_text() and "influence over the Taliban" in threads.inner_text()
    reader.reload()  # kept with the reader's token in the host page's storage
    reader.locator("#newsroom-comments #ignored-commenters").wait_for()
    assert "you sheep" not in reader.locator("#newsroom-comments .nr-threads").inner_text()
    reader.locator("#newsroom-comments #ignored-commenters").get_by_role(
        "button", name="Show comments by Troll again"
    ).click()
    reader.locator("#newsroom-comments .alert", has_text="You see comments by Troll again.").wait_for()
    assert "you sheep" in reader.locator("#newsroom-comments .nr-threads").inner_text()
    assert reader.context.cookies() == []
    assert reader.console_errors == []
