import pytest

from comments.models import Comment, ModerationEvent
from desk.roles import ensure_moderators_group
from factories import make_comment, make_seed_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def instant_forms(settings):
    settings.COMMENTS_MIN_SECONDS_TO_WRITE = 0


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moderator", password="a-long-test-password", is_staff=True)
    user.groups.add(ensure_moderators_group())
    return user


def log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_held_comment_is_approved_in_the_admin_and_appears(live_server, browser, page, moderator):
    article = make_seed_article()
    reader = browser.new_context().new_page()
    reader.goto(live_server.url + article.get_absolute_url())
    form = reader.locator("#comment-form")
    form.get_by_label("Name").fill("Farah")
    form.get_by_label("Email").fill("farah@example.com")
    # A whole recipe: about something else enough to be held (a sentence of it would be published and flagged).
    form.get_by_label("Comment").fill(
        "I baked banana bread with ripe bananas and cinnamon for the whole street. "
        "Mash four of them with a fork until smooth, then fold in melted butter, brown sugar and a beaten egg. "
        "Sift the flour with baking soda and a pinch of nutmeg before stirring it through. "
        "Chopped walnuts or dark chocolate chips make it richer. "
        "Bake it in a greased loaf tin for an hour and let it cool on a wire rack before slicing. "
        "A smear of salted butter and a mug of cocoa finish it off."
    )
    form.get_by_role("button", name="Post comment").click()
    held = Comment.objects.get()
    notice = reader.locator(f"#comment-{held.pk} .nr-notice").inner_text()
    assert "Awaiting moderation" in notice and "off-topic" in notice
    assert held.status == Comment.Status.HELD

    log_in(page, live_server)
    assert "1" in page.locator(".held-count").inner_text()
    page.get_by_role("link", name="held for review").click()
    row = page.locator("#result_list tbody tr", has_text="banana bread")
    assert "off_topic" in row.inner_text()
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("approve")
    page.locator(".actions button[type=submit]").click()  # "Go" in Django 5.2, "Run" in 6.1
    assert "1 comment approved." in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(page.shots / "queue.png"), full_page=True)

    held.refresh_from_db()
    assert held.status == Comment.Status.PUBLISHED
    assert ModerationEvent.objects.filter(comment=held, action="approve", actor=moderator).exists()
    visitor = browser.new_context().new_page()
    visitor.goto(live_server.url + article.get_absolute_url())
    assert visitor.locator(f"#comment-{held.pk}").is_visible()
    assert visitor.locator(f"#comment-{held.pk} .nr-notice").count() == 0
    # On their next visit the author hears what the moderator decided, beside the comment.
    reader.reload()
    assert "A moderator read your comment and published it." in reader.locator(f"#comment-{held.pk}").inner_text()
    reader.context.close()
    visitor.context.close()


def test_reader_reports_a_comment_and_it_enters_the_queue(live_server, page, browser, moderator):
    article = make_seed_article()
    comment = make_comment(article, name="Gul", body="The Haqqani network is the real power broker here.")
    page.goto(live_server.url + article.get_absolute_url())
    node = page.locator(f"#comment-{comment.pk}")
    node.get_by_role("link", name="Report").click()
    # The page's one report form has moved under this comment, its choice of reason focused.
    assert page.evaluate("document.activeElement.id") == "report-reason"
    node.get_by_label("Why should a moderator look at this?").select_option("off_topic")
    node.get_by_role("button", name="Send report").click()
    # The thanks is said under the comment reported, where the reader is (not at the top of the page).
    assert "A moderator will look at this comment" in page.locator(f"#report-notice-{comment.pk}").inner_text()
    assert page.locator(f"#comment-{comment.pk}").is_visible()  # stays published until a moderator decides

    admin = browser.new_context().new_page()
    admin.shots = page.shots
    log_in(admin, live_server)
    admin.get_by_role("link", name="reported by readers").click()
    row = admin.locator("#result_list tbody tr", has_text="Haqqani network")
    assert "Reported" in row.inner_text()
    admin.context.close()


