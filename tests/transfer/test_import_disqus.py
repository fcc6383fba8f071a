"""A Disqus export: threads become stories (found by their address, or created and marked), posts keep their
authors, dates and states, replies find their parents wherever they are listed, and a second run stores nothing."""

import datetime as dt

import pytest
from django.core.management import CommandError

from articles.models import Article
from comments.models import Comment
from factories import make_article
from transfer.models import PendingParent

from .conftest import DISQUS, disqus_file, disqus_post, disqus_thread, run

pytestmark = pytest.mark.django_db

TALKS = "https://paper.example/2024/01/talks-in-doha/"


def by_source_id() -> dict[str, Comment]:
    return {c.source_id: c for c in Comment.objects.filter(source="disqus") if c.source_id}


def test_threads_become_stories_created_from_their_title_and_address_and_marked_as_imported():
    run("import_comments", str(DISQUS))
    talks = Article.objects.get(canonical_url=TALKS)
    assert talks.headline == "Talks in Doha resume after a week"
    assert talks.imported_from == "disqus"
    assert talks.published_on == dt.date(2024, 1, 2)
    assert talks.body == ""  # known by its address and title only
    # The tracking parameter is not part of the page's address; "www." and the scheme are kept as written.
    budget = Article.objects.get(imported_from="disqus", headline="Parliament & the budget vote")
    assert budget.canonical_url == "http://www.paper.example/2024/02/budget-vote"


def test_posts_keep_their_authors_dates_words_and_states():
    run("import_comments", str(DISQUS))
    comments = by_source_id()
    amina = comments["9001"]
    assert amina.author_name == "Amina"
    assert amina.author_email == "amina@example.com"  # stored as the site stores addresses
    assert amina.created_at == dt.datetime(2024, 1, 2, 10, 0, tzinfo=dt.UTC)
    assert amina.body == "Good to see the talks back on.\n\nSecond paragraph & more."
    assert amina.status == Comment.Status.PUBLISHED
    assert comments["9002"].status == Comment.Status.REJECTED  # isSpam
    assert comments["9003"].status == Comment.Status.REMOVED  # isDeleted
    assert comments["9101"].body == "The vote is on Thursday.\nBe there."
    assert comments["9002"].author_email == ""  # an anonymous post gave none
    # Not judged again: no decision of the filter, no reasons, and none of it is the conversation's vocabulary.
    assert {c.decision for c in comments.values()} == {""}
    assert not any(c.in_conversation for c in comments.values())
    assert all(c.fingerprint for c in comments.values())


def test_a_reply_listed_before_its_parent_is_linked_and_placed_in_its_thread():
    run("import_comments", str(DISQUS))
    comments = by_source_id()
    amina, omar = comments["9001"], comments["9004"]  # 9004 comes first in the file
    assert omar.parent_id == amina.pk
    assert omar.root_id == amina.pk
    assert omar.depth == 1
    assert amina.reply_count == 1  # as the services keep it: the thread's published replies
    assert not PendingParent.objects.exists()


def test_every_skipped_record_is_reported_with_its_line_and_why():
    out = run("import_comments", str(DISQUS))
    assert "line 96: skipped: comment 9005 has an empty message." in out.stderr
    assert "line 108: skipped: comment 9006: its thread '7999' is not in the file." in out.stderr
    assert "line 120: skipped: post 9007 has no readable date ('yesterday')." in out.stderr
    assert "5 comments imported; 2 stories (2 new); 0 already here; 3 skipped." in out.stdout


def test_importing_twice_stores_nothing_twice():
    run("import_comments", str(DISQUS))
    counts = (Comment.objects.count(), Article.objects.count())
    out = run("import_comments", str(DISQUS))
    assert (Comment.objects.count(), Article.objects.count()) == counts
    assert "0 comments imported; 0 stories (0 new); 5 already here; 3 skipped." in out.stdout


def test_a_dry_run_writes_nothing_and_says_what_it_would_do():
    stories = Article.objects.count()
    out = run("import_comments", str(DISQUS), "--dry-run")
    assert Comment.objects.count() == 0
    assert Article.objects.count() == stories
    assert f"       4  {TALKS} (new story, would be created)" in out.stdout
    assert "Dry run, nothing written: 5 comments would be imported; 2 stories (2 new)" in out.stdout
    assert "line 96: skipped:" in out.stderr


def test_a_thread_is_found_by_its_address_however_it_is_written():
    embedded = make_article(canonical_url="https://paper.example/2024/02/budget-vote/", body="")
    run("import_comments", str(DISQUS))
    assert by_source_id()["9101"].article == embedded
    assert not Article.objects.filter(headline="Parliament & the budget vote").exists()


def test_map_puts_a_thread_under_a_story_chosen_by_hand():
    story = make_article(slug="doha-talks")
    run("import_comments", str(DISQUS), "--map", f"{TALKS}?utm_medium=email=doha-talks")
    assert {c.article_id for c in Comment.objects.filter(source_id__in=["9001", "9004"])} == {story.pk}
    assert not Article.objects.filter(canonical_url=TALKS).exists()


def test_map_to_a_story_that_does_not_exist_is_refused_before_anything_is_read():
    with pytest.raises(CommandError, match="no story with the slug 'nowhere'"):
        run("import_comments", str(DISQUS), "--map", f"{TALKS}=nowhere")
    assert Comment.objects.count() == 0


def test_a_reply_to_a_comment_not_in_the_file_is_kept_as_a_thread_and_reported(tmp_path):
    export = disqus_file(
        tmp_path / "export.xml",
        disqus_thread("1", "https://paper.example/a/"),
        disqus_post("10", "1", name="Ana", message="Replying to something gone.", parent="999"),
    )
    out = run("import_comments", str(export))
    comment = Comment.objects.get(source_id="10")
    assert (comment.parent_id, comment.root_id, comment.depth) == (None, None, 0)
    assert "the comment it answers (999) is not in the file: kept as a thread." in out.stderr


def test_verbosity_0_prints_nothing_not_even_the_progress_bar():
    out = run("import_comments", str(DISQUS), "--verbosity", "0")
    assert (out.stdout, out.stderr) == ("", "")
    assert Comment.objects.count() == 5
