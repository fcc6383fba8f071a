"""The comment form as a reader uses it: remembered details, the counter, focus, and how fast people post."""

import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings

import comments.forms
from comments.models import Comment
from factories import make_comment, make_seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Keystroke-Level Model operator times (Card, Moran & Newell 1980), at the fast end of their ranges:
# the quickest a person points with a mouse, clicks, and presses a key.
POINT = 0.8  # P: move the pointer to a target (0.8-1.5 s)
CLICK = 0.1  # B: press or release a button
KEY = 0.08  # K: one keystroke for the best typists (0.08 s; 0.28 s for an average one)


def active(page):
    return page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.outerHTML)")


def test_name_and_email_are_remembered_only_when_asked_and_forgotten_by_a_link(live_server, page, settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Hana")
    form.get_by_label("Email").fill("hana@example.com")
    form.get_by_label("Comment").fill("The prisoner releases are the real test of the Doha deal.")
    form.get_by_label("Remember me on this browser").check()
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".alert-success")
    # Next visit: the details are filled in, and the reader can make the browser forget them.
    page.goto(live_server.url + article.get_absolute_url())
    form = page.locator("#comment-form")
    assert form.get_by_label("Name").input_value() == "Hana"
    assert form.get_by_label("Email").input_value() == "hana@example.com"
    assert form.get_by_label("Remember me on this browser").is_checked()
    cookie = next(c for c in page.context.cookies() if c["name"] == "nr_commenter")
    assert cookie["httpOnly"] and "hana@example.com" not in cookie["value"]  # signed and compressed, not plain
    page.get_by_role("button", name="Forget my name and email on this browser").click()
    page.wait_for_selector(".nr-messages")
    form = page.locator("#comment-form")
    assert form.get_by_label("Name").input_value() == "" and form.get_by_label("Email").input_value() == ""
    assert not any(c["name"] == "nr_commenter" for c in page.context.cookies())
    # Not asked: nothing is kept.
    form.get_by_label("Name").fill("Ivo")
    form.get_by_label("Email").fill("ivo@example.com")
    form.get_by_label("Comment").fill("Islamabad's leverage is real but limited.")
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".alert-success")
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator("#comment-form").get_by_label("Name").input_value() == ""


def test_the_box_counts_what_is_left_of_the_limit(live_server, page):
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    help_text = page.locator("#id_body_helptext")
    assert help_text.inner_text() == "3,000 of 3,000 characters left"
    page.locator("#id_body").fill("Doha 🇦🇫 talks")  # the flag is two characters to the server, as here
    assert help_text.inner_text() == "2,987 of 3,000 characters left"
    assert help_text.get_attribute("aria-live") is None  # not read out on every keystroke
    page.locator("#id_body").fill("x" * 2950)
    assert help_text.inner_text() == "50 of 3,000 characters left"
    assert help_text.get_attribute("aria-live") == "polite" and "text-danger" in help_text.get_attribute("class")


def test_focus_goes_back_where_it_came_from(live_server, page, settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    article = make_seed_article()
    first = make_comment(article, name="Jae", body="The Taliban want the prisoners first.")
    second = make_comment(article, name="Kofi", body="Kabul wants a ceasefire first.")
    page.goto(live_server.url + article.get_absolute_url())
    reply = page.locator(f"#comment-{second.pk}").get_by_role("link", name="Reply")
    reply.click()
    assert active(page) == "id_body"
    page.keyboard.press("Escape")  # Escape cancels, and focus returns to the Reply link
    assert page.locator("#replying-to").is_hidden()
    assert page.evaluate("document.activeElement.dataset.replyTo") == str(second.pk)
    page.locator(f"#comment-{first.pk}").get_by_role("link", name="Reply").click()
    page.locator("#cancel-reply").click()
    assert page.evaluate("document.activeElement.dataset.replyTo") == str(first.pk)
    # After an error, the first field to fix has the focus, and what was typed is still there.
    form = page.locator("#comment-form")
    form.get_by_label("Email").fill("not an address")
    form.get_by_label("Comment").fill("Kept text about Doha.")
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".is-invalid")
    page.wait_for_load_state("load")
    assert active(page) == "id_name"
    assert page.locator("#id_body").input_value() == "Kept text about Doha."
    page.locator("#id_name").fill("Lior")
    page.locator("#comment-form").get_by_role("button", name="Post comment").click()
    page.wait_for_selector("#id_email.is-invalid")
    page.wait_for_load_state("load")
    assert active(page) == "id_email"


def submit_like(page, url, steps):
    """Load the page, then act as a person would, pausing for each operator; the seconds from the page
    arriving to the form being sent (the server, which signed the form's time as it served the page,
    sees a little more)."""
    page.goto(url)
    arrived = time.monotonic()
    sent = arrived
    for pause, action in steps:
        page.wait_for_timeout(pause * 1000)
        sent = time.monotonic()
        action()
    page.wait_for_load_state("load")
    return sent - arrived


