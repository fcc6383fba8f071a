"""The moderation context's conversation sample is read from an index made for it, in order and cut at the
sample, so a post costs the same on a story whose comments mostly never joined the conversation (imported, old,
flooded off-topic) as on any other.

Found from outside: on a story of 20,000 comments of which few joined the conversation, this read walked every
published comment of the story through (article, status, created_at) to find the few, and a post took 1.66
times as long as on a story of 200. Asserted on the plan the database makes for the very query the context
runs, on SQLite and on PostgreSQL; and a comment taken down leaves the sample.

A reply's thread (the comments above its parent) is walked up by primary key, one lookup a step and at most
THREAD_SAMPLE steps, in one query: replies nest without limit, and a thread's other branches are never read.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from comments.selectors import moderation_context
from comments.services import comment_reject
from factories import make_comment, make_seed_article
from moderation import Policy
from moderation.context import THREAD_SAMPLE
from tests.plans import plan

pytestmark = pytest.mark.django_db


def context_reads(article, parent=None):
    with CaptureQueriesContext(connection) as queries:
        context = moderation_context(
            article=article, parent=parent, author_name="Amina", author_email="amina@example.com",
            body="The talks in Doha matter.", at=timezone.now() + dt.timedelta(seconds=1), policy=Policy(),
        )  # fmt: skip
    return context, [q["sql"] for q in queries.captured_queries]


def test_the_conversation_sample_is_read_from_its_own_index_in_order():
    article = make_seed_article()
    for _ in range(3):
        make_comment(article)
    _, reads = context_reads(article)
    (conversation,) = [sql for sql in reads if "in_conversation" in sql]
    read = plan(conversation)
    assert "comment_conversation_idx" in read
    assert "Sort" not in read and "TEMP B-TREE" not in read


def test_a_comment_taken_down_leaves_the_conversation_sample():
    article = make_seed_article()
    kept = make_comment(article, body="Khalilzad and Bajwa discussed the prisoner exchange in Rawalpindi.")
    removed = make_comment(article, body="Zanzibar marmalade quokka festival tickets are selling fast.")
    Comment.objects.filter(pk__in=[kept.pk, removed.pk]).update(in_conversation=True)
    before, _ = context_reads(article)
    assert "zanzibar" in " ".join(before.conversation)
    moderator = User.objects.create_superuser("mod", "mod@example.com", "pw-long-1234")
    comment_reject(comment=removed, actor=moderator, reason="off_topic")
    removed.refresh_from_db()
    assert removed.status == Comment.Status.REMOVED and not removed.in_conversation
    after, _ = context_reads(article)
    assert "zanzibar" not in " ".join(after.conversation) and "rawalpindi" in " ".join(after.conversation)


def test_the_thread_above_a_reply_is_walked_up_by_primary_key_in_one_query():
    article = make_seed_article()
    chain = [make_comment(article, body="Level 0.")]
    for level in range(1, THREAD_SAMPLE + 6):
        chain.append(make_comment(article, parent=chain[-1], body=f"Level {level}."))
    for n in range(3):  # other branches of the thread, never read
        make_comment(article, parent=chain[n], body=f"A side branch, {n}.")
    # A top-level comment, or a reply to one, has no thread above its parent: nothing is read for it.
    for parent in (None, chain[0]):
        _, reads = context_reads(article, parent)
        assert not [sql for sql in reads if "RECURSIVE" in sql]
    context, reads = context_reads(article, chain[-1])
    (thread,) = [sql for sql in reads if "RECURSIVE" in sql]
    assert len(context.thread) == THREAD_SAMPLE and not any("side branch" in text for text in context.thread)
    read = plan(thread)
    # The first step and each step up: the primary key (SQLite's rowid; PostgreSQL's index on it).
    assert read.count("INTEGER PRIMARY KEY") + read.count("comments_comment_pkey") == 2
    assert "Seq Scan" not in read and not re.search(r"\bSCAN (c|comments_comment)\b", read)
    assert "Sort" not in read and "TEMP B-TREE" not in read
