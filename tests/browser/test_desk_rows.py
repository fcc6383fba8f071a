"""The desk's rows by keyboard: focus follows the selection, a decided row says its new state, a commenter is
sanctioned from the row, and the next rows come by themselves."""

import pytest
from django.contrib import admin
from django.utils import timezone

from commenters.models import Commenter, Sanction
from comments.models import Comment, ModerationEvent
from desk.models import ReviewQueueItem
from desk.roles import ensure_moderators_group
from factories import HOLD_ALL, make_comment, make_seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = "/admin/desk/reviewqueueitem/"
FOCUSED_ROW = "document.activeElement && document.activeElement.matches('#result_list tbody tr')"


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator1", password="a-long-test-password", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def open_desk(page, live_server):
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("moderator1")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + DESK)


def held(n: int) -> list[Comment]:
    article = make_seed_article()
    comments = []
    for i in range(n):
        comment = make_comment(
            article, name=f"Reader {i}", body=f"Held remark {i} on Doha.", policy=HOLD_ALL, minutes_ago=600 - i
        )
        Commenter.objects.filter(email=comment.author_email).update(confirmed_at=timezone.now())
        comments.append(comment)
    return comments


def focused_text(page) -> str:
    assert page.evaluate(FOCUSED_ROW), "the focus is not on a row"
    return str(page.evaluate("document.activeElement.innerText"))


def test_focus_follows_the_selection_and_a_decided_row_says_its_new_state(live_server, page, moderator):
    comments = held(3)
    open_desk(page, live_server)
    rows = [page.locator("#result_list tbody tr", has_text=f"Held remark {n} on") for n in range(3)]
    assert "Held remark 0" in focused_text(page)  # the first row is selected and focused on arrival
    assert rows[0].get_attribute("aria-current") == "true" and rows[0].get_attribute("tabindex") == "-1"
    page.keyboard.press("j")
    assert "Held remark 1" in focused_text(page)
    assert rows[1].get_attribute("aria-current") == "true" and rows[0].get_attribute("aria-current") is None
    page.keyboard.press("k")
    assert "Held remark 0" in focused_text(page)

    page.keyboard.press("a")
    page.wait_for_function("document.querySelectorAll('#result_list tr.desk-done').length === 1")
    assert rows[0].locator(".desk-head .desk-status").inner_text() == "Published"  # no longer "Held for review"
    assert "Held remark 1" in focused_text(page)  # the focus went on with the selection
    page.keyboard.press("3")  # spam
    page.keyboard.press("r")
    page.wait_for_function("document.querySelectorAll('#result_list tr.desk-done').length === 2")
    assert rows[1].locator(".desk-head .desk-status").inner_text() == "Rejected"
    page.keyboard.press("k")
    page.keyboard.press("z")  # undone: the row says it is held again
    page.wait_for_function("document.querySelectorAll('#result_list tr.desk-done').length === 1")
    assert rows[1].locator(".desk-head .desk-status").inner_text() == "Held for review"
    assert "Held remark 1" in focused_text(page)
    # Someone else decides the third meanwhile: the refused row says the state it is in now.
    Comment.objects.filter(pk=comments[2].pk).update(status=Comment.Status.REJECTED, version=5)
    page.keyboard.press("j")
    page.keyboard.press("a")
    rows[2].locator(".desk-conflict").wait_for()
    assert rows[2].locator(".desk-head .desk-status").inner_text() == "Rejected"
    assert [e for e in page.console_errors if "status of 409" not in e] == []


