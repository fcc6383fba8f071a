"""One builder, two feeds: the database and the simulator's stream give a comment the same context."""

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.selectors import moderation_context
from factories import make_comment, make_seed_article
from moderation import Policy, moderate
from policies.models import ModerationPolicy
from policies.selectors import forget_active_policy, live_policy
from simulation.pipeline import Pipeline
from simulation.stream import StreamItem

pytestmark = pytest.mark.django_db

SPAM = "Buy cheap watches at my shop today, best prices in town for everyone!"
# (author, seconds after the first comment, text, reply to the comment at this index)
STREAM = [
    ("Ann", 0, "Pakistan's sway over the Taliban is what brings them to the Doha talks.", None),
    ("Ben", 30, SPAM, None),
    ("Cy", 60, SPAM, None),
    ("Ann", 90, "Khalilzad knows the prisoner swap is the sticking point for the Taliban.", 0),
    ("Dee", 100, "The intra-Afghan dialogue needs Islamabad and Kabul to trust each other.", None),
    ("Eve", 110, "Kabul will not free five thousand prisoners for nothing.", 3),
]


def stream_items() -> list[StreamItem]:
    return [
        StreamItem(
            id=str(n),
            text=text,
            author=name,
            email=f"{name.lower()}@example.com",
            at=float(at),
            parent_id=str(parent) if parent is not None else None,
        )  # fmt: skip
        for n, (name, at, text, parent) in enumerate(STREAM)
    ]


@pytest.mark.parametrize(
    ("author", "at", "text", "parent", "thread"),
    [
        ("Ben", 120, SPAM, None, ()),
        ("Eve", 150, SPAM, None, ()),
        # Replies two and three levels deep: the thread above the parent, nearest first.
        ("Ann", 800, "Doha again: the Taliban and Kabul talk.", 3, (0,)),
        ("Ben", 900, "Prisoners first, then the talks in Doha.", 5, (3, 0)),
    ],
)
def test_database_and_stream_give_the_same_context(author, at, text, parent, thread):
    ModerationPolicy.objects.update_or_create(name="default", defaults={"is_active": True, "mode": "publish_all"})
    forget_active_policy()
    policy = live_policy()
    article = make_seed_article()
    start = timezone.now() - dt.timedelta(hours=1)
    items = stream_items()

    # The stream feed: the simulator's pipeline, judging every comment as it goes.
    pipeline = Pipeline(article_text=article.text_for_relevance(), policy=policy)
    for item in items:
        pipeline.observe(item, moderate(item.text, pipeline.context_for(item), policy))
    probe = StreamItem(
        id="probe", text=text, author=author, email=f"{author.lower()}@example.com", at=float(at),
        parent_id=str(parent) if parent is not None else None,
    )  # fmt: skip
    from_stream = pipeline.context_for(probe)

    # The database feed: the same comments posted by readers at the same moments.
    posted: list[Comment] = []
    for item in items:
        comment = make_comment(
            article, body=item.text, name=item.author, parent=posted[int(item.parent_id)] if item.parent_id else None,
            policy=policy,
        )  # fmt: skip
        Comment.objects.filter(pk=comment.pk).update(
            author_email=item.email, mailbox=item.email, created_at=start + dt.timedelta(seconds=item.at)
        )
        posted.append(comment)
    from_database = moderation_context(
        article=article, parent=posted[parent] if parent is not None else None, author_name=author,
        author_email=f"{author.lower()}@example.com", body=text, at=start + dt.timedelta(seconds=at), policy=policy,
    )  # fmt: skip

    assert from_database.own_recent == from_stream.own_recent
    assert from_database.others_recent == from_stream.others_recent
    assert from_database.parent_text == from_stream.parent_text
    assert from_database.thread == from_stream.thread == tuple(STREAM[n][2] for n in thread)
    assert dict(from_database.conversation or {}) == dict(from_stream.conversation or {})
    assert from_database.conversation  # the on-topic comments taught it their words
    # Everything else too (the counts compared above are a Counter on one side, a dict on the other).
    assert from_database == replace(from_stream, conversation=from_database.conversation)
    forget_active_policy()


def test_the_duplicate_window_is_the_policys_on_the_web():
    article = make_seed_article()
    first = make_comment(article, body=SPAM)
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    for minutes, seen in ((10, True), (3, False)):
        context = moderation_context(
            article=article, parent=None, author_name=first.author_name, author_email=first.author_email, body=SPAM,
            at=timezone.now(), policy=Policy(duplicate_window_minutes=minutes),
        )  # fmt: skip
        assert (context.own_recent == (SPAM,)) is seen