def test_how_fast_people_post_and_the_bot_threshold(live_server, browser, capsys):
    threshold = settings.COMMENTS_MIN_SECONDS_TO_WRITE
    article = make_seed_article()
    parent = make_comment(article, name="Mei", body="Pakistan's army holds the key.")
    url = live_server.url + article.get_absolute_url()
    pasted = "Pakistan has leverage, but the Taliban answer to their own council in Quetta, not to Rawalpindi."

    def person(name, remembered=True):
        # Reduced motion: no smooth scrolling, so each click happens when the test says, not after an animation.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
        if remembered:  # the fastest case: name and email filled in from a past visit
            from comments.forms import remember_cookie

            host = live_server.url.split("//", 1)[1].split(":")[0]
            cookie = {"name": "nr_commenter", "value": remember_cookie(name, f"{name.lower()}@example.com")}
            context.add_cookies([{**cookie, "domain": host, "path": "/"}])
        return context.new_page()

    timings = {}
    # Jumps from "N comments" to the form, clicks in the box, pastes, clicks Post.
    page = person("Nia")
    form = page.locator("#comment-form")
    timings["paste a comment"] = submit_like(page, url, [
        (POINT + CLICK, lambda: page.locator(".nr-count-link").click()),
        (POINT + CLICK, lambda: form.get_by_label("Comment").click()),
        (2 * KEY, lambda: form.get_by_label("Comment").fill(pasted)),
        (POINT + CLICK, lambda: form.get_by_role("button", name="Post comment").click()),
    ])  # fmt: skip
    # Clicks Reply under a comment in view, pastes, clicks Post.
    page = person("Omar")
    box = page.locator("#comment-form").get_by_label("Comment")
    timings["paste a reply"] = submit_like(page, f"{url}#comment-{parent.pk}", [
        (POINT + CLICK, lambda: page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").click()),
        (2 * KEY, lambda: box.fill(pasted)),
        (POINT + CLICK, lambda: page.locator("#comment-form").get_by_role("button", name="Post comment").click()),
    ])  # fmt: skip
    # Types a short reply ("Agreed.") as the best typists do.
    page = person("Pia")
    box = page.locator("#comment-form").get_by_label("Comment")
    timings["type 'Agreed.'"] = submit_like(page, f"{url}#comment-{parent.pk}", [
        (POINT + CLICK, lambda: page.locator(f"#comment-{parent.pk}").get_by_role("link", name="Reply").click()),
        (0, lambda: box.press_sequentially("Agreed.", delay=KEY * 1000)),
        (POINT + CLICK, lambda: page.locator("#comment-form").get_by_role("button", name="Post comment").click()),
    ])  # fmt: skip
    # A script fills the form and sends it at once.
    page = person("Bot", remembered=False)
    form = page.locator("#comment-form")

    def script():
        form.get_by_label("Name").fill("Bot")
        form.get_by_label("Email").fill("bot@example.com")
        form.get_by_label("Comment").fill(pasted + " Visit my page.")
        form.get_by_role("button", name="Post comment").click()

    # The server reads the script's speed on a clock the test holds still, so a busy machine (which only
    # makes the people slower) cannot make the script look human.
    frozen = time.time()
    with mock.patch.object(comments.forms, "time", SimpleNamespace(time=lambda: frozen)):
        timings["a script"] = submit_like(page, url, [(0, script)])

    with capsys.disabled():
        print("\nseconds from page served to form sent:", {k: round(v, 2) for k, v in timings.items()})
    people = {k: v for k, v in timings.items() if k != "a script"}
    assert min(people.values()) > threshold > timings["a script"]
    for name in ("Nia", "Omar", "Pia"):
        comment = Comment.objects.get(author_name=name)
        assert "bot.too_fast" not in comment.reasons, (name, comment.reasons)
        assert comment.status == Comment.Status.PUBLISHED, (name, comment.reasons)
    bot = Comment.objects.get(author_name="Bot")
    assert "bot.too_fast" in bot.reasons and bot.status == Comment.Status.HELD


def test_a_reader_who_asks_hears_of_a_reply_by_email(live_server, browser, page, smtp, settings):
    from django.core.management import call_command

    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    article = make_seed_article()
    page.goto(live_server.url + article.get_absolute_url())
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Quinn")
    form.get_by_label("Email").fill("quinn@example.com")
    form.get_by_label("Comment").fill("The Doha deal depends on the prisoner swap.")
    form.get_by_label("Tell me when someone replies (by e-mail)").check()
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".alert-success")
    asked = Comment.objects.get()

    other = browser.new_context().new_page()
    other.goto(live_server.url + article.get_absolute_url())
    other.locator(f"#comment-{asked.pk}").get_by_role("link", name="Reply").click()
    reply_form = other.locator("#comment-form")
    reply_form.get_by_label("Name").fill("Rui")
    reply_form.get_by_label("Email").fill("rui@example.com")
    reply_form.get_by_label("Comment").fill("And on Kabul releasing its share of them.")
    reply_form.get_by_role("button", name="Post comment").click()
    other.wait_for_selector(".alert-success")
    other.context.close()

    call_command("send_outbox")
    assert [m["X-Envelope-To"] for m in smtp.news()] == ["quinn@example.com"]
    link = next(line for line in smtp.bodies()[0].splitlines() if line.startswith("Read it and answer: "))
    reader = page.context.new_page()  # the link, opened from the mail program
    reader.goto(link.removeprefix("Read it and answer: ").replace(settings.SITE_URL, live_server.url))
    reply = Comment.objects.get(parent=asked)
    assert "And on Kabul releasing its share of them." in reader.locator(f"#comment-{reply.pk}").inner_text()


def test_the_sorts_are_one_click(live_server, page):
    article = make_seed_article()
    older = make_comment(article, name="Sam", body="First on Doha.", minutes_ago=10)
    newer = make_comment(article, name="Tea", body="Second on Doha.")
    make_comment(article, name="Uma", body="A reply.", parent=older)
    page.goto(live_server.url + article.get_absolute_url())
    sorts = page.get_by_role("navigation", name="Sort comments")
    sorts.get_by_role("link", name="Newest").click()
    page.wait_for_url("**sort=newest**")
    assert page.locator(".nr-thread .nr-author").first.inner_text() == newer.author_name
    sorts.get_by_role("link", name="Most replies").click()
    page.wait_for_url("**sort=replies**")
    assert page.locator(".nr-thread .nr-author").first.inner_text() == older.author_name
