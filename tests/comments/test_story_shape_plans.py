"""Every read a post, the article page and the API's comment pages make follows an index that matches its filter
and order, on a story of any shape: most of its comments imported, held, taken down, a simulation's or published
off-topic, and only a few in the conversation. A read that walked the story to find what it wants would cost as
much as the story is long (found from outside: the conversation sample walked every published comment of such a
story, and a post took 1.66 times as long at 20,000 comments as at 200).

Asserted on the plans the database makes for the very queries the requests run, on SQLite and on PostgreSQL
(``tests.plans``); and again after the planner's statistics were refreshed the way a bulk write leaves them.
"""

import datetime as dt
import functools
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from comments.selectors import SORT_INDEXES, SORTS, _threads, counts_keys, section_counts
from factories import DATABASE_TASKS, HOLD_ALL, comment_form_data, make_article, make_comment, make_seed_article
from lab.models import SimulationRun
from newsroom import cache
from newsroom.db import refresh_planner_statistics
from tests.plans import generic_plan, plan, statements

pytestmark = pytest.mark.django_db


def walks_the_story(read: str) -> bool:
    """A plan that reads the comments table whole (SQLite's SCAN, PostgreSQL's Seq Scan)."""
    return bool(re.search(r"\bSCAN comments_comment\b(?! USING)|Seq Scan on comments_comment", read))


def sorts(read: str) -> bool:
    return "Sort" in read or "TEMP B-TREE" in read


@pytest.fixture
def story():
    """A story of few in the conversation: its oldest three comments joined it; the rest were imported, held,
    taken down, a simulation's, or published off-topic, some of them in threads."""
    article = make_seed_article()
    for _ in range(3):
        make_comment(article)
    Comment.objects.filter(article=article).update(in_conversation=True)
    run = SimulationRun.objects.create(article=article, label="a run")
    at = timezone.now() - dt.timedelta(hours=1)
    kinds: list[dict[str, Any]] = [
        {"status": "published", "source": "wordpress"},
        {"status": "held"},
        {"status": "removed"},
        {"status": "rejected"},
        {"status": "published", "simulation": run},
        {"status": "published"},  # off-topic: not in the conversation
    ]
    rows = [
        Comment(
            article=article, author_name=f"Reader {n}", author_email=f"r{n}@example.com", mailbox=f"r{n}@example.com",
            body=f"Comment {n}.", created_at=at + dt.timedelta(seconds=n),
            source_id=f"x-{n}" if kinds[n % 6].get("source") else None, **kinds[n % 6],
        )
        for n in range(60)
    ]  # fmt: skip
    tops = Comment.objects.bulk_create(rows)
    for n, top in enumerate(t for t in tops if t.status == "published" and t.simulation_id is None):
        replies = [
            Comment(
                article=article, parent=top, root=top, depth=1, author_name="Replier", author_email="x@example.com",
                body="A reply.", created_at=at + dt.timedelta(minutes=10, seconds=n * 10 + i), status="published",
            )
            for i in range(n % 4)
        ]  # fmt: skip
        Comment.objects.bulk_create(replies)
        Comment.objects.filter(pk=top.pk).update(reply_count=len(replies))
    refresh_planner_statistics(Comment)  # as every bulk write does
    return article


def comment_reads(do) -> list[str]:
    """The SQL of the reads of comments a request makes."""
    with CaptureQueriesContext(connection) as queries:
        response = do()
    assert response.status_code in (200, 302), response.status_code
    return [
        q["sql"] for q in queries.captured_queries
        if "comments_comment" in q["sql"] and q["sql"].lstrip().startswith(("SELECT", "WITH"))
    ]  # fmt: skip


