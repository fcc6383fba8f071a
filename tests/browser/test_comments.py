import re

import pytest

from comments.models import Comment
from factories import make_comment, make_seed_article
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def instant_forms(settings):
    # Playwright fills a form in milliseconds; a person would not be held as a bot for that.
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    forget_active_policy()
    yield
    forget_active_policy()


def fill(page, name, email, body):
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Post comment").click()


def test_post_a_comment_then_reply_and_cancel(live_server, page):
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    fill(page, "Amina", "amina@example.com", "Pakistan's influence over the Taliban is the key to these talks.")
    page.wait_for_selector(".alert-success")
    first = Comment.objects.get()
    assert page.url.endswith(f"#comment-{first.pk}")
    assert page.locator(f"#comment-{first.pk}").is_visible()
    assert "Amina" in page.locator(f"#comment-{first.pk}").inner_text()

    # Reply: the form moves under the comment and says whom it answers.
    page.locator(f"#comment-{first.pk}").get_by_role("link", name="Reply").click()
    banner = page.locator("#replying-to")
    assert banner.is_visible() and "Replying to Amina" in banner.inner_text()
    assert page.locator(f"#comment-{first.pk} .nr-reply-slot #comment-form").count() == 1
    # Cancel puts it back as a new comment.
    page.get_by_role("link", name="Cancel reply").click()
    assert banner.is_hidden()
    assert page.locator("#comment-form-home #comment-form").count() == 1
    assert page.locator("input[name=parent]").input_value() == ""

    page.locator(f"#comment-{first.pk}").get_by_role("link", name="Reply").click()
    fill(page, "Bilal", "bilal@example.com", "Agreed, and Khalilzad knows it.")
    page.wait_for_selector(".alert-success")
    reply = Comment.objects.get(parent=first)
    node = page.locator(f"#comment-{reply.pk}")
    assert "Replying to Amina" in node.inner_text()
    assert "nr-depth-1" in node.get_attribute("class")
    # The reply sits after its parent in the thread.
    order = page.evaluate(
        "([a, b]) => document.getElementById(a).compareDocumentPosition(document.getElementById(b))",
        [f"comment-{first.pk}", f"comment-{reply.pk}"],
    )
    assert order & 4  # DOCUMENT_POSITION_FOLLOWING
    page.screenshot(path=str(page.shots / "thread.png"), full_page=True)
    assert page.dialogs == []
    assert page.console_errors == []


def test_reply_without_javascript(live_server, browser, tmp_path):
    article = make_seed_article()
    parent = make_comment(article, name="Chen", body="The prisoner releases are moving slowly.")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").click()
    assert "reply_to=" in page.url
    assert "Replying to Chen" in page.locator("#replying-to").inner_text()
    fill(page, "Dana", "dana@example.com", "Slowly, but 933 is not nothing.")
    reply = Comment.objects.get(parent=parent)
    assert page.locator(f"#comment-{reply.pk}").is_visible()
    assert "Replying to Chen" in page.locator(f"#comment-{reply.pk}").inner_text()
    page.screenshot(path=str(tmp_path / "nojs.png"), full_page=True)
    context.close()


