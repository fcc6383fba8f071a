"""A WordPress WXR 1.2 export: each post with comments becomes a story, and comment_approved maps to our states
(1 published, 0 held, spam rejected, trash removed); pingbacks are not readers' comments."""

import datetime as dt

import pytest

from articles.models import Article
from comments.models import Comment

from .conftest import WXR, run

pytestmark = pytest.mark.django_db


def test_comments_keep_their_state_author_date_and_thread():
    out = run("import_comments", str(WXR))
    comments = {c.source_id: c for c in Comment.objects.filter(source="wordpress")}
    assert set(comments) == {f"blog.paper.example:{n}" for n in (301, 302, 303, 304)}
    priya, tom = comments["blog.paper.example:301"], comments["blog.paper.example:302"]
    assert priya.status == Comment.Status.PUBLISHED
    assert priya.created_at == dt.datetime(2024, 3, 2, 8, 10, tzinfo=dt.UTC)  # comment_date_gmt
    assert priya.body == "The bridge road is open again.\n\nThanks to the crews who worked all night."
    assert tom.status == Comment.Status.HELD
    assert tom.body == "Is the school closed tomorrow?"
    assert (tom.parent_id, tom.root_id, tom.depth) == (priya.pk, priya.pk, 1)
    assert priya.reply_count == 0  # its reply is held: not counted until a moderator publishes it
    assert comments["blog.paper.example:303"].status == Comment.Status.REJECTED
    assert comments["blog.paper.example:304"].status == Comment.Status.REMOVED
    assert "skipped: comment 305 is a pingback, not a reader's comment." in out.stderr
    assert "line 117: skipped: comment 305" in out.stderr  # the pingback's <wp:comment>


def test_only_posts_with_comments_become_stories():
    run("import_comments", str(WXR))
    story = Article.objects.get(imported_from="wordpress")
    assert story.canonical_url == "https://blog.paper.example/2024/03/river-levels/"
    assert story.headline == "River levels fall after the storm"
    assert story.published_on == dt.date(2024, 3, 2)
    assert not Article.objects.filter(headline="About us").exists()


def test_importing_twice_stores_nothing_twice():
    run("import_comments", str(WXR))
    out = run("import_comments", str(WXR))
    assert Comment.objects.count() == 4
    assert "0 comments imported; 0 stories (0 new); 4 already here; 1 skipped." in out.stdout
