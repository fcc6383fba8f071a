"""A reply is judged against the thread it joins, not only its parent and the story: the comments above its
parent, nearest first, as published now. Read up the thread in one query whatever its depth, on the site; kept
from the stream by the same rule in the simulator."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from comments.selectors import moderation_context
from comments.services import UNDO_WINDOW, comment_decide, comment_reject, comment_undo
from factories import HOLD_ALL, make_comment, make_seed_article
from moderation import Context, Policy, moderate
from moderation.context import THREAD_SAMPLE
from simulation.pipeline import Pipeline
from simulation.stream import StreamItem

# Off the story (peace talks in Doha), as a thread may wander; the reply answers the thread's first comment.
ROOT = "My grandmother's banana bread recipe uses cinnamon and walnuts."
PARENT = "Agreed, she knew what she was doing."
REPLY = "Walnuts in banana bread are a mistake, cinnamon and nutmeg are enough for any recipe."


def context_of(parent: Comment) -> tuple[Context, int]:
    """The moderation context of a reply to ``parent``, and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        context = moderation_context(
            article=parent.article, parent=parent, author_name="Amina", author_email="amina@example.com", body=REPLY,
            at=timezone.now() + dt.timedelta(seconds=1), policy=Policy(),
        )  # fmt: skip
    return context, len(queries)


@pytest.mark.django_db
def test_a_reply_answering_its_thread_rather_than_its_parent_is_on_topic():
    article = make_seed_article()
    root = make_comment(article, body=ROOT)
    parent = make_comment(article, parent=root, body=PARENT)
    reply = make_comment(article, parent=parent, body=REPLY, policy=Policy())  # through comment_post
    assert reply.status == Comment.Status.PUBLISHED and not reply.flagged
    assert reply.scores["off_topic"] < 0.03 and reply.reasons == [] and reply.explanation == []
    assert reply.in_conversation  # clearly on-topic: its words now count as the story's readers'


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["held again", "removed"])
def test_an_ancestor_no_longer_published_does_not_count(admin_user, taken):
    article = make_seed_article()
    if taken == "held again":  # held, published by a moderator, then the decision undone within its window
        root = make_comment(article, body=ROOT, policy=HOLD_ALL)
        approval = comment_decide(comment=root, actor=admin_user, decision="approve", undo_window=UNDO_WINDOW)
        parent = make_comment(article, parent=root, body=PARENT)
        comment_undo(event=approval, actor=admin_user)
    else:
        root = make_comment(article, body=ROOT)
        parent = make_comment(article, parent=root, body=PARENT)
        comment_reject(comment=root, actor=admin_user, reason="off_topic")
    root.refresh_from_db()
    assert root.status == (Comment.Status.HELD if taken == "held again" else Comment.Status.REMOVED)
    context, _ = context_of(parent)
    assert context.parent_text == PARENT and context.thread == ()
    reply = make_comment(article, parent=parent, body=REPLY, policy=Policy())
    # Judged against the story and its parent alone: published, and flagged for a moderator as likely off-topic.
    assert reply.status == Comment.Status.PUBLISHED and reply.flagged and reply.reasons == ["off_topic"]
    assert reply.scores["off_topic"] >= Policy().off_topic_flag


@pytest.mark.django_db
def test_the_thread_is_read_nearest_first_up_to_the_sample_in_one_query_whatever_its_depth(admin_user):
    article = make_seed_article()
    chain = [make_comment(article, body="Level 0 of the thread.")]
    for level in range(1, THREAD_SAMPLE + 6):
        chain.append(make_comment(article, parent=chain[-1], body=f"Level {level} of the thread."))
    comment_reject(comment=chain[-4], actor=admin_user, reason="other", note="Taken down.")
    # Replying to the top-level comment: no thread above it, nothing read for it.
    top, top_queries = context_of(chain[0])
    assert top.thread == ()
    shallow, shallow_queries = context_of(chain[1])
    assert shallow.thread == ("Level 0 of the thread.",)
    assert shallow_queries == top_queries + 1
    deep, deep_queries = context_of(chain[-1])
    assert deep_queries == shallow_queries
    # THREAD_SAMPLE steps up from the parent, through the one taken down, whose words are left out.
    above = range(len(chain) - 2, len(chain) - 2 - THREAD_SAMPLE, -1)
    assert deep.thread == tuple(f"Level {n} of the thread." for n in above if n != len(chain) - 4)
    assert len(deep.thread) == THREAD_SAMPLE - 1


def test_the_simulator_walks_its_stream_by_the_same_rule():
    pipeline = Pipeline(article_text="Peace talks in Doha.", policy=Policy())
    publish, hold = Policy(mode="publish_all"), Policy(mode="hold_all")
    chain = [StreamItem(id="0", text=ROOT, at=0.0)]
    chain += [StreamItem(id=str(n), text=f"Level {n}.", parent_id=str(n - 1), at=float(n)) for n in range(1, 26)]
    for item in chain:
        held = item.id == "21"
        pipeline.observe(item, moderate(item.text, pipeline.context_for(item), hold if held else publish))
    assert pipeline.context_for(StreamItem(id="a", text=REPLY, at=30.0)).thread == ()
    assert pipeline.context_for(StreamItem(id="b", text=REPLY, parent_id="0", at=30.0)).thread == ()
    assert pipeline.context_for(StreamItem(id="c", text=REPLY, parent_id="2", at=30.0)).thread == ("Level 1.", ROOT)
    deep = pipeline.context_for(StreamItem(id="d", text=REPLY, parent_id="25", at=30.0)).thread
    assert deep == tuple(f"Level {n}." for n in range(24, 4, -1) if n != 21)
    # A reply to a comment the stream never showed (a skipped record) has no parent and no thread.
    assert pipeline.context_for(StreamItem(id="e", text=REPLY, parent_id="gone", at=30.0)).thread == ()
    # The thread is why the reply is on-topic, as on the site.
    parent = StreamItem(id="p", text=PARENT, parent_id="0", at=31.0)
    pipeline.observe(parent, moderate(PARENT, pipeline.context_for(parent), publish))
    reply = pipeline.context_for(StreamItem(id="r", text=REPLY, parent_id="p", at=32.0))
    assert reply.thread == (ROOT,) and moderate(REPLY, reply, Policy()).scores["off_topic"] < 0.03
