"""An appeal as its author and the desk make it: the author reads why their comment is hidden beside it, appeals
with a note, and a moderator other than the one who decided answers it on the desk's Appeals tab by keyboard."""

import pytest
from django.utils import timezone

from commenters.models import Commenter
from comments.appeals import appeal_token
from comments.models import Appeal, Comment
from comments.services import comment_decide
from factories import HOLD_ALL, make_comment, make_seed_article
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = "/admin/desk/reviewqueueitem/"


@pytest.fixture(autouse=True)
def instant_forms(settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0
    forget_active_policy()
    yield
    forget_active_policy()


def log_in(page, live_server, name):
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_a_reader_appeals_from_the_page_and_another_moderator_overturns_it_by_keyboard(
    live_server, page, browser, moderators
):
    article = make_seed_article()
    # The reader posts; every comment is held; the first moderator rejects it.
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": HOLD_ALL.mode})
    forget_active_policy()
    page.goto(live_server.url + article.get_absolute_url())
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Amina")
    form.get_by_label("Email").fill("amina@example.com")
    body = "Khalilzad said the talks would fail; I am quoting him, not insulting anyone."
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Post comment").click()
    page.wait_for_selector(".nr-notice-held")
    comment = Comment.objects.get(body=body)
    Commenter.objects.filter(email="amina@example.com").update(confirmed_at=timezone.now())
    comment_decide(comment=comment, actor=moderators[0], decision="reject", reason="abusive")

    # Beside the comment: what was decided, by whom, and the way to appeal.
    page.reload()
    own = page.locator(f"#comment-{comment.pk}")
    assert "A moderator did not publish your comment" in own.inner_text()
    assert "Decided by a moderator." in own.inner_text()
    own.get_by_role("link", name="Why, and how to appeal").click()
    page.wait_for_selector("h1:has-text('Why your comment is hidden')")
    assert "Abusive or hateful" in page.locator(".nr-statement").inner_text()
    page.get_by_label("Why the decision should change").fill("I quoted the envoy's own words.")
    page.get_by_role("button", name="Send my appeal").click()
    page.wait_for_selector("text=Your appeal is sent")
    assert Appeal.objects.get().status == Appeal.Status.OPEN

    # The moderator who decided sees it on the Appeals tab but is not the one to answer it.
    desk = browser.new_context().new_page()
    log_in(desk, live_server, "moderator1")
    desk.goto(live_server.url + DESK + "?queue=appeals")
    row = desk.locator("#result_list tbody tr", has_text="I quoted the envoy's own words.")
    assert "against moderator1's decision" in row.inner_text()
    desk.keyboard.press("a")
    desk.wait_for_selector("text=another moderator decides the appeal")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.REJECTED

    # Another moderator overturns it with the same key.
    other = browser.new_context().new_page()
    log_in(other, live_server, "moderator2")
    other.goto(live_server.url + DESK + "?queue=appeals")
    other.locator("#result_list tbody tr", has_text="I quoted the envoy's own words.").wait_for()
    other.keyboard.press("a")
    other.wait_for_function("document.querySelectorAll('#result_list tr.desk-done').length === 1")
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    assert Appeal.objects.get().status == Appeal.Status.OVERTURNED

    # The author's page says so.
    page.goto(page.url)
    assert "Your appeal was accepted" in page.locator(".nr-appeal-status").inner_text()


def test_the_form_refuses_an_empty_appeal_and_keeps_what_was_typed_when_too_long(live_server, page, moderators):
    article = make_seed_article()
    comment = make_comment(article, policy=HOLD_ALL)
    comment_decide(comment=comment, actor=moderators[0], decision="reject", reason="spam")
    page.goto(live_server.url + f"/comments/appeal/{appeal_token(comment)}/")
    field = page.get_by_label("Why the decision should change")
    assert field.get_attribute("required") is not None and field.get_attribute("maxlength") == "2000"
    # A client that skips the browser's own checks is answered by the server, with the text kept.
    page.evaluate("document.querySelector('#appeal-note').removeAttribute('maxlength')")
    field.fill("No. " * 600)
    page.get_by_role("button", name="Send my appeal").click()
    page.wait_for_selector("text=Keep your appeal under 2000 characters")
    assert page.get_by_label("Why the decision should change").input_value().startswith("No. No. ")
    assert not Appeal.objects.exists()
