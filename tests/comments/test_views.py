import re
import time
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

import comments.forms
from comments.forms import signed_start
from comments.models import Comment, CommentReport, ModerationEvent
from factories import HOLD_ALL, comment_form_data, make_article, make_comment, make_seed_article, signed_started
from newsroom import cache as newsroom_cache

pytestmark = pytest.mark.django_db


def post_url(article):
    return f"/articles/{article.slug}/comments/"


@contextmanager
def form_clock_held_still():
    """The form's clock (when it was served, when it came back), held still by the test: a form sent "at
    once" is read as sent at once, however long a busy machine takes between the two."""
    now = time.time()
    with mock.patch.object(comments.forms, "time", SimpleNamespace(time=lambda: now)):
        yield now


def test_posting_publishes_redirects_and_shows_the_comment(client):
    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data())
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PUBLISHED
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "Khalilzad is right to press Pakistan" in page
    assert f'id="comment-{comment.pk}"' in page
    assert ModerationEvent.objects.filter(comment=comment, action="auto", new_status="published").exists()
    assert "amina@example.com" not in page  # email is stored, never shown


def test_reload_of_the_same_form_stores_one_comment(client):
    article = make_seed_article()
    data = comment_form_data()
    first = client.post(post_url(article), data)
    second = client.post(post_url(article), data)
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize("limits", ["", "1/5s"], ids=["limits-off", "too-fast"])
def test_a_reload_after_the_forms_claim_ran_out_stores_one_comment_and_answers_with_it(client, settings, limits):
    """The first copy of a form claims it in the shared cache and asks the database nothing; a copy sent after
    the claim ran out (a reader back at the tab later) is found by the token's unique index, or by the too-fast
    check, and answered with the comment stored before: not stored twice, not refused."""
    settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = limits
    article = make_seed_article()
    data = comment_form_data()
    first = client.post(post_url(article), data)
    newsroom_cache.call("delete", f"comments:form-in-flight:{data['token']}")
    again = client.post(post_url(article), data)
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    comment = Comment.objects.get()
    assert ModerationEvent.objects.filter(comment=comment).count() == 1


def test_a_reload_after_the_claim_ran_out_and_the_story_closed_shows_the_comment_it_stored(client):
    from commenters.models import StorySettings

    article = make_seed_article()
    data = comment_form_data()
    first = client.post(post_url(article), data)
    newsroom_cache.call("delete", f"comments:form-in-flight:{data['token']}")
    StorySettings.objects.create(article=article, comments_open=False)
    again = client.post(post_url(article), data)
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    other = client.post(post_url(article), comment_form_data(body="A new comment on the talks in Doha."))
    assert other.status_code == 403 and Comment.objects.count() == 1


def test_invalid_form_keeps_what_the_reader_typed(client):
    article = make_seed_article()
    response = client.post(
        post_url(article), comment_form_data(email="not-an-email", body="My careful words about Doha.")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "My careful words about Doha." in html
    assert 'value="Amina"' in html
    assert "Enter a valid email address" in html
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 51, "at most 50 characters"),
        ("body", "x" * 3001, "at most 3000 characters"),
        ("body", "   ", "This field is required"),
        ("name", "", "This field is required"),
    ],
)
def test_limits(client, field, value, message):
    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


def test_reply_nests_under_parent_with_replying_to(client):
    article = make_seed_article()
    parent = make_comment(article, name="Bilal")
    response = client.post(
        post_url(article), comment_form_data(parent=parent.pk, body="Exactly, and the prisoner swap too.")
    )
    reply = Comment.objects.get(parent=parent)
    assert response.status_code == 302
    assert (reply.root_id, reply.depth) == (parent.pk, 1)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Replying to Bilal" in html
    assert html.index(f'id="comment-{parent.pk}"') < html.index(f'id="comment-{reply.pk}"')
    assert 'class="nr-comment nr-depth-1' in html


