"""Reads for the export: every comment of this site, as one line each (``schemas.ExportedComment``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

from django.conf import settings

from articles.models import Article
from comments.models import Comment
from transfer.schemas import ExportedComment, Source, SourceRef, StoryRef
from transfer.stories import own_story_url, story_index, story_key


def story_named(name: str) -> Article | None:
    """The story a person names: by its address (on its own site, or its page here, however written) or slug."""
    key = story_key(name)
    if key is not None:
        story = story_index().get(key)
        return Article.objects.filter(pk=story).first() if story is not None else None
    return Article.objects.filter(slug=name.strip()).first()


def identity(comment: Comment) -> SourceRef:
    """A comment as an export names it: where it was first written and its id there (this site: its own id)."""
    if comment.source_id is not None:
        return SourceRef(source=cast(Source, comment.source), source_id=comment.source_id)
    return SourceRef(source="newsroom", source_id=str(comment.pk))


def exported_comments(
    *, story: Article | None = None, since: dt.datetime | None = None, with_emails: bool = False
) -> Iterator[ExportedComment]:
    """Readers' comments (never the simulator's), in every state, oldest first: a parent before its replies."""
    rows = Comment.objects.real().select_related("article", "parent").order_by("created_at", "pk")
    if story is not None:
        rows = rows.filter(article=story)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    urls: dict[int, str] = {}
    for comment in rows.iterator(chunk_size=2000):
        article = comment.article
        if article.pk not in urls:
            urls[article.pk] = article.canonical_url or own_story_url(article)
        parent = comment.parent
        yield ExportedComment(
            id=comment.pk, parent_id=comment.parent_id, author_name=comment.author_name,
            created_at=comment.created_at, body=comment.body,
            depth=min(comment.depth, settings.COMMENTS_MAX_DEPTH),
            replying_to=parent.author_name if parent is not None else "",
            removed=comment.status == Comment.Status.REMOVED, status=cast(Any, comment.status),
            reply_count=comment.reply_count if comment.root_id is None else 0,
            story=StoryRef(url=urls[article.pk], title=article.headline),
            **identity(comment).model_dump(),
            parent=identity(parent) if parent is not None else None,
            author_email=comment.author_email if with_emails else "",
        )  # fmt: skip
