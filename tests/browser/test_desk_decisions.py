"""The desk by keyboard and mouse: what a row shows is what is applied, a stale row is refused, undo."""

import datetime as dt

import pytest
from django.utils import timezone

from commenters.models import Commenter
from comments.models import Comment, ModerationEvent
from comments.services import Seen, comment_decide
from factories import HOLD_ALL, make_comment, make_seed_article
from outbox.models import OutboundEmail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = "/admin/desk/reviewqueueitem/"


def open_desk(page, live_server):
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("moderator1")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + DESK)


def held_with_suggestions(suggestions: list[str]) -> list[Comment]:
    article = make_seed_article()
    comments = []
    for n, family in enumerate(suggestions):
        comment = make_comment(
            article, name=f"Reader {n}", body=f"Held remark {n} on Doha.", policy=HOLD_ALL, minutes_ago=60 - n
        )
        Comment.objects.filter(pk=comment.pk).update(reasons=[f"{family}.test"])  # the row's suggestion
        Commenter.objects.filter(email=comment.author_email).update(confirmed_at=timezone.now())
        comments.append(comment)
    return comments


def test_the_reason_applied_is_the_reason_the_row_shows(live_server, page, moderators):
    comments = held_with_suggestions(
        ["abusive", "spam", "off_topic", "abusive", "spam", "abusive", "off_topic", "spam"]
    )
    open_desk(page, live_server)
    rows = [page.locator("#result_list tbody tr", has_text=f"Held remark {n} on") for n in range(len(comments))]
    shown: dict[int, str] = {}  # comment -> what its row showed when it was decided: a reason, or "approve"
    decided = 0

    def showing(n: int) -> str:
        return str(rows[n].locator("select.desk-reason").input_value())

    def key(n: int, name: str) -> None:
        nonlocal decided
        assert "desk-current" in (rows[n].get_attribute("class") or ""), f"row {n} is not the selected one"
        shown[comments[n].pk] = showing(n) if name == "r" else "approve"
        page.keyboard.press(name)
        decided += 1
        page.wait_for_function(f"document.querySelectorAll('#result_list tr.desk-done').length === {decided}")

    assert showing(0) == "abusive"
    page.keyboard.press("2")  # off-topic, here and in the rows below
    assert [showing(n) for n in range(8)] == ["off_topic"] * 8
    key(0, "r")
    # The case: a later row shows another reason than the last key picked; what it shows is applied.
    rows[1].locator("select.desk-reason").select_option("abusive")
    key(1, "r")
    key(2, "a")
    page.keyboard.press("3")  # spam in row 3 and the rows below it
    rows[5].locator("select.desk-reason").select_option("off_topic")  # picked by mouse further down: row 5 selected
    page.keyboard.press("k")
    page.keyboard.press("1")  # row 4: abusive, and the rows below but row 5, which keeps the moderator's own pick
    assert [showing(n) for n in range(3, 8)] == ["spam", "abusive", "off_topic", "abusive", "abusive"]
    page.keyboard.press("k")
    key(3, "r")  # spam
    key(4, "r")  # abusive
    rows[5].locator("select.desk-reason").select_option("spam")
    shown[comments[5].pk] = showing(5)
    rows[5].get_by_role("button", name="Reject").click()  # a click: the row's dropdown too
    decided += 1
    page.wait_for_function(f"document.querySelectorAll('#result_list tr.desk-done').length === {decided}")
    key(6, "a")
    page.keyboard.press("4")  # other: the note is asked for; the dialog is dismissed, so nothing is decided
    page.keyboard.press("r")
    assert page.dialogs and "note" in page.dialogs[-1]
    page.keyboard.press("2")
    key(7, "r")
    applied = {
        e.comment_id: (e.reason if e.action == "reject" else "approve")
        for e in ModerationEvent.objects.filter(actor=moderators[0])
    }
    assert applied == shown
    assert list(shown.values()) == [
        "off_topic", "abusive", "approve", "spam", "abusive", "spam", "approve", "off_topic",
    ]  # fmt: skip
    assert page.console_errors == []