@pytest.mark.parametrize("case", ["other_article", "held", "removed", "missing"])
def test_reply_to_a_comment_that_cannot_be_answered_is_a_form_error(client, case):
    article = make_seed_article()
    other = make_article()
    target = {
        "other_article": lambda: make_comment(other),
        "held": lambda: make_comment(article, status=Comment.Status.HELD),
        "removed": lambda: make_comment(article, status=Comment.Status.REMOVED),
        "missing": lambda: type("Missing", (), {"pk": 999999})(),
    }[case]()
    response = client.post(post_url(article), comment_form_data(parent=target.pk, body="Words I do not want to lose."))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Words I do not want to lose." in html
    assert "Your text is kept" in html
    assert not Comment.objects.filter(body="Words I do not want to lose.").exists()


def test_no_javascript_reply_link_sets_the_form_to_reply(client):
    article = make_seed_article()
    parent = make_comment(article, name="Chen")
    html = client.get(f"{article.get_absolute_url()}?reply_to={parent.pk}").content.decode()
    assert re.search(r'<p id="replying-to"[^>]*>\s*Replying to <strong id="replying-to-name">Chen</strong>', html)
    assert re.search(rf'name="parent" value="{parent.pk}"', html)
    assert "Cancel reply" in html
    # A bogus reply_to is ignored, not an error.
    assert client.get(f"{article.get_absolute_url()}?reply_to=abc").status_code == 200


def test_held_comment_is_shown_to_its_author_only(client, django_user_model):
    from policies.models import ModerationPolicy

    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "hold_all"})
    from policies.selectors import forget_active_policy

    forget_active_policy()
    article = make_seed_article()
    response = client.post(
        post_url(article), comment_form_data(body="Pakistan's role in Doha was pivotal."), follow=True
    )
    html = response.content.decode()
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    # The notice sits in the comment's own block, where the page lands, not at the top of the page.
    block = html[html.index(f'id="comment-{comment.pk}"') :]
    block = block[: block.index("</article>")]
    assert "Pakistan&#x27;s role in Doha was pivotal." in block
    assert "Awaiting moderation — only you can see this. It was held because it waits for a moderator" in block
    # And it stays there on reload, while the comment waits.
    again = client.get(article.get_absolute_url()).content.decode()
    assert "Awaiting moderation — only you can see this." in again

    from django.test import Client

    stranger = Client().get(article.get_absolute_url()).content.decode()
    assert "Pakistan&#x27;s role in Doha was pivotal." not in stranger
    forget_active_policy()


def test_bot_signals_hold_the_comment(client):
    article = make_seed_article()
    client.post(post_url(article), comment_form_data(website="http://spam.example"))
    with form_clock_held_still() as now:
        quick = comment_form_data(body="Quick words on Doha.")
        client.post(post_url(article), {**quick, "started": signed_start(quick["token"], at=now)})
    statuses = list(Comment.objects.values_list("status", flat=True))
    assert statuses == [Comment.Status.HELD, Comment.Status.HELD]
    assert all(any(r.startswith("bot.") for r in c.reasons) for c in Comment.objects.all())


@pytest.mark.parametrize("started", ["garbage", signed_started(seconds_ago=3 * 24 * 3600)])
def test_stale_or_forged_timestamp_asks_to_resubmit_and_keeps_text(client, started):
    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data(started=started, body="Keep me, please."))
    assert response.status_code == 400
    html = response.content.decode()
    assert "press Post comment again" in html and "Keep me, please." in html
    assert Comment.objects.count() == 0


def test_bodies_and_names_are_escaped_and_line_breaks_kept(client):
    article = make_seed_article()
    make_comment(article, name="<b>Eve</b>", body='<script>alert(1)</script>\nsecond line <a href="http://x">x</a>')
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line &lt;a href=" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html