def test_reader_reports_without_javascript(live_server, browser):
    article = make_seed_article()
    comment = make_comment(article, name="Ola", body="Islamabad's role in the Doha process is overstated.")
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Report").click()
    node = page.locator(f"#comment-{comment.pk}")
    node.get_by_label("Why should a moderator look at this?").select_option("spam")
    node.get_by_role("button", name="Send report").click()
    # The thanks is said under the comment reported, where the reader is (not at the top of the page).
    assert "A moderator will look at this comment" in page.locator(f"#report-notice-{comment.pk}").inner_text()
    comment.refresh_from_db()
    assert comment.open_reports == 1
    page.context.close()


def test_a_moderator_decides_fifty_comments_by_keyboard_alone(live_server, page, moderator, capsys):
    from factories import HOLD_ALL

    article = make_seed_article()
    held = [
        make_comment(article, name=f"Reader {n}", body=f"Held remark number {n} about the Doha talks.", policy=HOLD_ALL)
        for n in range(50)
    ]
    log_in(page, live_server)
    page.goto(live_server.url + "/admin/desk/reviewqueueitem/")
    page.wait_for_load_state("load")
    tabs = page.get_by_role("navigation", name="Queues")
    assert "To review 50" in tabs.inner_text() and "Held 50" in tabs.inner_text()
    page.set_viewport_size({"width": 1280, "height": 800})
    in_view = page.evaluate(
        "() => [...document.querySelectorAll('#result_list tbody tr')]"
        ".filter(r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight; }).length"
    )
    assert in_view >= 5, in_view  # compact rows: the first screen shows several (it showed four, wrapping)
    loads = []
    page.on("load", lambda _: loads.append(page.url))
    keys = 0
    page.keyboard.press("2")  # pick "off-topic" as the reason for the rejections to come
    keys += 1
    for n in range(50):
        page.keyboard.press("a" if n % 2 == 0 else "r")
        keys += 1
        page.wait_for_function(f"document.querySelectorAll('#result_list tr.desk-done').length === {n + 1}")
    decided = {c.pk: c.status for c in Comment.objects.filter(pk__in=[c.pk for c in held])}
    assert list(decided.values()).count(Comment.Status.PUBLISHED) == 25
    assert list(decided.values()).count(Comment.Status.REJECTED) == 25
    assert set(ModerationEvent.objects.filter(action="reject").values_list("reason", flat=True)) == {"off_topic"}
    assert ModerationEvent.objects.filter(actor=moderator).count() == 50
    assert loads == []  # not one page load
    with capsys.disabled():
        print(f"\n50 decisions by keyboard: {keys} keystrokes ({(keys - 1) / 50:.0f} a decision after picking "
              f"the reason once), {len(loads)} page loads; rows in view at 1280x800: {in_view}")  # fmt: skip


def test_the_desk_keys_and_the_next_comment_after_a_decision(live_server, page, moderator):
    from factories import HOLD_ALL

    article = make_seed_article()
    first = make_comment(article, name="Ama", body="You are a brainless idiot.", policy=HOLD_ALL, minutes_ago=3)
    second = make_comment(article, name="Ben", body="Second held remark on Doha.", policy=HOLD_ALL, minutes_ago=2)
    reported = make_comment(article, name="Cai", body="A published remark that a reader reported.")
    Comment.objects.filter(pk=reported.pk).update(open_reports=1)
    log_in(page, live_server)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/desk/reviewqueueitem/")
    # At 1280 px nothing overflows: the status, the age and the buttons are in view.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    row = page.locator("#result_list tbody tr", has_text="Cai")
    assert row.get_by_role("button", name="Keep published").is_visible()
    assert row.locator(".desk-age").is_visible() and "Reported" in row.locator(".desk-head").inner_text()
    page.keyboard.press("?")
    assert page.locator("#desk-help").is_visible()
    page.keyboard.press("?")
    page.keyboard.press("j")
    page.keyboard.press("k")  # back on the first row
    page.keyboard.press("o")
    page.wait_for_url(f"**/reviewqueueitem/{first.pk}/change/")
    # From the comment's own page, a decision opens the next comment waiting.
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url(f"**/reviewqueueitem/{second.pk}/change/")
    assert Comment.objects.get(pk=first.pk).status == Comment.Status.REJECTED
    assert ModerationEvent.objects.get(comment=first, action="reject").reason == "abusive"  # the suggestion
