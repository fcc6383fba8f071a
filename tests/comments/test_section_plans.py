"""The comment section's reads follow an index in their own order and stop at the page, so a page costs the
same on a story of 200 comments as on one of a million: no read sorts the story's threads or a thread's
replies. Asserted on the plans the database makes for the very queries the section runs, on SQLite and on
PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.selectors import SORT_INDEXES, SORTS, comment_section
from factories import make_comment, make_seed_article
from tests.plans import plan

pytestmark = pytest.mark.django_db


def comment_reads(**section) -> list[str]:
    """The SQL of the section's reads of comments (the counts are kept in the cache, not read per page)."""
    with CaptureQueriesContext(connection) as queries:
        comment_section(**section)
    return [q["sql"] for q in queries.captured_queries if "comments_comment" in q["sql"] and "COUNT(" not in q["sql"]]


@pytest.fixture
def story():
    article = make_seed_article()
    for n in range(4):
        root = make_comment(article)
        for _ in range(n * 3):
            make_comment(article, parent=root)
    return article


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_of_threads_reads_two_index_ranges_and_sorts_nothing(story, sort):
    reads = comment_reads(article=story, sort=sort)
    assert len(reads) == 2  # the page's threads, then their first replies
    threads, replies = (plan(sql) for sql in reads)
    index = SORT_INDEXES[sort]
    assert index in threads
    assert "comment_replies_idx" in replies
    for read in (threads, replies):
        assert "Sort" not in read  # PostgreSQL: no sort node, plain or incremental
        assert "TEMP B-TREE" not in read  # SQLite: no sort either
    # Each thread's replies are their own range, cut at its limit: one per thread on the page.
    assert replies.count("comment_replies_idx") == 4


def test_a_page_of_one_threads_replies_is_a_range_of_that_thread(story):
    root = max(story.comments.filter(parent=None), key=lambda c: c.reply_count)
    reads = comment_reads(article=story, thread=root.pk, replies_page=2)
    replies = plan(reads[-1])
    assert "comment_replies_idx" in replies
    assert "Sort" not in replies and "TEMP B-TREE" not in replies
