"""Reads for the comment section: a page of threads in a fixed number of queries.

Top-level comments are paginated; the replies of the threads on the page are read
in one query through ``root`` and the tree is built in Python. Whatever the number
of comments, the section costs the same handful of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q

from articles.models import Article

from .models import Comment
from .moderation import Context, Conversation, Policy, Recent, author_key, build_context
from .moderation.context import CONVERSATION_SAMPLE, RECENT_SAMPLE
from .moderation.normalize import fingerprint_key

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "replies": ("-reply_count", "created_at", "id"),
}
SORT_LABELS = {"oldest": "Oldest", "newest": "Newest", "replies": "Most replies"}


@dataclass
class Entry:
    """One comment as shown: at a display depth, naming whom it replies to."""

    comment: Comment
    depth: int
    replying_to: str = ""
    is_tombstone: bool = False
    is_own_pending: bool = False


@dataclass
class CommentSection:
    count: int
    page: Page[Comment]  # of top-level comments
    threads: list[list[Entry]]
    sort: str
    own_pending: list[Entry] = field(default_factory=list)


def _flatten(root: Comment, children: dict[int, list[Comment]], max_depth: int, own: Collection[int]) -> list[Entry]:
    entries: list[Entry] = []

    def has_visible(comment: Comment) -> bool:
        return (
            comment.status == Comment.Status.PUBLISHED
            or comment.pk in own
            or any(has_visible(child) for child in children.get(comment.pk, ()))
        )

    def walk(comment: Comment, parent: Comment | None) -> None:
        published = comment.status == Comment.Status.PUBLISHED
        pending = comment.status == Comment.Status.HELD and comment.pk in own
        if not (published or pending) and not any(has_visible(c) for c in children.get(comment.pk, ())):
            return
        entries.append(
            Entry(
                comment=comment,
                depth=min(comment.depth, max_depth),
                replying_to=parent.author_name if parent is not None else "",
                is_tombstone=not (published or pending),
                is_own_pending=pending,
            )
        )
        for child in children.get(comment.pk, ()):
            walk(child, comment)

    walk(root, None)
    return entries


def comment_section(
    *,
    article: Article,
    page_number: int | str | None = 1,
    sort: str = "oldest",
    own_comment_ids: Collection[int] = (),
) -> CommentSection:
    sort = sort if sort in SORTS else "oldest"
    own = set(own_comment_ids)
    count = Comment.objects.real().published().filter(article=article).count()
    # A removed comment stays as a tombstone while it has published replies, so they keep their context.
    top_level = (
        Comment.objects.real()
        .filter(article=article)
        .top_level()
        .filter(
            Q(status=Comment.Status.PUBLISHED)
            | Q(reply_count__gt=0, status__in=[Comment.Status.REMOVED, Comment.Status.REJECTED])
        )
    )
    top_level = top_level.order_by(*SORTS[sort])
    paginator = Paginator(top_level, settings.COMMENTS_THREADS_PER_PAGE)
    page = paginator.get_page(paginator.num_pages if page_number == "last" else page_number)
    roots = list(page.object_list)
    root_ids = [c.pk for c in roots]
    replies = (
        Comment.objects.real()
        .filter(root_id__in=root_ids)
        .exclude(Q(status=Comment.Status.HELD) & ~Q(pk__in=own))
        .order_by("created_at", "id")
    )
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        if reply.parent_id is not None:
            children.setdefault(reply.parent_id, []).append(reply)
    max_depth = settings.COMMENTS_MAX_DEPTH
    threads = [entries for root in roots if (entries := _flatten(root, children, max_depth, own))]
    own_pending: list[Entry] = []
    if own:
        own_pending = [
            Entry(comment=c, depth=0, is_own_pending=True)
            for c in Comment.objects.real().held().top_level().filter(pk__in=own, article=article)
        ]
    return CommentSection(count=count, page=page, threads=threads, sort=sort, own_pending=own_pending)


def reply_target(*, article: Article, comment_id: str | int | None) -> Comment | None:
    """The comment a no-JavaScript reply or report link points at, if it can be answered or reported."""
    try:
        pk = int(comment_id) if comment_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if pk is None:
        return None
    return Comment.objects.real().published().filter(article=article, pk=pk).first()


def moderation_context(
    *,
    article: Article,
    parent: Comment | None,
    author_name: str,
    author_email: str,
    body: str,
    at: dt.datetime,
    policy: Policy,
    honeypot_filled: bool = False,
    seconds_to_write: float | None = None,
) -> Context:
    """The moderation context of a comment about to be posted, fed from the database.

    The article's latest readers' comments within the policy's duplicate window, and the
    latest of its published comments that joined the conversation (what the simulator
    keeps from its stream instead).
    """
    since = at - dt.timedelta(minutes=policy.duplicate_window_minutes)
    # Only the same words can be a duplicate: one indexed read, however busy the article.
    recent = (
        Comment.objects.real()
        .filter(article=article, fingerprint=fingerprint_key(body), created_at__gte=since, created_at__lte=at)
        .order_by("-created_at", "-id")
        .values_list("author_name", "author_email", "body", "created_at")[:RECENT_SAMPLE]
    )
    conversation_texts = list(
        Comment.objects.real()
        .published()
        .filter(article=article, in_conversation=True)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)[:CONVERSATION_SAMPLE]
    )
    key = author_key(author_name, author_email)
    return build_context(
        text=body,
        author=key,
        at=at.timestamp(),
        policy=policy,
        article_text=article.text_for_relevance(),
        parent_text=parent.body if parent else "",
        recent=[Recent(author_key(name, email), text, when.timestamp()) for name, email, text, when in recent],
        conversation=Conversation(reversed(conversation_texts)).snapshot(),
        author_published_count=Comment.objects.real().published().filter(author_email=key).count(),
        honeypot_filled=honeypot_filled,
        seconds_to_write=seconds_to_write,
    )