def test_a_commenter_is_sanctioned_from_the_row_by_keyboard(live_server, page, moderator):
    comments = held(2)
    open_desk(page, live_server)
    row = page.locator("#result_list tbody tr", has_text="Held remark 1 on")
    page.keyboard.press("j")
    page.keyboard.press("s")
    kind = row.locator(".desk-sanction-kind")
    assert page.evaluate("document.activeElement.classList.contains('desk-sanction-kind')")
    assert row.locator(".desk-sanction-reason").is_visible()
    # Enter with no reason: refused by the rules, said in the row, the form kept for the reason.
    page.keyboard.press("Enter")
    outcome = row.locator(".desk-sanction-outcome")
    outcome.wait_for()
    assert outcome.inner_text() == "Give the reason: the commenter is told it."
    assert page.evaluate("document.activeElement.classList.contains('desk-sanction-reason')")
    assert not Sanction.objects.exists()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back on the kind: Warn, Pre-moderate, Suspend
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert kind.input_value() == "suspend"
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("Insults, three times this week.")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.desk-sanction-outcome').textContent.startsWith('Suspended')")
    assert outcome.inner_text().startswith(f"Suspended {comments[1].author_email} until ")
    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.email, sanction.reason) == (
        "suspend", comments[1].author_email, "Insults, three times this week.",
    )  # fmt: skip
    assert sanction.ends_at is not None
    assert 2.9 < (sanction.ends_at - timezone.now()).total_seconds() / 86400 <= 3
    # The form closed and the focus is back on the row, whose keys work again.
    assert not row.locator(".desk-sanction-reason").is_visible()
    assert "Held remark 1" in focused_text(page)
    page.keyboard.press("a")
    page.wait_for_function("document.querySelectorAll('#result_list tr.desk-done').length === 1")
    assert Comment.objects.get(pk=comments[1].pk).status == Comment.Status.PUBLISHED
    # Escape closes the form without sending it.
    page.keyboard.press("k")
    page.keyboard.press("s")
    page.keyboard.press("Escape")
    assert "Held remark 0" in focused_text(page) and Sanction.objects.count() == 1
    assert [e for e in page.console_errors if "status of 400" not in e] == []  # the refusal, logged by the browser


def test_the_next_rows_load_by_themselves(live_server, page, moderator, monkeypatch):
    monkeypatch.setattr(admin.site._registry[ReviewQueueItem], "list_per_page", 5)
    comments = held(12)
    open_desk(page, live_server)
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    assert page.locator("#result_list tbody tr").count() == 5
    for n in range(12):
        # The next row is there (added by the desk itself when few were left) before its key is pressed.
        page.wait_for_function("!!document.querySelector('#result_list tr.desk-current:not(.desk-done)')")
        assert f"Held remark {n} on" in focused_text(page)
        page.keyboard.press("a")
        page.wait_for_function(f"document.querySelectorAll('#result_list tr.desk-done').length === {n + 1}")
        if n == 0:
            page.wait_for_function("document.querySelectorAll('#result_list tbody tr').length === 6")
            assert "1 more comment loaded below." in page.locator("#desk-status").inner_text()
            tabs = page.get_by_role("navigation", name="Queues").inner_text()
            assert "To review 11" in tabs and "Approved 1" in tabs  # the tabs' counts, as of the rows fetched
    page.wait_for_function(
        "document.getElementById('desk-status').textContent.includes('No more comments waiting in this tab.')"
    )
    shown = page.locator("#result_list tbody tr .desk-head").evaluate_all("heads => heads.map(h => h.dataset.comment)")
    assert shown == [str(c.pk) for c in comments]  # each once, in the queue's order
    assert ModerationEvent.objects.filter(actor=moderator, action="approve").count() == 12
    assert loads == []  # not one page load
    assert page.console_errors == []


def test_without_javascript_the_rows_sanction_form_comes_back_to_the_same_desk(live_server, browser, moderator):
    comments = held(2)
    page = browser.new_context(java_script_enabled=False).new_page()
    open_desk(page, live_server)
    desk = live_server.url + DESK + "?queue=held&traffic=all"
    page.goto(desk)
    row = page.locator("#result_list tbody tr", has_text="Held remark 0 on")
    row.locator("summary", has_text="sanction").click()
    row.locator(".desk-sanction-kind").select_option("ban")
    row.locator(".desk-sanction-reason").fill("Spam links, every day.")
    row.get_by_role("button", name="Sanction").click()
    page.wait_for_load_state("load")
    assert page.url == desk  # the same tab and filters
    assert f"Banned {comments[0].author_email}: Spam links, every day." in page.locator(".messagelist").inner_text()
    assert list(Sanction.objects.values_list("email", "kind")) == [(comments[0].author_email, "ban")]
    page.context.close()
