"""What an import must not do: email anyone, teach the filter, give an address a record it did not earn here;
and what it must keep: a deep thread reads right on the article page. With --moderate, the site's own filter
judges what the source published or held."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from commenters.mailboxes import mailbox_key
from commenters.models import Commenter, StorySettings
from comments.models import Comment, ModerationEvent
from comments.selectors import moderation_context
from comments.services import comment_approve, comment_post, comment_reject
from factories import HOLD_ALL, make_article, make_comment
from moderation import Policy
from outbox.models import OutboundEmail
from policies.selectors import decision_records, decisions_count

from .conftest import DISQUS, WXR, disqus_file, disqus_post, disqus_thread, run

pytestmark = pytest.mark.django_db


def test_an_import_emails_nobody():
    run("import_comments", str(DISQUS))
    run("import_comments", str(WXR))
    assert Comment.objects.count() == 9
    assert not OutboundEmail.objects.exists()
    assert not Commenter.objects.exists()  # nobody is asked to confirm an address either


def test_decisions_on_imported_comments_are_not_training_records(django_user_model):
    moderator = django_user_model.objects.create_user("moderator", is_staff=True)
    run("import_comments", str(WXR))
    held = Comment.objects.get(source_id="blog.paper.example:302")
    comment_reject(comment=held, actor=moderator, reason="abusive")
    own = make_comment(make_article(), body="A reader's comment posted here.", policy=HOLD_ALL)
    comment_reject(comment=own, actor=moderator, reason="abusive")
    assert ModerationEvent.objects.by_moderators().count() == 2  # both are decisions, audited as such
    assert [r.key for r in decision_records()] == [str(own.pk)]  # only the comment posted here teaches
    assert decisions_count(fresh=True) == 1


def test_a_decision_on_an_imported_comment_emails_nobody_not_even_a_confirmed_author(django_user_model):
    """Tom's comment was held on the old blog; he has since confirmed his address here. A moderator's decision
    on the imported comment still emails nobody, while one on a comment he posted here does."""
    Commenter.objects.create(
        email="tom@example.net", mailbox=mailbox_key("tom@example.net"), confirmed_at=timezone.now()
    )
    moderator = django_user_model.objects.create_user("moderator", is_staff=True)
    run("import_comments", str(WXR))
    held = Comment.objects.get(source_id="blog.paper.example:302")
    assert held.status == Comment.Status.HELD
    comment_approve(comment=held, actor=moderator)
    held.refresh_from_db()
    assert held.status == Comment.Status.PUBLISHED
    assert not OutboundEmail.objects.exists()
    with mock.patch("comments.services.live_policy", return_value=HOLD_ALL):
        own = comment_post(
            article=make_article(), author_name="Tom", author_email="tom@example.net", body="Posted here this time."
        ).comment
    assert own.status == Comment.Status.HELD
    comment_approve(comment=own, actor=moderator)
    assert not OutboundEmail.objects.filter(comment=held).exists()
    decisions = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DECISION)
    assert list(decisions.values_list("comment_id", "to")) == [(own.pk, "tom@example.net")]


def test_an_unconfirmed_address_gains_no_record_from_its_imported_comments():
    run("import_comments", str(WXR))
    priya = Comment.objects.get(source_id="blog.paper.example:301")
    assert priya.status == Comment.Status.PUBLISHED
    assert priya.mailbox == ""
    context = moderation_context(
        article=make_article(), parent=None, author_name="Priya", author_email="priya@example.net",
        body="Back again.", at=timezone.now(), policy=Policy(), author_known=True,
    )  # fmt: skip
    assert context.author_published_count == 0


def test_a_confirmed_address_keeps_its_imported_comments_in_its_record():
    Commenter.objects.create(
        email="priya@example.net", mailbox=mailbox_key("priya@example.net"), confirmed_at=timezone.now()
    )
    run("import_comments", str(WXR))
    assert Comment.objects.get(source_id="blog.paper.example:301").mailbox == "priya@example.net"
    assert Comment.objects.get(source_id="blog.paper.example:302").mailbox == ""  # Tom never confirmed


def test_a_thread_deeper_than_ours_reads_right_on_the_article_page(client, tmp_path, settings):
    """Replies keep their parent and their true depth; the page shows them at its deepest and says whom each
    answers, as it does for a deep thread posted here."""
    article = make_article(slug="deep-story")
    names = [f"Level{n}" for n in range(7)]
    posts = [
        disqus_post(
            str(100 + n),
            "1",
            name=name,
            message=f"Comment at depth {n}.",
            parent=str(99 + n) if n else None,
            minute=n,
        )  # fmt: skip
        for n, name in enumerate(names)
    ]
    export = disqus_file(
        tmp_path / "deep.xml", disqus_thread("1", "https://paper.example/deep/"), *reversed(posts)
    )  # children first: the file lists the deepest reply before the rest
    run("import_comments", str(export), "--map", "https://paper.example/deep/=deep-story")
    deepest = Comment.objects.get(source_id="106")
    root = Comment.objects.get(source_id="100")
    assert deepest.parent is not None
    assert (deepest.depth, deepest.root_id, deepest.parent.author_name) == (6, root.pk, "Level5")
    assert root.reply_count == 6
    page = client.get(f"{article.get_absolute_url()}?thread={root.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    for parent, child in zip(names, names[1:], strict=False):
        assert f"Replying to {parent}" in html, child
    max_depth = settings.COMMENTS_MAX_DEPTH
    assert f'id="comment-{deepest.pk}" class="nr-comment nr-depth-{max_depth}' in html
    assert f"nr-depth-{max_depth + 1}" not in html


def test_moderate_judges_what_the_source_published_with_the_live_policy_and_emails_nobody():
    out = run("import_comments", str(DISQUS), "--moderate")
    judged = Comment.objects.filter(source="disqus", status__in=["published", "held"])
    assert judged.count() == 3
    assert all(c.decision for c in judged)  # the filter's verdict, kept as for a reader's comment
    events = ModerationEvent.objects.filter(comment__in=judged)
    assert events.count() == 3
    assert {e.action for e in events} == {ModerationEvent.Action.AUTO}
    assert all(e.actor_id is None for e in events)
    # What the source turned down stays down, unjudged.
    assert Comment.objects.get(source_id="9002").decision == ""
    assert Comment.objects.get(source_id="9002").fingerprint  # its words key is still written
    assert not OutboundEmail.objects.exists()
    assert "judged on import: " in out.stdout


def test_dates_of_imported_comments_are_their_own_not_the_import_time():
    run("import_comments", str(DISQUS))
    newest = Comment.objects.order_by("-created_at").first()
    assert newest is not None
    assert newest.created_at < timezone.now() - dt.timedelta(days=300)


def test_moderate_follows_a_storys_own_way_of_moderating():
    """A story set to hold every comment for review holds the imported comments judged on it, as it would a
    reader's posted now; the story beside it follows the site's policy."""
    doha = make_article(slug="doha-talks")
    StorySettings.objects.create(article=doha, mode=StorySettings.Mode.HOLD_ALL)
    run(
        "import_comments", str(DISQUS), "--moderate", "--map", "https://paper.example/2024/01/talks-in-doha/=doha-talks"
    )
    judged_on_doha = Comment.objects.filter(article=doha).exclude(events=None)
    assert judged_on_doha.exists()
    assert set(judged_on_doha.values_list("status", flat=True)) == {Comment.Status.HELD}
    elsewhere = Comment.objects.filter(source="disqus").exclude(article=doha).exclude(events=None)
    assert Comment.Status.PUBLISHED in set(elsewhere.values_list("status", flat=True))
