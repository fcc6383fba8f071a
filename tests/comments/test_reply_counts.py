"""The stored count of published replies on each thread stays right whatever happens to the replies."""

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from comments.models import Comment
from comments.services import Simulated, comment_approve, comment_post_simulated, comment_reject
from factories import PUBLISH_ALL, make_comment, make_seed_article
from lab.models import SimulationRun
from moderation import Context

pytestmark = pytest.mark.django_db


def counted(root: Comment) -> int:
    root.refresh_from_db()
    return root.reply_count


def test_reply_count_follows_every_decision(admin_user):
    article = make_seed_article()
    root = make_comment(article)
    reply = make_comment(article, parent=root)
    deeper = make_comment(article, parent=reply)
    assert counted(root) == 2
    comment_reject(comment=deeper, actor=admin_user, reason="abusive")  # removed
    assert counted(root) == 1
    held = make_comment(article, parent=reply, status=Comment.Status.HELD)  # held replies do not count
    assert counted(root) == 1
    comment_approve(comment=held, actor=admin_user)
    assert counted(root) == 2
    comment_approve(comment=held, actor=admin_user)  # approving twice counts once
    assert counted(root) == 2
    run = SimulationRun.objects.create(article=article, label="run")
    comment_post_simulated(
        article=article, author_name="Sim", author_email="sim@sim.example", body="A generated reply.", parent=root,
        simulated=Simulated(run_id=run.pk, created_at=timezone.now(), policy=PUBLISH_ALL, context=Context()),
    )  # fmt: skip
    assert counted(root) == 2  # generated replies are not readers'
    truth = Comment.objects.filter(pk=root.pk).aggregate(
        n=Count("thread_comments", filter=Q(thread_comments__status="published", thread_comments__simulation=None))
    )
    assert truth["n"] == 2
