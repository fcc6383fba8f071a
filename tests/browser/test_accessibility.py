"""No WCAG 2.1 A or AA violations that axe-core finds, on every state of the page a reader meets.

axe-core comes from a PyPI package (axe-playwright-python ships its axe.min.js), not a CDN.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings

from comments.models import Comment
from factories import HOLD_ALL, make_comment, make_seed_article
from outbox.services import unsubscribe_token
from policies.selectors import forget_active_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


@pytest.fixture(autouse=True)
def instant_forms(settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    forget_active_policy()
    yield
    forget_active_policy()


def assert_accessible(page, what):
    page.wait_for_load_state("load")
    results = Axe().run(page, options=WCAG_A_AA)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


@override_settings(COMMENTS_THREADS_PER_PAGE=3)
def test_every_state_of_the_article_page_is_accessible(live_server, page):
    article = make_seed_article()
    threads = [make_comment(article, name=f"Reader {n}", body=f"Remark {n} on the Doha talks.") for n in range(8)]
    make_comment(article, name="Replier", body="A reply about Kabul.", parent=threads[0])
    url = live_server.url + article.get_absolute_url()
    page.goto(url)
    assert_accessible(page, "the article with threads, sorts and page numbers")
    pages = page.get_by_role("navigation", name="Comment pages")
    assert pages.get_by_role("link", name="Page 3").is_visible()
    pages.get_by_role("link", name="Page 2").click()
    page.wait_for_url("**page=2**")
    assert page.get_by_role("navigation", name="Comment pages").locator('[aria-current="page"]').inner_text() == "2"
    page.goto(url)

    page.locator(f"#comment-{threads[0].pk}").get_by_role("link", name="Reply").click()
    assert_accessible(page, "the reply form open under a comment")
    page.keyboard.press("Escape")
    page.locator(f"#comment-{threads[1].pk}").get_by_role("link", name="Report").click()
    assert_accessible(page, "the report form open under a comment")

    form = page.locator("#comment-form")
    form.get_by_label("Email").fill("not an address")
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".is-invalid")
    assert_accessible(page, "the form with errors")

    held = make_comment(article, name="Held", body="Held words.", policy=HOLD_ALL)
    assert held.status == Comment.Status.HELD
    page.locator("#id_name").fill("Ola")
    page.locator("#id_email").fill("ola@example.com")
    page.locator("#id_body").fill("Pakistan's role matters, you brainless idiot.")
    page.get_by_label("Remember me on this browser").check()
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".nr-notice")
    assert_accessible(page, "the author's own held comment with its notice, details remembered")


def test_the_other_reader_pages_are_accessible(live_server, page):
    article = make_seed_article()
    comment = make_comment(article, name="Pat", body="On Doha.")
    for path, what in [
        ("/", "the list of articles"),
        ("/comments/faq/", "the comments FAQ"),
        (f"/comments/unsubscribe/{unsubscribe_token(comment.author_email)}/", "the unsubscribe page"),
        ("/comments/unsubscribe/not-a-token/", "a bad unsubscribe link"),
        ("/no/such/page/", "the 404 page"),
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, what)