def test_a_stale_row_says_who_decided_and_a_decision_is_undone(live_server, page, moderators):
    first, second = held_with_suggestions(["abusive", "spam"])
    open_desk(page, live_server)
    row = page.locator("#result_list tbody tr", has_text="Held remark 0 on")
    # Moderator 2 decides the first comment after moderator 1's desk has loaded it.
    comment_decide(comment=first, actor=moderators[1], decision="reject", reason="abusive", seen=Seen.of(first))
    page.keyboard.press("a")
    conflict = row.locator(".desk-conflict")
    conflict.wait_for()
    assert conflict.inner_text().startswith("moderator2 rejected this") and "— abusive" in conflict.inner_text()
    assert row.get_by_role("button", name="Publish").is_visible()  # the row's controls for the state now
    assert "Rejected" in row.locator(".desk-head").inner_text()
    assert not ModerationEvent.objects.filter(actor=moderators[0]).exists()

    other = page.locator("#result_list tbody tr", has_text="Held remark 1 on")
    page.keyboard.press("j")
    page.keyboard.press("a")
    other.get_by_role("button", name="Undo").wait_for()
    assert OutboundEmail.objects.filter(comment=second, kind="decision", sent_at__isnull=True).count() == 1
    page.keyboard.press("z")
    page.wait_for_function("!document.querySelector('#result_list tr.desk-done')")
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.HELD
    assert not OutboundEmail.objects.filter(comment=second, kind="decision").exists()  # it sends nothing
    assert "Undone" in page.locator("#desk-status").inner_text()
    # Again, undone with the row's button this time.
    page.keyboard.press("a")
    other.get_by_role("button", name="Undo").click()
    page.wait_for_function("!document.querySelector('#result_list tr.desk-done')")
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.HELD
    # And once the window has passed, undo is refused and says why.
    page.keyboard.press("a")
    other.get_by_role("button", name="Undo").wait_for()
    approved = ModerationEvent.objects.filter(comment=second, action="approve").latest("id")
    ModerationEvent.objects.filter(pk=approved.pk).update(undo_until=timezone.now() - dt.timedelta(seconds=1))
    page.keyboard.press("z")
    page.wait_for_function("document.getElementById('desk-status').textContent.startsWith('Too late to undo')")
    assert Comment.objects.get(pk=second.pk).status == Comment.Status.PUBLISHED
    actions = list(ModerationEvent.objects.filter(comment=second, actor=moderators[0]).values_list("action", flat=True))
    assert actions == ["approve", "undo", "approve", "undo", "approve"]
    # The browser logs each refusal (409) it was answered; nothing else went wrong.
    assert [e for e in page.console_errors if "status of 409" not in e] == []


def test_the_f_key_features_a_published_comment_and_the_section_lists_it(live_server, page, moderators):
    article = make_seed_article()
    comment = make_comment(article, name="Amina", body="A thoughtful view on the Doha talks.", minutes_ago=5)
    open_desk(page, live_server)
    page.goto(live_server.url + DESK + "?queue=recent")
    row = page.locator("#result_list tbody tr", has_text="A thoughtful view on the Doha talks.")
    row.click()  # selects the row
    page.keyboard.press("f")  # no page load: the row's button says it, and the desk's status
    page.locator("#desk-status", has_text="Featured: the section's Featured tab lists it.").wait_for()
    assert row.get_by_role("button", name="Feature").get_attribute("aria-pressed") == "true"
    assert page.url.endswith("?queue=recent")
    comment.refresh_from_db()
    assert comment.featured_at is not None
    assert ModerationEvent.objects.filter(comment=comment, action="feature", actor=moderators[0]).exists()
    page.goto(live_server.url + article.get_absolute_url())
    page.get_by_role("link", name="Featured").click()
    page.locator('#comments strong[aria-current="true"]', has_text="Featured").wait_for()
    assert "A thoughtful view on the Doha talks." in page.locator("#featured-comments").inner_text()
