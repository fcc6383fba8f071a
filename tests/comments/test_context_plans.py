"""The moderation context's conversation sample is read from an index made for it, in order and cut at the
sample, so a post costs the same on a story whose comments mostly never joined the conversation (imported, old,
flooded off-topic) as on any other.

Found from outside: on a story of 20,000 comments of which few joined the conversation, this read walked every
published comment of the story through (article, status, created_at) to find the few, and a post took 1.66
times as long as on a story of 200. Asserted on the plan the database makes for the very query the context
runs, on SQLite and on PostgreSQL; and a comment taken down leaves the sample.
"""

import datetime as dt

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
from tests.plans import plan

pytestmark = pytest.mark.django_db


def context_reads(article):
    with CaptureQueriesContext(connection) as queries:
        context = moderation_context(
            article=article, parent=None, author_name="Amina", author_email="amina@example.com",
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
