"""Builders of real rows (articles, comments, form data) for the tests and the benchmarks alike."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from unittest import mock

from django.db.models import F
from django.utils import timezone

from articles.importer import parse_article
from articles.models import Article
from articles.services import article_import
from comments.models import Comment
from comments.selectors import forget_counts
from comments.services import comment_post
from moderation import Policy

SEED_PATH = "articles/demo/us-seeks-pakistans-help.txt"
_counter = itertools.count(1)
# Tests that are not about moderation post through the real service with the filter off.
PUBLISH_ALL = Policy(mode="publish_all")
HOLD_ALL = Policy(mode="hold_all")
# The task backend production runs (tasks are rows a worker takes), for a test that counts what a request
# itself does; the tests' default runs each task where it is enqueued (tests/conftest.py).
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def seed_text() -> str:
    with open(SEED_PATH, encoding="utf-8") as handle:
        return handle.read()


def make_seed_article() -> Article:
    article, _ = article_import(parsed=parse_article(seed_text()))
    return article


def make_article(**overrides: Any) -> Article:
    n = next(_counter)
    fields = {
        "headline": f"Test article {n}",
        "slug": f"test-article-{n}",
        "standfirst": "A standfirst.",
        "source": "Test Agency",
        "published_on": dt.date(2021, 1, 2),
        "dateline": "LONDON",
        "body": "First paragraph about parliament.\n\nSecond paragraph about the budget.",
    }
    fields.update(overrides)
    return Article.objects.create(**fields)


def make_comment(
    article: Article,
    *,
    body: str = "The talks in Doha matter for the peace process.",
    parent: Comment | None = None,
    name: str | None = None,
    status: str | None = None,
    minutes_ago: float | None = None,
    policy: Policy = PUBLISH_ALL,
) -> Comment:
    n = next(_counter)
    with mock.patch("comments.services.live_policy", return_value=policy):
        comment = comment_post(
            article=article,
            author_name=name or f"Reader {n}",
            author_email=f"reader{n}@example.com",
            body=body,
            parent=parent,
        ).comment
    if minutes_ago is not None:
        comment.created_at = timezone.now() - dt.timedelta(minutes=minutes_ago)
        Comment.objects.filter(pk=comment.pk).update(created_at=comment.created_at)
    if status and comment.status != status:
        # Forced as if decided that way: the thread's stored count of published replies agrees.
        change = (status == Comment.Status.PUBLISHED) - (comment.status == Comment.Status.PUBLISHED)
        Comment.objects.filter(pk=comment.pk).update(status=status)
        if comment.root_id and change:
            Comment.objects.filter(pk=comment.root_id).update(reply_count=F("reply_count") + change)
        comment.status = status
        forget_counts(article_id=comment.article_id)  # as a moderator's decision drops the page's counts
    return comment


def signed_started(seconds_ago: int = 60, token: str = "form") -> str:
    """A form timestamp as the page would have signed it, for the form with ``token``, ``seconds_ago``."""
    import time

    from comments.forms import signed_start

    return signed_start(token, at=time.time() - seconds_ago)


def comment_form_data(**overrides: Any) -> dict[str, Any]:
    import uuid

    data = {
        "name": "Amina",
        "email": "amina@example.com",
        "body": "Khalilzad is right to press Pakistan on the intra-Afghan talks.",
        "parent": "",
        "token": uuid.uuid4().hex,
        "website": "",
    }
    seconds_ago = overrides.pop("started_seconds_ago", 60)
    data.update(overrides)
    data.setdefault("started", signed_started(seconds_ago, token=data["token"]))
    return data


def make_scored_comments(
    scores: Any, *, days_ago: float = 0.0, simulation: Any = None, key: str = "model", body: str = "Comment {n}."
) -> list[Comment]:
    """Published comments (real, or a simulation's) with these stored scores, as the filter stores them, one a
    second back from ``days_ago``: the site's recent traffic as the hold levels that travel read it."""
    article = make_seed_article()
    at = timezone.now() - dt.timedelta(days=days_ago)
    return Comment.objects.bulk_create(
        Comment(
            article=article,
            author_name="Reader",
            author_email="r@example.com",
            body=body.format(n=n),
            created_at=at - dt.timedelta(seconds=n),
            status=Comment.Status.PUBLISHED,
            scores={key: score, "abuse": 0.0},
            simulation=simulation,
        )
        for n, score in enumerate(scores)
    )


def spread(n: int, low: float = 0.0, high: float = 1.0) -> list[float]:
    """``n`` scores evenly from ``low`` (included) towards ``high`` (not reached)."""
    return [round(low + (high - low) * i / n, 3) for i in range(n)]