def test_held_comment_is_visible_to_its_author_only(live_server, browser, page):
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "hold_all"})
    forget_active_policy()
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    fill(page, "Eli", "eli@example.com", "The Haqqani network angle deserves more attention.")
    held = Comment.objects.get()
    assert held.status == Comment.Status.HELD
    mine = page.locator(f"#comment-{held.pk}")
    assert mine.is_visible() and "Awaiting moderation" in mine.inner_text()
    # The page lands on the comment, and the word about it is in view there, not thousands of pixels above.
    notice = mine.locator(".nr-notice")
    page.wait_for_load_state("load")
    assert notice.is_visible() and "held because it" in notice.inner_text()
    # (Bootstrap scrolls smoothly to the anchor: wait for the scroll to arrive.)
    page.wait_for_function(
        "() => { const r = document.querySelector('.nr-notice').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=5000,
    )

    other = browser.new_context().new_page()
    other.goto(live_server.url + article.get_absolute_url())
    assert other.locator(f"#comment-{held.pk}").count() == 0
    assert "Haqqani network angle" not in other.content()
    other.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_thanks_for_a_report_is_in_view_where_the_reader_reported(live_server, browser, javascript):
    article = make_seed_article()
    comments = [
        make_comment(article, body=f"Point {n} on the Doha talks and Pakistan's part in them.") for n in range(12)
    ]
    reported = comments[9]
    # Reduced motion: no smooth scrolling, so where the page is is where it landed.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript, reduced_motion="reduce"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}{article.get_absolute_url()}#comment-{reported.pk}")
    node = page.locator(f"#comment-{reported.pk}")
    node.get_by_role("link", name="Report").click()  # moves the form here, or (no script) loads it here
    form = node.locator("#report-form")
    form.get_by_label("Why should a moderator look at this?").select_option("spam")
    form.get_by_role("button", name="Send report").click()
    page.wait_for_url(f"**#report-notice-{reported.pk}")
    page.wait_for_load_state("load")

    notice = node.locator(f"#report-notice-{reported.pk}")
    assert notice.inner_text() == "Thank you. A moderator will look at this comment."
    box = notice.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900, box  # in view
    assert page.locator(".nr-messages").count() == 0  # and not said out of sight at the top
    top = page.locator("#comments").bounding_box()
    assert top is not None and top["y"] < -1000  # the page is anchored far below its top: the reader's place
    if javascript:  # read out to a screen reader, which the anchor alone does not do
        assert page.evaluate("document.activeElement.id") == f"report-notice-{reported.pk}"
    assert errors == []
    context.close()


def test_a_reader_ignores_a_commenter_and_shows_them_again(live_server, page):
    article = make_seed_article()
    troll = make_comment(article, name="Troll", body="Nobody cares about Doha, you sheep.")
    make_comment(article, parent=troll, name="Bilal", body="The Doha talks matter to everyone here.")
    make_comment(article, name="Amina", body="Pakistan's influence over the Taliban is key.")
    page.goto(live_server.url + article.get_absolute_url())
    node = page.locator(f"#comment-{troll.pk}")
    node.get_by_role("button", name="Ignore Troll: hide their comments from your view").click()
    page.locator(".alert", has_text="You no longer see comments by Troll.").wait_for()
    threads = page.locator(".nr-threads")
    assert "you sheep" not in threads.inner_text()
    assert node.inner_text().strip() == "A comment by a commenter you ignore"  # answered: the thread still reads
    assert "The Doha talks matter to everyone here." in threads.inner_text()
    assert "influence over the Taliban" in threads.inner_text()
    # After a reload too; and undone from the list above the comments.
    page.reload()
    ignored = page.locator("#ignored-commenters")
    assert "Troll" in ignored.inner_text() and "you sheep" not in threads.inner_text()
    ignored.get_by_role("button", name="Show comments by Troll again").click()
    page.locator(".alert", has_text="You see comments by Troll again.").wait_for()
    assert "you sheep" in page.locator(".nr-threads").inner_text()
    assert page.locator("#ignored-commenters").count() == 0


def test_a_reader_gives_a_comment_respect_and_takes_it_back(live_server, page):
    article = make_seed_article()
    comment = make_comment(article, name="Amina", body="Pakistan's influence over the Taliban is key.")
    page.goto(live_server.url + article.get_absolute_url())
    button = page.locator(f"#comment-{comment.pk}").get_by_role("button", name=re.compile(r"^Respect\W+0 readers$"))
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    given = page.locator(f"#comment-{comment.pk}").get_by_role("button", name=re.compile(r"^Respect\W+1 reader$"))
    given.wait_for()
    assert given.get_attribute("aria-pressed") == "true" and given.inner_text().startswith("Respect · 1")
    assert page.url.endswith(f"#comment-{comment.pk}")  # the reader stays where they were
    given.click()
    taken = page.locator(f"#comment-{comment.pk}").get_by_role("button", name=re.compile(r"^Respect\W+0 readers$"))
    taken.wait_for()
    assert taken.get_attribute("aria-pressed") == "false"
    comment.refresh_from_db()
    assert comment.reaction_count == 0