def post_reads(story, settings) -> dict[str, str]:
    """A new reader's post through the comment form, with the rate limits on: each read's SQL by what it is."""
    settings.COMMENTS_RATE_PER_IP = "1/5s,30/h"
    settings.COMMENTS_RATE_PER_EMAIL = "1/5s,20/h"
    settings.TASKS = DATABASE_TASKS  # the post's own reads: the confirmation it asks for is the worker's
    url = f"/articles/{story.slug}/comments/"
    # The first post loads what every post then finds in the cache (the policy, the site's recent scores).
    Client().post(url, comment_form_data(body="A first comment on Doha.", email="first@example.com"))
    data = comment_form_data(body="Parliament votes on the budget in Doha today.", email="new@example.com")
    reads = comment_reads(lambda: Client(REMOTE_ADDR="192.0.2.7").post(url, data))
    # The same form again (a double click): only a copy asks whether its form was stored.
    copy = comment_reads(lambda: Client(REMOTE_ADDR="192.0.2.7").post(url, data))
    reads += [sql for sql in copy if "submission_token" in sql.split("WHERE")[-1]]
    named = {}
    for sql in reads:
        if "submission_token" in sql.split("WHERE")[-1]:
            named["sent before"] = sql
        elif "in_conversation" in sql and '"fingerprint" =' in sql:
            named["conversation and same words"] = sql  # one statement, two reads
        elif "COUNT(" in sql and '"mailbox" =' in sql:
            named["author's standing"] = sql  # with their week's record
        elif '"parent_id" IS NULL' in sql:
            named["its page"] = sql
        else:
            named[sql] = sql
    return named


# The index each read of a post follows (either of two where both answer it in order).
POST_INDEXES = {
    "sent before": ("comment_submission_token_unique",),
    "conversation and same words": ("comment_conversation_idx",),
    "author's standing": ("comment_mailbox_week_idx", "comment_mailbox_status_idx"),
}


def test_every_read_of_a_post_follows_its_own_index_on_a_story_of_few_in_the_conversation(story, settings):
    reads = post_reads(story, settings)
    assert set(reads) == set(POST_INDEXES)
    for name, sql in reads.items():
        read = plan(sql)
        assert any(index in read for index in POST_INDEXES[name]), (name, read)
        assert not walks_the_story(read), (name, read)
    # The conversation sample and the same words each follow their own index and stop at what they want, in the
    # index's order. (A new thread is the story's newest: where it lands, the last page, is not read.)
    both = plan(reads["conversation and same words"])
    assert "comment_same_words_idx" in both and not sorts(both), both


def page_reads(story, sort: str, *, api: bool = False) -> list[str]:
    url = f"/api/v1/stories/{story.pk}/comments?sort={sort}" if api else f"{story.get_absolute_url()}?sort={sort}"
    client = Client()
    client.get(url)  # the counts are cached after the first
    return [sql for sql in comment_reads(lambda: client.get(url)) if "COUNT(" not in sql]


@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
@pytest.mark.parametrize("sort", SORTS)
def test_a_page_of_a_story_of_few_in_the_conversation_reads_two_ranges_and_sorts_nothing(story, sort, api):
    threads, replies = (plan(sql) for sql in page_reads(story, sort, api=api))
    assert SORT_INDEXES[sort] in threads
    assert "comment_replies_idx" in replies
    for read in (threads, replies):
        assert not walks_the_story(read) and not sorts(read)


def comment_statements(do) -> list[tuple[str, Any]]:
    """The reads of comments a request makes, as it passed them to the database (SQL and values)."""
    with statements() as ran:
        response = do()
    assert response.status_code in (200, 302), response.status_code
    return [
        (sql, params) for sql, params in ran
        if "comments_comment" in sql and sql.lstrip().startswith(("SELECT", "WITH")) and "COUNT(" not in sql.upper()
        or '"mailbox" =' in sql and "COUNT(" in sql
    ]  # fmt: skip