def test_removed_comment_with_replies_leaves_a_tombstone(client):
    article = make_seed_article()
    parent = make_comment(article, body="Original take on the Taliban talks.")
    reply = make_comment(article, parent=parent, body="Reply that must keep its context.")
    lonely = make_comment(article, body="Removed and nobody answered.")
    Comment.objects.filter(pk__in=[parent.pk, lonely.pk]).update(status=Comment.Status.REMOVED)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was removed" in html
    assert "Original take" not in html and "Removed and nobody answered." not in html
    assert "Reply that must keep its context." in html
    assert html.count("This comment was removed") == 1
    assert html.index("This comment was removed") < html.index(f'id="comment-{reply.pk}"')


def test_deep_replies_stay_at_the_last_level_and_name_their_parent(client, settings):
    settings.COMMENTS_MAX_DEPTH = 3
    settings.COMMENTS_REPLIES_WITH_THREAD = 10  # the whole chain under the article
    article = make_seed_article()
    chain = [make_comment(article, name="Level0")]
    for level in range(1, 6):
        chain.append(make_comment(article, parent=chain[-1], name=f"Level{level}"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "nr-depth-4" not in html and "nr-depth-5" not in html
    for level in range(1, 6):
        assert f"Replying to Level{level - 1}" in html
    assert html.count("nr-depth-3") == 3


def test_sorting_and_pagination(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    article = make_seed_article()
    a = make_comment(article, body="Alpha comment on Kabul.", minutes_ago=30)
    b = make_comment(article, body="Bravo comment on Doha.", minutes_ago=20)
    c = make_comment(article, body="Charlie comment on Islamabad.", minutes_ago=10)
    make_comment(article, parent=b, body="reply one")
    make_comment(article, parent=b, body="reply two")
    url = article.get_absolute_url()

    def order(html):
        return sorted((x for x in ("Alpha", "Bravo", "Charlie") if x in html), key=html.index)

    assert order(client.get(url).content.decode()) == ["Alpha", "Bravo"]
    assert order(client.get(url + "?page=2").content.decode()) == ["Charlie"]
    newest = client.get(url + "?sort=newest").content.decode()
    assert newest.index("Charlie") < newest.index("Bravo")
    replies = client.get(url + "?sort=replies").content.decode()
    assert order(replies)[0] == "Bravo"
    assert ">5<" in client.get(url).content.decode()  # the count of published comments
    assert client.get(url + "?page=999&sort=bogus").status_code == 200
    del a, c


def test_section_queries_do_not_grow_with_comments(client):
    article = make_seed_article()
    for n in range(5):
        top = make_comment(article, body=f"Thread {n} about the Doha deal.")
        make_comment(article, parent=top, body="A reply.")
    client.get(article.get_absolute_url())  # the active policy is then cached, as on a live site
    with CaptureQueriesContext(connection) as small:
        assert client.get(article.get_absolute_url()).status_code == 200
    for n in range(60):
        top = make_comment(article, body=f"More {n} on the Taliban.")
        child = make_comment(article, parent=top, body="A reply.")
        make_comment(article, parent=child, body="A deeper reply.")
    client.get(article.get_absolute_url())  # the counts are then cached again, until the next comment
    with CaptureQueriesContext(connection) as large:
        assert client.get(article.get_absolute_url()).status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 12


def test_the_counts_are_cached_and_change_as_soon_as_a_comment_does(client):
    from comments import services

    article = make_seed_article()
    first = make_comment(article, body="Thread one about the Doha deal.")
    make_comment(article, parent=first, body="A reply on Doha.")
    url = article.get_absolute_url()
    assert "2 comments" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as counted:
        client.get(url)
    assert not any("COUNT(" in q["sql"] for q in counted.captured_queries)  # read once, not per view
    # A new comment, a moderator's decision: the count follows at once.
    make_comment(article, body="Thread two about the Taliban.")
    assert "3 comments" in client.get(url).content.decode()
    services.comment_reject(comment=first, actor=None, reason="abusive")
    html = client.get(url).content.decode()
    assert "2 comments" in html
    assert "This comment was removed" in html  # the rejected thread keeps its published reply, as a tombstone


def test_report_puts_a_published_comment_in_the_queue_and_keeps_it_up(client):
    article = make_seed_article()
    comment = make_comment(article)
    response = client.post(f"/comments/{comment.pk}/report/", {"reason": "abusive", "note": "rude"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED and comment.open_reports == 1
    assert Comment.objects.needing_review().filter(pk=comment.pk).exists()
    assert CommentReport.objects.get().reason == "abusive"
    assert ModerationEvent.objects.filter(comment=comment, action="report").exists()


def test_report_with_bad_input_is_not_a_500(client):
    article = make_seed_article()
    comment = make_comment(article)
    assert client.post(f"/comments/{comment.pk}/report/", {"reason": "nonsense"}).status_code == 302
    assert client.post("/comments/999999/report/", {"reason": "spam"}).status_code == 404
    assert client.get(f"/comments/{comment.pk}/report/").status_code == 405
    assert CommentReport.objects.count() == 0


def test_bot_signals_are_judged_like_any_check_so_status_reasons_and_audit_agree(client):
    article = make_seed_article()
    # The hidden field filled in, and a swear word at someone: rejected, for both, said alike everywhere.
    client.post(post_url(article), comment_form_data(website="http://spam.example", body="Fuck you, Khalilzad fan."))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.REJECTED
    assert {"abusive.profanity", "bot.honeypot"} <= set(comment.reasons)  # the learned model may agree
    note = comment.events.get().note
    assert note.startswith("Your comment was not published because it swears at someone")
    assert "filled in a field people cannot see" in note
    assert [r["code"] for r in comment.explanation] == comment.reasons


def test_a_service_rule_is_shown_beside_its_field_with_the_text_kept(client):
    article = make_seed_article()
    long_email = "a" * 250 + "@example.com"  # a valid shape, longer than an address can be stored
    response = client.post(post_url(article), comment_form_data(email=long_email, body="Words to keep."))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Words to keep." in html and "at most 254 characters" in html
    assert not Comment.objects.exists()


def test_posting_costs_the_same_queries_whatever_the_articles_size(client, settings):
    settings.COMMENTS_RATE_PER_IP = settings.COMMENTS_RATE_PER_EMAIL = ""
    client.post(post_url(make_article()), comment_form_data())  # the session and the cached policy exist from now on
    counts = []
    for size in (2, 40):
        article = make_article()
        for n in range(size):
            make_comment(article, body=f"Parliament and the budget, remark {n}.")
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(post_url(article), comment_form_data(body="The budget vote in parliament matters."))
        assert response.status_code == 302
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_emails_are_stored_lower_cased_so_a_regular_is_matched_exactly(client):
    article = make_seed_article()
    client.post(post_url(article), comment_form_data(email="Amina.K@Example.COM"))
    assert Comment.objects.get().author_email == "amina.k@example.com"


def test_one_report_form_per_page_shown_under_the_comment_without_javascript(client):
    article = make_seed_article()
    first, second = make_comment(article, body="First remark on Doha."), make_comment(article, body="Second remark.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('id="report-form"') == 1 and html.count('name="reason"') == 1
    assert f'data-report="{first.pk}"' in html and f'data-report="{second.pk}"' in html
    reporting = client.get(f"{article.get_absolute_url()}?report={second.pk}").content.decode()
    assert reporting.count('id="report-form"') == 1
    slot = reporting.split(f'data-report-slot-for="{second.pk}"')[1].split("</article>")[0]
    assert f'action="/comments/{second.pk}/report/"' in slot
    # Nothing to report there: the form stays hidden at the end of the section.
    assert 'id="report-form-home" hidden' in client.get(f"{article.get_absolute_url()}?report=999999").content.decode()


def test_a_long_thread_shows_its_first_replies_then_a_page_at_a_time_without_javascript(client, settings):
    from comments.selectors import REPLIES_PER_PAGE

    settings.COMMENTS_REPLIES_WITH_THREAD = 3
    article = make_seed_article()
    root = make_comment(article, name="Zia", body="The Doha talks will stall.")
    replies = [make_comment(article, parent=root, body=f"Reply number {n} on Doha.") for n in range(45)]
    make_comment(article, parent=replies[30], body="An answer deep in the thread.")
    # Under the article: the thread and its first three replies, and the way to the rest.
    listing = client.get(article.get_absolute_url()).content.decode()
    assert "Reply number 2 on Doha." in listing and "Reply number 3 on Doha." not in listing
    assert f"?thread={root.pk}&amp;replies=1" in listing and "Show all 46 replies" in listing
    first = client.get(f"{article.get_absolute_url()}?thread={root.pk}&replies=1").content.decode()
    assert "The Doha talks will stall." in first
    assert "Reply number 0 on Doha." in first and "Reply number 19 on Doha." in first
    assert "Reply number 20 on Doha." not in first
    assert f"?thread={root.pk}&amp;replies=2" in first and "Show more replies" in first
    second = client.get(f"{article.get_absolute_url()}?thread={root.pk}&replies=2").content.decode()
    assert "Reply number 20 on Doha." in second and "Reply number 19 on Doha." not in second
    assert "Reply number 39 on Doha." in second and "Reply number 40 on Doha." not in second
    assert "Replying to Zia" in second and f"?thread={root.pk}&amp;replies=3" in second
    third = client.get(f"{article.get_absolute_url()}?thread={root.pk}&replies=3").content.decode()
    assert "Reply number 44 on Doha." in third and "Show more replies" not in third
    # Its parent is on the page before: it still says whom it answers.
    assert f"Replying to {replies[30].author_name}" in third and "An answer deep in the thread." in third
    assert len(second) < 200_000 and REPLIES_PER_PAGE == 20
    # Nonsense asks for the ordinary page.
    assert client.get(f"{article.get_absolute_url()}?thread=abc&replies=-4").status_code == 200


def test_a_thread_with_few_replies_shows_them_all_under_the_article(client):
    article = make_seed_article()
    root = make_comment(article, name="Zia", body="The Doha talks will stall.")
    make_comment(article, parent=root, body="First answer on Doha.")
    make_comment(article, parent=root, body="Second answer on Doha.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "First answer on Doha." in html and "Second answer on Doha." in html
    assert "nr-more-replies" not in html


def test_the_page_costs_the_same_queries_with_a_thread_of_any_length(client):
    article = make_seed_article()
    root = make_comment(article)
    for n in range(25):
        make_comment(article, parent=root, body=f"Reply {n}.")
    client.get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as short:
        client.get(article.get_absolute_url())
    for n in range(40):
        make_comment(article, parent=root, body=f"Later reply {n}.")
    client.get(article.get_absolute_url())  # counted again once after the change, as above
    with CaptureQueriesContext(connection) as long:
        client.get(article.get_absolute_url())
    assert len(short) == len(long)


@pytest.mark.parametrize("case", ["held", "rejected", "unpublished_article"])
def test_only_what_a_reader_can_see_can_be_reported(client, case):
    article = make_seed_article()
    status = {"held": Comment.Status.HELD, "rejected": Comment.Status.REJECTED}.get(case)
    comment = make_comment(article, status=status)
    if case == "unpublished_article":
        type(article).objects.filter(pk=article.pk).update(is_published=False)
    response = client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})
    assert response.status_code == 404 and article.slug not in response.get("Location", "")
    assert not CommentReport.objects.exists()


def test_one_address_reports_a_comment_once(client):
    article = make_seed_article()
    comment = make_comment(article)
    for _ in range(4):
        client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})
    comment.refresh_from_db()
    assert comment.open_reports == 1 and CommentReport.objects.count() == 1
    page = client.get(client.post(f"/comments/{comment.pk}/report/", {"reason": "spam"})["Location"])
    assert "already reported" in notice_under(page.content.decode(), comment)


def notice_under(html, comment):
    """What the page says under one comment, about the report sent on it."""
    own = html.partition(f'id="comment-{comment.pk}"')[2].split("</article>")[0]
    found = re.search(rf'<p class="nr-report-notice[^"]*"[^>]*id="report-notice-{comment.pk}"[^>]*>(.*?)</p>', own)
    return found[1] if found else ""


def test_the_thanks_for_a_report_is_said_under_the_comment_where_the_page_lands(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 5
    article = make_seed_article()
    comments = [make_comment(article, body=f"Point {n} on the Doha talks.") for n in range(12)]
    reported = comments[7]  # on the second page: the reader is there, not at the top of the first
    response = client.post(f"/comments/{reported.pk}/report/", {"reason": "spam"})
    assert response.status_code == 302
    location = response["Location"]
    assert location.endswith(f"#report-notice-{reported.pk}") and f"reported={reported.pk}" in location
    html = client.get(location).content.decode()
    assert notice_under(html, reported) == "Thank you. A moderator will look at this comment."
    assert re.search(rf'<p [^>]*id="report-notice-{reported.pk}"[^>]*role="status"', html)  # read out, too
    assert 'class="nr-messages"' not in html  # not said a second time, out of sight at the top
    assert all(not notice_under(html, other) for other in comments if other != reported)
    # Said once, where it happened: not on the page's next visit, nor to anyone handed the link.
    assert not notice_under(client.get(location.split("?")[0]).content.decode(), reported)
    assert not notice_under(Client().get(location).content.decode(), reported)


def test_a_report_refused_says_why_under_the_comment(client):
    article = make_seed_article()
    comment = make_comment(article)
    location = client.post(f"/comments/{comment.pk}/report/", {"reason": "nonsense"})["Location"]
    assert "Choose a reason" in notice_under(client.get(location).content.decode(), comment)
    assert "nr-report-notice-failed" in client.get(location).content.decode()


def test_a_submission_token_is_not_a_key_to_someone_elses_comment(client):
    from django.test import Client

    article = make_seed_article()
    first = comment_form_data(
        email="ann@example.com", body="Honestly, you are a brainless idiot about the talks."
    )  # held
    client.post(post_url(article), first)
    held = Comment.objects.get()
    assert held.status == Comment.Status.HELD
    other = Client()
    stolen = comment_form_data(token=first["token"], email="ben@example.com", body="Ben's own words on Doha.")
    response = other.post(post_url(article), stolen)
    html = response.content.decode()
    assert response.status_code == 400 and "Ben&#x27;s own words on Doha." in html  # kept, not dropped
    assert "brainless idiot" not in other.get(article.get_absolute_url()).content.decode()
    assert first["token"] not in html  # a fresh token: sent again, it posts
    fresh = re.search(r'name="token" value="([0-9a-f]+)"', html)
    started = re.search(r'name="started" value="([^"]+)"', html)
    assert fresh and started
    resent = {**stolen, "token": fresh.group(1), "started": started.group(1)}
    assert other.post(post_url(article), resent).status_code == 302
    assert Comment.objects.filter(author_email="ben@example.com").count() == 1


def test_a_signed_timestamp_cannot_be_lifted_into_another_form(client):
    article = make_seed_article()
    page = client.get(article.get_absolute_url()).content.decode()
    found_started = re.search(r'name="started" value="([^"]+)"', page)
    found_token = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert found_started and found_token
    started, token = found_started.group(1), found_token.group(1)
    # The same timestamp with a token of the sender's choosing: refused, the text kept.
    lifted = client.post(post_url(article), comment_form_data(started=started, body="Lifted words on Doha."))
    assert lifted.status_code == 400 and "press Post comment again" in lifted.content.decode()
    assert "Lifted words on Doha." in lifted.content.decode()
    # With its own token it is the page's form.
    own = client.post(post_url(article), comment_form_data(started=started, token=token, body="Own words on Doha."))
    assert own.status_code == 302


def own_block(client, article, comment):
    html = client.get(article.get_absolute_url()).content.decode()
    if f'id="comment-{comment.pk}"' not in html:
        return ""
    block = html[html.index(f'id="comment-{comment.pk}"') :]
    return block[: block.index("</article>")]


def test_the_author_hears_the_outcome_and_reason_beside_the_comment(client, admin_user):
    from django.test import Client

    from comments.services import comment_approve, comment_reject

    article = make_seed_article()
    client.post(post_url(article), comment_form_data(body="Honestly, you are a brainless idiot about the talks."))
    insult = Comment.objects.get()
    assert insult.status == Comment.Status.HELD
    # A top-level comment answers no one: its wording says so.
    assert "insults someone directly" in own_block(client, article, insult)
    client.post(post_url(article), comment_form_data(email="b@example.com", body="Doha matters, and Pakistan too."))
    other = Comment.objects.exclude(pk=insult.pk).get()
    client.post(
        post_url(article),
        comment_form_data(
            email="c@example.com", body="Honestly, you are a brainless idiot about the talks.", parent=other.pk
        ),
    )
    reply = Comment.objects.get(parent=other)
    assert "insults the person it answers" in own_block(client, article, reply)

    comment_reject(comment=insult, actor=admin_user, reason="abusive", note="Argue with the point, not the person.")
    block = own_block(client, article, insult)
    assert "A moderator did not publish your comment" in block and "Abusive or hateful." in block
    assert "Argue with the point, not the person." in block
    assert "brainless idiot" in block  # the text, so it can be fixed
    assert own_block(Client(), article, insult) == ""  # nobody else sees any of it

    comment_approve(comment=reply, actor=admin_user)
    assert "A moderator read your comment and published it." in own_block(client, article, reply)
    assert "A moderator read" not in own_block(Client(), article, reply)


def test_the_headline_says_how_many_comments_and_links_to_them(client):
    article = make_seed_article()
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<a class="nr-count-link ms-2" href="#comments">Comment on this story</a>' in html
    for n in range(3):
        make_comment(article, body=f"Remark {n} on Doha.")
    # Held as the filter holds it, through the services (which keep the page's counts), not forced after.
    assert make_comment(article, body="Held remark.", policy=HOLD_ALL).status == Comment.Status.HELD
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<a class="nr-count-link ms-2" href="#comments">3 comments</a>' in html
    assert html.index("nr-count-link") < html.index('id="comments"')


@override_settings(COMMENTS_THREADS_PER_PAGE=2)
def test_pagination_shows_page_numbers(client):
    article = make_seed_article()
    for n in range(13):
        make_comment(article, body=f"Remark {n} on Doha.")
    html = client.get(f"{article.get_absolute_url()}?page=4").content.decode()
    nav = html[html.index('aria-label="Comment pages"') :]
    nav = nav[: nav.index("</nav>")]
    # Seven pages: the first, two either side of the fourth, the last; the fourth is the current one.
    for number in (1, 2, 3, 5, 6, 7):
        assert f'page={number}#comments" aria-label="Page {number}">{number}</a>' in nav
    assert '<li class="page-item active" aria-current="page"><span class="page-link">4</span>' in nav
    first = client.get(article.get_absolute_url()).content.decode()
    assert "…" in first[first.index('aria-label="Comment pages"') :]  # 1 2 3 … 7


def test_remember_me_keeps_name_and_email_in_a_signed_cookie_and_forgets_on_request(client):
    from comments.forms import REMEMBER_COOKIE

    article = make_seed_article()
    response = client.post(post_url(article), comment_form_data(remember="on"))
    cookie = response.cookies[REMEMBER_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and "amina@example.com" not in cookie.value
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'value="Amina"' in page and 'value="amina@example.com"' in page
    assert "Forget my name and email on this browser" in page
    # A cookie someone edited is ignored, not trusted and not an error.
    client.cookies[REMEMBER_COOKIE] = cookie.value[:-3] + "abc"
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'value="Amina"' not in page and "Forget my name" not in page
    client.cookies[REMEMBER_COOKIE] = cookie.value
    forgotten = client.post(f"/articles/{article.slug}/comments/forget-me/")
    assert forgotten.status_code == 302 and forgotten.cookies[REMEMBER_COOKIE].value == ""
    # Posting without the box ticked forgets what was kept, too.
    client.cookies[REMEMBER_COOKIE] = cookie.value
    again = client.post(post_url(article), comment_form_data(body="Another thought on the Doha talks."))
    assert again.cookies[REMEMBER_COOKIE].value == ""


def test_the_form_time_is_signed_to_the_millisecond_and_checked(client):
    article = make_seed_article()
    token = "t" * 32
    # Sent the moment the page was served: a script, held; a forged or future time is refused, the text kept.
    with form_clock_held_still() as now:
        client.post(post_url(article), comment_form_data(token=token, started=signed_start(token, at=now)))
    assert "bot.too_fast" in Comment.objects.get().reasons
    later = "u" * 32
    future = client.post(
        post_url(article),
        comment_form_data(body="From the future.", token=later, started=signed_start(later, at=time.time() + 3600)),
    )
    assert future.status_code == 400 and "From the future." in future.content.decode()


def test_a_reply_beyond_the_first_few_is_shown_where_posting_it_leads(client, settings):
    settings.COMMENTS_REPLIES_WITH_THREAD = 3
    article = make_seed_article()
    root = make_comment(article, name="Zia", body="The Doha talks will stall.")
    for n in range(24):
        make_comment(article, parent=root, body=f"Reply number {n} on Doha.")
    response = client.post(
        post_url(article), comment_form_data(body="My late answer about the Doha talks.", parent=root.pk)
    )
    assert response.status_code == 302
    mine = Comment.objects.get(body="My late answer about the Doha talks.")
    assert response["Location"].endswith(f"?thread={root.pk}&replies=2#comment-{mine.pk}")  # the 25th reply
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert f'id="comment-{mine.pk}"' in page and "My late answer about the Doha talks." in page
    # An early reply is still found under the article itself.
    early = Comment.objects.get(body="Reply number 1 on Doha.")
    from comments.selectors import comment_url

    assert "thread=" not in comment_url(early)
    assert f'id="comment-{early.pk}"' in client.get(comment_url(early).split("#")[0]).content.decode()


def test_reply_and_report_without_javascript_stay_on_the_threads_own_view(client, settings):
    settings.COMMENTS_REPLIES_WITH_THREAD = 3
    article = make_seed_article()
    root = make_comment(article, name="Zia", body="The Doha talks will stall.")
    replies = [make_comment(article, parent=root, body=f"Reply number {n} on Doha.") for n in range(25)]
    late = replies[22]  # on the second page of the thread's view, never under the article
    view = f"{article.get_absolute_url()}?thread={root.pk}&replies=2"
    html = client.get(view).content.decode()
    assert f'href="?reply_to={late.pk}&amp;thread={root.pk}&amp;replies=2#comment-form"' in html
    assert f'href="?report={late.pk}&amp;thread={root.pk}&amp;replies=2#comment-{late.pk}"' in html
    reporting = client.get(f"{article.get_absolute_url()}?report={late.pk}&thread={root.pk}&replies=2").content.decode()
    slot = reporting.split(f'data-report-slot-for="{late.pk}"')[1].split("</article>")[0]
    assert f'action="/comments/{late.pk}/report/"' in slot  # the form is under the comment being reported
    replying = client.get(f"{article.get_absolute_url()}?reply_to={late.pk}&thread={root.pk}&replies=2").content
    assert f'id="comment-{late.pk}"'.encode() in replying and b"Replying to" in replying