def test_on_postgresql_the_plan_kept_for_every_value_follows_the_same_index(story, settings):
    """PostgreSQL's own plan cache mode (``auto``, which ``DB_PLAN_CACHE_MODE`` can choose) may run a prepared
    statement by one plan kept for all its values, once that plan costs no more than planning for the values:
    for a post's reads of the comments and a page's, that plan too follows the read's own index, in order, on a
    story of few in the conversation."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans kept for prepared statements")
    # A plan kept for all values is costed by the table's statistics alone: on a test's hundred rows, a week of the
    # whole site looks as rare as one commenter's comments. The site's other stories, as a site has them: 6,000
    # comments by 1,500 commenters over two months.
    elsewhere = make_article()
    start = timezone.now() - dt.timedelta(days=60)
    Comment.objects.bulk_create(
        Comment(
            article=elsewhere, author_name=f"Reader {n}", author_email=f"e{n % 1500}@example.com",
            mailbox=f"e{n % 1500}@example.com", body=f"Comment {n}.", status="published",
            created_at=start + dt.timedelta(minutes=14 * n),
        )
        for n in range(6000)
    )  # fmt: skip
    refresh_planner_statistics(Comment)
    settings.COMMENTS_RATE_PER_IP = "1/5s,30/h"
    settings.COMMENTS_RATE_PER_EMAIL = "1/5s,20/h"
    settings.TASKS = DATABASE_TASKS
    url = f"/articles/{story.slug}/comments/"
    Client().post(url, comment_form_data(body="A first comment on Doha.", email="first@example.com"))
    data = comment_form_data(body="Parliament votes on the budget in Doha today.", email="new@example.com")
    post = comment_statements(lambda: Client(REMOTE_ADDR="192.0.2.7").post(url, data))
    post += comment_statements(lambda: Client(REMOTE_ADDR="192.0.2.7").post(url, data))  # a copy: "sent before"
    named = {}
    for sql, params in post:
        if "submission_token" in sql.split("WHERE")[-1]:
            named["sent before"] = generic_plan(sql, params)
        elif "in_conversation" in sql and '"fingerprint" =' in sql:
            named["conversation and same words"] = generic_plan(sql, params)
        elif '"mailbox" =' in sql:
            named["author's standing"] = generic_plan(sql, params)
    assert set(named) == set(POST_INDEXES)
    for name, read in named.items():
        assert any(index in read for index in POST_INDEXES[name]), (name, read)
        assert not walks_the_story(read), (name, read)
    assert "comment_same_words_idx" in named["conversation and same words"]
    assert not sorts(named["conversation and same words"])
    for api in (False, True):
        for sort in SORTS:
            page = (
                f"/api/v1/stories/{story.pk}/comments?sort={sort}" if api else f"{story.get_absolute_url()}?sort={sort}"
            )
            client = Client()
            client.get(page)  # the counts are cached after the first
            reads = comment_statements(functools.partial(client.get, page))
            threads, replies = (generic_plan(sql, params) for sql, params in reads)
            assert SORT_INDEXES[sort] in threads, (sort, api, threads)
            assert "comment_replies_idx" in replies, (sort, api, replies)
            for read in (threads, replies):
                assert not walks_the_story(read) and not sorts(read), (sort, api, read)


# What ANALYZE recorded on SQLite for a story of 50,000 comments (bench/page.py's fill, measured): rows in the
# table, then rows per distinct value of each leading column. A story's threads (parent IS NULL) are 60 % of it,
# yet counted as 4 rows, the average of a parent's replies.
SQLITE_STATISTICS_OF_A_BIG_STORY = {
    "comment_thread_count_idx": "92619 46310 4 3 3",
    "comment_thread_idx": "92619 46310 4 3 1",
    "comment_threads_by_date_idx": "55520 27760 1 1",
    "comment_threads_by_replies_idx": "55520 27760 1983 1 1",
    "comment_threads_by_react_idx": "55520 27760 1983 1 1",
    "comment_replies_idx": "92619 5 1 1",
    "comments_comment_parent_id_3e0802fb": "100000 4",
}


def analysed_as_a_big_story() -> None:
    """The comments table analysed, as an import leaves it; on SQLite, with the statistics of a big story."""
    table = Comment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
            for index, stat in SQLITE_STATISTICS_OF_A_BIG_STORY.items():
                cursor.execute("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", [table, index, stat])
            cursor.execute("ANALYZE sqlite_master")  # the planner reads them now


def threads_read_on_its_index(story, sort: str) -> bool:
    threads, _ = (plan(sql) for sql in page_reads(story, sort))
    return SORT_INDEXES[sort] in threads and not sorts(threads)


def test_after_a_bulk_write_the_refreshed_statistics_keep_every_page_read_on_its_index(story):
    """A bulk write (an import) analyses what it wrote. SQLite's statistics (without its optional histograms)
    take "parent IS NULL", most of a story, for as rare as one comment's replies: planned by them, the page of
    threads went through (article, parent) and sorted every thread of the story. Refreshed as a bulk write
    refreshes them, each read is on its own index again."""
    analysed_as_a_big_story()
    if connection.vendor == "sqlite":  # what the refresh is for
        assert not any(threads_read_on_its_index(story, sort) for sort in SORTS)
    refresh_planner_statistics(Comment)
    for sort in SORTS:
        assert threads_read_on_its_index(story, sort), sort
        _, replies = (plan(sql) for sql in page_reads(story, sort))
        assert "comment_replies_idx" in replies and not sorts(replies)


def test_refreshing_statistics_on_sqlite_leaves_no_statistics_for_the_tables_written():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own statistics table")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        refresh_planner_statistics(Comment)
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [Comment._meta.db_table])
        assert cursor.fetchone()[0] == 0


def counts_read(story) -> tuple[tuple[int, int], list[str]]:
    """The counts a page of the story shows, and the counting queries it took to know them."""
    Client().get(story.get_absolute_url())  # the page, as a reader opens it
    with CaptureQueriesContext(connection) as queries:
        counts = section_counts(article=story)
    return counts, [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]


def counted_afresh(story) -> tuple[int, int]:
    return Comment.objects.real().published().filter(article=story).count(), _threads(story).count()


def test_a_page_after_readers_posts_counts_nothing_afresh(story):
    """Counting a story's comments reads all of them (0.7 s at a million): a reader's comment published as it
    is posted is added to the counts, a held one changes none, and the next page counts nothing."""
    with CaptureQueriesContext(connection) as queries:
        Client().get(story.get_absolute_url())
    assert [q for q in queries.captured_queries if "COUNT(" in q["sql"]]  # the first page counts
    thread = make_comment(story)
    make_comment(story, parent=thread)
    held = make_comment(story, policy=HOLD_ALL)
    assert held.status == Comment.Status.HELD
    counts, counting = counts_read(story)
    assert counting == [] and counts == counted_afresh(story)


def test_posts_through_the_form_add_to_counts_a_page_cached_and_leave_uncached_ones_to_the_next_page(story):
    """A post reads the story's cached count with the rest it reads of the shared cache: cached, the post adds to
    it; not cached, it leaves the counting to the next page, which then counts every comment, this one too."""
    url = f"/articles/{story.slug}/comments/"
    before = counted_afresh(story)
    Client().get(story.get_absolute_url())  # the page counts, and caches its counts
    form = comment_form_data(body="Doha's talks and Pakistan's part in them.", email="one@example.com")
    assert Client(REMOTE_ADDR="192.0.2.8").post(url, form).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        counts = section_counts(article=story)
    assert not queries.captured_queries and counts == counted_afresh(story) == (before[0] + 1, before[1] + 1)
    cache.call("delete_many", list(counts_keys(story.pk)))
    form = comment_form_data(body="Islamabad's role in the Doha talks, again.", email="two@example.com")
    assert Client(REMOTE_ADDR="192.0.2.9").post(url, form).status_code == 302
    assert cache.call("get_many", list(counts_keys(story.pk))) == {}  # left to the next page
    assert section_counts(article=story) == counted_afresh(story) == (before[0] + 2, before[1] + 2)
