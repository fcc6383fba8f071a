"""Reads for the comment section: a page of threads in a fixed number of queries.

Top-level comments are paginated; the replies of the threads on the page are read
in one query through ``root`` and the tree is built in Python. Whatever the number
of comments, the section costs the same handful of queries. The two counts a page
needs (comments shown, threads to paginate) would each read every row of a busy
story: they are kept in the cache; a reader's comment published as it is posted is
added to them, and any other change of a comment of the story drops them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property

from articles.models import Article
from commenters.mailboxes import mailbox_key
from commenters.models import Commenter, Sanction, StorySettings
from commenters.selectors import in_force_sql, signed_in_sql
from commenters.services import normalise_email
from comments import appeals
from comments.models import Comment, CommentReport, ModerationEvent, Reaction
from moderation import Context, Policy, Recent, author_key, build_context
from moderation.context import CONVERSATION_SAMPLE, RECENT_SAMPLE, THREAD_SAMPLE, Conversations
from moderation.normalize import fingerprint_key
from newsroom import cache, db
from policies.selectors import live_policy

SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "replies": ("-reply_count", "created_at", "id"),
    "reactions": ("-reaction_count", "created_at", "id"),
}
SORT_LABELS = {"oldest": "Oldest", "newest": "Newest", "replies": "Most replies", "reactions": "Most reactions"}
# The index each sort's page of threads is read through, in its own order (tests/comments/*_plans.py).
SORT_INDEXES = {
    "oldest": "comment_threads_by_date_idx",
    "newest": "comment_threads_by_date_idx",
    "replies": "comment_threads_by_replies_idx",
    "reactions": "comment_threads_by_react_idx",
}


@dataclass
class Entry:
    """One comment as shown: at a display depth, naming whom it replies to."""

    comment: Comment
    depth: int
    replying_to: str = ""
    is_tombstone: bool = False
    is_own_pending: bool = False  # its author's, not published (held, or turned down): only they see it
    is_own: bool = False  # written on this browser
    # By a commenter this reader ignores, kept as one line only because others answered it.
    is_ignored: bool = False
    reacted: bool = False  # this reader reacted to it
    # For its author only: what became of it and why, beside the comment itself.
    notice: str = ""
    notice_kind: str = ""  # "held", "published" (after review), "rejected"
    # For its author only, when a decision hides it: the statement of reasons, and the page to appeal from.
    statement: appeals.Statement | None = None
    appeal_url: str = ""


@dataclass
class Thread:
    """A top-level comment and the replies shown with it (at most ``REPLIES_PER_PAGE`` of them)."""

    root: Comment
    entries: list[Entry]
    replies_page: int = 1  # which page of this thread's replies is shown (0: the first few, under the article)
    more: bool = False  # further replies wait behind "Show more replies"
    root_ignored: bool = False  # its first comment is by a commenter this reader ignores

    @property
    def next_replies_page(self) -> int:
        """The page of the thread's own view that "Show more replies" opens."""
        return self.replies_page + 1

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class CommentSection:
    count: int
    page: Page[Comment]  # of top-level comments
    threads: list[Thread]
    sort: str
    own_pending: list[Entry] = field(default_factory=list)
    thread_view: bool = False  # one thread, one page of its replies (from "Show more replies")

    @property
    def page_numbers(self) -> list[int | str]:
        """The pages to offer: the first and last, and two either side of this one; "…" for the gaps."""
        return list(self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2, on_ends=1))


# Replies on each page of a thread's own view: a thread of a thousand replies costs a page no more
# than a thread of twenty. Under the article each thread shows its first few
# (settings.COMMENTS_REPLIES_WITH_THREAD), so a page of the busiest threads weighs about what a page
# of quiet ones does.
REPLIES_PER_PAGE = 20


def commenter_key(comment: Comment) -> str:
    """Who wrote a comment, for a reader who ignores them: the name they comment under, as every reader sees it.

    Not their address, on purpose: hiding by it would tell the reader which names share an address (ignore
    "Alice", and "Concerned citizen" vanishes too), and would let anyone test an address against a commenter
    (post a comment with it, ignore that, and see whose comments go). A name is what the page shows already."""
    return " ".join(comment.author_name.split()).casefold()


IGNORED_NAME = "a commenter you ignore"


def _name_of(comment: Comment, own: Collection[int], ignored: Collection[str]) -> str:
    """A comment's author as this reader is shown them (not the name of a commenter they ignore)."""
    return IGNORED_NAME if is_ignored(comment, own, ignored) else comment.author_name


def is_ignored(comment: Comment, own: Collection[int], ignored: Collection[str]) -> bool:
    """A published comment by a commenter this reader ignores (their own never is)."""
    return (
        bool(ignored)
        and comment.status == Comment.Status.PUBLISHED
        and comment.pk not in own
        and commenter_key(comment) in ignored
    )


def _flatten(
    root: Comment,
    children: dict[int, list[Comment]],
    max_depth: int,
    own: Collection[int],
    *,
    with_root: bool = True,
    ignored: Collection[str] = (),
) -> list[Entry]:
    entries: list[Entry] = []

    def shown_whole(comment: Comment) -> bool:
        """Shown with its words: published by someone this reader does not ignore, or the reader's own."""
        published = comment.status == Comment.Status.PUBLISHED
        return comment.pk in own or (published and commenter_key(comment) not in ignored)

    def has_visible(comment: Comment) -> bool:
        return shown_whole(comment) or any(has_visible(child) for child in children.get(comment.pk, ()))

    def walk(comment: Comment, parent: Comment | None) -> None:
        published = comment.status == Comment.Status.PUBLISHED
        pending = not published and comment.pk in own
        if not shown_whole(comment) and not any(has_visible(c) for c in children.get(comment.pk, ())):
            return
        mine = comment.pk in own
        entries.append(
            Entry(
                comment=comment,
                depth=min(comment.depth, max_depth),
                # Its own parent, which on a later page of replies may not be the one above it.
                replying_to=_name_of(comment.parent, own, ignored) if comment.parent is not None else "",
                is_tombstone=not (published or pending),
                is_own_pending=pending,
                is_own=mine,
                is_ignored=is_ignored(comment, own, ignored),
            )
        )
        for child in children.get(comment.pk, ()):
            walk(child, comment)

    if with_root:
        walk(root, None)
    else:  # a later page of replies: those whose parent is on an earlier page lead their own branch
        for child in children.get(root.pk, ()):
            walk(child, root)
    return entries


def comment_section(
    *,
    article: Article,
    counts: tuple[int, int] | None = None,
    page_number: int | str | None = 1,
    sort: str = "oldest",
    own_comment_ids: Collection[int] = (),
    thread: int | str | None = None,
    replies_page: int | str | None = 1,
    ignored: Collection[str] = (),
    reader: str | None = None,
) -> CommentSection:
    """A page of threads; or, given ``thread``, that one thread with one page of its replies. ``ignored``: the
    mailboxes whose comments this reader does not want to see (one line stands for such a comment that others
    answered, so that the thread still reads). ``reader``: who reacts (``comments.reactions.reader_key``), whose
    reactions the entries say (one query for the page)."""
    ignored = frozenset(ignored)
    sort = sort if sort in SORTS else "oldest"
    own = set(own_comment_ids)
    count, thread_count = section_counts(article=article) if counts is None else counts
    top_level = _threads(article).order_by(*SORTS[sort])
    paginator = _CountedPaginator(top_level, settings.COMMENTS_THREADS_PER_PAGE, thread_count)
    page = paginator.get_page(paginator.num_pages if page_number == "last" else page_number)
    thread_id = _as_int(thread)
    shown = _as_int(replies_page) or 1
    roots = list(top_level.filter(pk=thread_id)) if thread_id is not None else []
    if roots:
        first, last = (shown - 1) * REPLIES_PER_PAGE, shown * REPLIES_PER_PAGE
    else:  # no thread asked for, or not one of this article's: the page of threads, each with its first few
        thread_id, shown, roots = None, 0, list(page.object_list)
        first, last = 0, settings.COMMENTS_REPLIES_WITH_THREAD
    children: dict[int, list[Comment]] = {}
    has_more: set[int | None] = set()
    seen = {c.pk for c in roots}
    shown_of: dict[int | None, int] = {}  # replies read so far, per thread
    for reply in _replies_of(roots, own, first, last):  # in the order written: a parent on this page comes first
        shown_of[reply.root_id] = place = shown_of.get(reply.root_id, 0) + 1
        if place > last - first:
            has_more.add(reply.root_id)
            continue
        # A reply whose parent is on an earlier page of the thread hangs from the thread's top.
        under = reply.parent_id if reply.parent_id in seen else reply.root_id
        if under is not None:
            children.setdefault(under, []).append(reply)
            seen.add(reply.pk)
    max_depth = settings.COMMENTS_MAX_DEPTH
    threads = [
        Thread(root, entries, replies_page=shown, more=root.pk in has_more, root_ignored=is_ignored(root, own, ignored))
        for root in roots
        if (entries := _flatten(root, children, max_depth, own, with_root=shown <= 1, ignored=ignored))
        or (shown > 1 and root.pk in has_more)
    ]
    own_pending: list[Entry] = []
    if own:
        # The reader's own top-level comments that others cannot see (held, or turned down), at the top.
        own_pending = [
            Entry(comment=c, depth=0, is_own_pending=True)
            for c in Comment.objects.real()
            .top_level()
            .filter(pk__in=own, article=article)
            .exclude(status=Comment.Status.PUBLISHED)
            .exclude(pk__in=[t.root.pk for t in threads])
            .order_by("-created_at")
        ]
        _tell_authors([*own_pending, *(e for t in threads for e in t if e.comment.pk in own)])
    if reader:
        entries = [e for t in threads for e in t]
        mine = reacted_to(reader=reader, comment_ids=[e.comment.pk for e in entries])
        for entry in entries:
            entry.reacted = entry.comment.pk in mine
    return CommentSection(
        count=count, page=page, threads=threads, sort=sort, own_pending=own_pending, thread_view=thread_id is not None
    )


# The featured comments a story's "Featured" tab shows at most, newest featured first.
FEATURED_SHOWN = 50


def featured_entries(
    *, article: Article, own: Collection[int] = (), ignored: Collection[str] = (), reader: str | None = None
) -> list[Entry]:
    """The story's comments a moderator featured and that are still published, each as it is shown alone
    (whom it replies to named): one read on ``comment_featured_idx``, and one for this reader's reactions."""
    featured = (
        Comment.objects.real()
        .published()
        .filter(article=article, featured_at__isnull=False)
        .select_related("parent")
        .order_by("-featured_at")[:FEATURED_SHOWN]
    )
    entries = [
        Entry(
            comment=c,
            depth=0,
            is_own=c.pk in own,
            replying_to=_name_of(c.parent, own, ignored) if c.parent is not None else "",
        )  # fmt: skip
        for c in featured
        if not is_ignored(c, own, ignored)
    ]
    mine = reacted_to(reader=reader, comment_ids=[e.comment.pk for e in entries])
    for entry in entries:
        entry.reacted = entry.comment.pk in mine
    return entries


def reacted_to(*, reader: str | None, comment_ids: Collection[int]) -> set[int]:
    """Which of these comments this reader reacted to: one query for a page, whatever its length."""
    if not reader or not comment_ids:
        return set()
    found = Reaction.objects.filter(reader=reader, comment_id__in=list(comment_ids))
    return set(found.values_list("comment_id", flat=True))


def _replies_of(roots: list[Comment], own: Collection[int], first: int, last: int) -> list[Comment]:
    """The replies a page shows of each thread (from the ``first`` to the ``last``, plus one to tell whether
    there are more), in one query whose cost does not grow with the threads' length.

    Each thread's replies are one range of ``comment_replies_idx`` read in order and cut at its limit; the
    ranges are joined with UNION ALL inside an ``IN``. (Django composes no sliced parts into a UNION on
    SQLite, so the glue is written here; every part is the ORM's own SQL.) Numbering every reply with a
    window function instead read the whole of the busiest threads.
    """
    visible = Comment.objects.real().exclude(Q(status=Comment.Status.HELD) & ~Q(pk__in=own))
    parts = [
        visible.filter(root_id=root.pk).order_by("created_at", "id").values_list("pk", flat=True)[first : last + 1]
        for root in roots
    ]
    if not parts:
        return []
    compiled = [part.query.sql_with_params() for part in parts]
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS part{n}" for n, (sql, _) in enumerate(compiled))  # noqa: S608
    params = [param for _, part_params in compiled for param in part_params]
    replies = Comment.objects.filter(pk__in=RawSQL(union, params)).select_related("parent")  # noqa: S611
    # Put in order here: a page holds a few dozen, and an ORDER BY would be one more sort in the plan.
    return sorted(replies.order_by(), key=lambda reply: (reply.created_at, reply.pk))


@dataclass(frozen=True)
class Standing:
    """What a post asks of its author's address before judging it."""

    signed_in_by_site: bool  # a newsroom's site signs its reader in: not this browser's to use unproved
    sanctions: list[Sanction]  # in force on it (``active_sanctions``), the newest first
    week_total: int  # its comments of the last seven days (by its mailbox, ``mailbox_key``)
    week_rejected: int  # how many of those were not published


def author_standing(*, email: str, at: dt.datetime) -> Standing:
    """What a post asks of an address, in one statement instead of three (each was a round trip to PostgreSQL
    on every post). The week's counts are one row, which the sanctions
    in force are joined to (none: that row alone); each part follows the index its own read follows
    (``tests/comments/test_story_shape_plans.py``)."""
    email = normalise_email(email)
    signed, signed_params = signed_in_sql(email=email)
    sanction = in_force_sql(email=email, at=at, alias="s") or ("1 = 0", [])
    found = db.rows(
        'SELECT "week"."standing_total", "week"."standing_rejected", '
        f'EXISTS (SELECT 1 FROM {db.table(Commenter)} WHERE {signed}), '  # noqa: S608
        f"{db.columns(Sanction, 's')} "
        'FROM (SELECT COUNT("id") AS "standing_total", '
        'COALESCE(SUM(CASE WHEN "status" IN (%s, %s) THEN 1 ELSE 0 END), 0) AS "standing_rejected" '
        f'FROM {db.table(Comment)} WHERE "simulation_id" IS NULL AND "mailbox" = %s '
        'AND "created_at" >= %s AND "created_at" <= %s) AS "week" '
        f'LEFT JOIN {db.table(Sanction)} AS "s" ON {sanction[0]} '
        'ORDER BY "s"."created_at" DESC, "s"."id" DESC',  # Sanction's own order: the newest first
        [
            *signed_params, Comment.Status.REJECTED.value, Comment.Status.REMOVED.value, mailbox_key(email),
            db.when(at - dt.timedelta(days=7)), db.when(at), *sanction[1],
        ],
    )  # fmt: skip
    total, rejected, signed_in = found[0][:3]
    return Standing(
        signed_in_by_site=bool(signed_in),
        sanctions=db.instances(Sanction, [row[3:] for row in found if row[3] is not None]),  # none: NULLs
        week_total=int(total),
        week_rejected=int(rejected),
    )


# How long counts stay cached even when nothing drops them (a write that bypassed the services,
# or a worker counting on its own while the shared cache is down).
COUNTS_SECONDS = 120


def counts_keys(article_id: int) -> tuple[str, str]:
    """The cached counts of a story: its published comments, and the threads its pages list."""
    return f"comments:count:{article_id}", f"comments:threads:{article_id}"


def section_counts(*, article: Article) -> tuple[int, int]:
    """The article's published comments and the threads its pages list, counted once until a comment changes
    (and kept, not counted again, as readers' comments are published: ``count_published``)."""
    keys = counts_keys(article.pk)
    found = cache.call("get_many", list(keys))
    if all(isinstance(found.get(key), int) for key in keys):
        return found[keys[0]], found[keys[1]]
    counts = (Comment.objects.real().published().filter(article=article).count(), _threads(article).count())
    cache.call("set_many", dict(zip(keys, counts, strict=True)), COUNTS_SECONDS)
    return counts


def forget_counts(*, article_id: int) -> None:
    """A comment of this article changed state: count afresh (now, and once it is committed)."""
    keys = counts_keys(article_id)
    cache.forget(*keys)
    transaction.on_commit(lambda: cache.forget(*keys))


# One more for each key that is cached, in order, stopping at the first that is not (the next page counts both
# afresh): one round trip to the shared Redis, where asking whether each is cached, then adding, was two a key.
COUNT_SCRIPT = """
for _, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 0 then return 0 end
    redis.call('INCR', key)
end
return 1
"""


def count_published(*, article_id: int, new_thread: bool) -> None:
    """A reader's comment was published as it was posted: one more comment, and one more thread if it starts
    one, added to the cached counts. Counting afresh reads every comment of the story (0.7 s at a million),
    and a busy story is posted to every few seconds. Counts not cached are left to the next page to count."""
    count, threads = counts_keys(article_id)
    if cache.read_before(count) == (True, None):
        # Not cached when this post began (it read the key with the rest): nothing to add to. (A page that
        # counts meanwhile counts without this comment, as it would if it counted just before the commit; the
        # count is right again once it expires, ``COUNTS_SECONDS``.)
        return
    keys = [count, threads] if new_thread else [count]
    try:
        cache.redis_script(COUNT_SCRIPT, keys, [])
        return
    except cache.NotShared:  # each process's own cache, or the shared one away: a key at a time
        pass
    for key in keys:
        try:
            cache.call("incr", key)
        except ValueError:  # not cached (or gone meanwhile): the next page counts both afresh
            return


def _threads(article: Article) -> QuerySet[Comment]:
    """The threads an article's pages list: published top-level comments, and removed ones that still
    have published replies (a tombstone keeps them in context)."""
    return (
        Comment.objects.real()
        .filter(article=article)
        .top_level()
        .filter(
            Q(status=Comment.Status.PUBLISHED)
            | Q(reply_count__gt=0, status__in=[Comment.Status.REMOVED, Comment.Status.REJECTED])
        )
    )


class _CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its count, instead of counting the rows."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def comment_url(comment: Comment, *, just_stored: bool = False) -> str:
    """Where a comment can be seen: its article, on the page of comments that holds its thread; for a reply
    beyond the few shown under the article, the page of its thread's own view that holds it.
    ``just_stored``: the comment was stored by this request, so a thread it starts is the newest."""
    root = comment.root or comment
    if comment.root_id is not None:
        # Its place among the replies the thread's view lists (held ones are shown to their author alone).
        place = (
            Comment.objects.real()
            .filter(root_id=comment.root_id)
            .exclude(status=Comment.Status.HELD)
            .filter(Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk))
            .count()
            + 1
        )
        if place > settings.COMMENTS_REPLIES_WITH_THREAD:
            page = (place - 1) // REPLIES_PER_PAGE + 1
            query = urlencode({"thread": comment.root_id, "replies": page})
            return f"{comment.article.get_absolute_url()}?{query}#comment-{comment.pk}"
    if just_stored and comment.root_id is None:
        # A thread just started is the newest, on the last page: nothing to count (nor a queryset to build on
        # every post).
        return f"{comment.article.get_absolute_url()}?page=last#comment-{comment.pk}"
    threads = Comment.objects.real().filter(
        article_id=comment.article_id, parent__isnull=True, status=Comment.Status.PUBLISHED
    )
    if not threads.filter(created_at__gt=root.created_at).exists():
        # The newest thread (a comment just posted) is on the last page: no need to count those before it.
        query = "?page=last"
    else:
        before = threads.filter(created_at__lt=root.created_at).count()
        page = before // settings.COMMENTS_THREADS_PER_PAGE + 1
        query = "?" + urlencode({"page": page}) if page > 1 else ""
    return f"{comment.article.get_absolute_url()}{query}#comment-{comment.pk}"


def _tell_authors(entries: list[Entry]) -> None:
    """Each of the reader's own comments says what became of it: held and why, published after review,
    or turned down and why (the filter's reasons, or the moderator's reason and note); a hidden one links to its
    statement of reasons and appeal (comments/appeals.py). Three queries."""
    if not entries:
        return
    hidden = [e.comment for e in entries if e.comment.status != Comment.Status.PUBLISHED]
    statements = appeals.statements_of_reasons(hidden, policy=live_policy()) if hidden else {}
    for entry in entries:
        if (statement := statements.get(entry.comment.pk)) is not None:
            entry.statement = statement
            entry.appeal_url = reverse("comments:appeal", kwargs={"token": appeals.appeal_token(entry.comment)})
    decided = {
        event.comment_id: event
        for event in ModerationEvent.objects.filter(
            comment_id__in=[e.comment.pk for e in entries],
            action__in=[ModerationEvent.Action.APPROVE, ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE],
            undone_by__isnull=True,  # a decision taken back within its window decided nothing
        ).order_by("created_at", "id")
    }  # the latest decision of each
    for entry in entries:
        comment, event = entry.comment, decided.get(entry.comment.pk)
        entry.notice_kind, entry.notice = author_notice(comment, event)


def author_notice(comment: Comment, event: ModerationEvent | None) -> tuple[str, str]:
    """(kind, sentence) telling a comment's author what became of it; ("", "") when there is nothing to tell."""
    because = "; ".join(dict.fromkeys(r["message"] for r in comment.explanation or []))
    status = comment.status
    if status == Comment.Status.HELD:
        why = f" It was held because it {because}." if because else " Every comment is read by a moderator first."
        return "held", "Awaiting moderation — only you can see this." + why
    if status == Comment.Status.PUBLISHED:
        if event is not None and event.action == ModerationEvent.Action.APPROVE and event.old_status != status:
            return "published", "A moderator read your comment and published it."
        return "", ""
    if status in (Comment.Status.REJECTED, Comment.Status.REMOVED):
        if event is not None and event.action in (ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE):
            verb = "removed" if status == Comment.Status.REMOVED else "did not publish"
            reason = dict(CommentReport.Reason.choices).get(event.reason, event.reason or "").lower()
            said = f" {reason.capitalize()}." if reason else ""
            note = f" Their note: “{event.note.strip()}”" if event.note.strip() else ""
            return "rejected", f"A moderator {verb} your comment — only you can see it now.{said}{note}"
        why = f" because it {because}" if because else ""
        return "rejected", f"Not published{why} — only you can see it. You can edit it and post it again."
    return "", ""


def _as_int(value: int | str | None) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number < 2**31 else None


def article_to_comment_on(*, slug: str) -> Article:
    """The published article a comment is posted to, with its comment settings (every post reads them for
    ``story_state``) in the same query: ``Article.objects.published().select_related("comment_settings")``,
    written out (every post asks: ``newsroom.db``)."""
    found = db.rows(
        f"SELECT {db.columns(Article, 'a')}, {db.columns(StorySettings, 's')} "  # noqa: S608
        f'FROM {db.table(Article)} AS "a" LEFT JOIN {db.table(StorySettings)} AS "s" ON "s"."article_id" = "a"."id" '
        'WHERE "a"."slug" = %s AND "a"."is_published"',
        [slug],
    )
    if not found:
        raise Http404("No published story has this address.")
    width = len([field for field in Article._meta.concrete_fields if field.column])  # as ``db.columns`` names them
    [article] = db.instances(Article, [found[0][:width]])
    own = found[0][width:]
    settings_ = db.instances(StorySettings, [own])[0] if own[0] is not None else None
    # As select_related leaves it: the story's settings, or that it has none, known without another read.
    StorySettings._meta.get_field("article").remote_field.set_cached_value(article, settings_)
    return article


def reply_target(*, article: Article, comment_id: str | int | None) -> Comment | None:
    """The comment a no-JavaScript reply or report link points at, if it can be answered or reported."""
    try:
        pk = int(comment_id) if comment_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if pk is None:
        return None
    return Comment.objects.real().published().filter(article=article, pk=pk).first()


# Each story's conversation as this process counted it last, brought up to date on each post from the rows read.
CONVERSATIONS = Conversations()


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
    author_known: bool = True,
) -> Context:
    """The moderation context of a comment about to be posted, fed from the database.

    ``author_known``: the address is the poster's own (confirmed on this browser); otherwise the author
    is a newcomer, whatever the address has published before, and that record is not even read.

    The article's latest readers' comments within the policy's duplicate window, and the
    latest of its published comments that joined the conversation (what the simulator
    keeps from its stream instead).
    """
    since = at - dt.timedelta(minutes=policy.duplicate_window_minutes)
    comments = db.table(Comment)
    no_date = _no_date(connection.vendor)  # a NULL of the column's type, for the union
    # Both samples in one statement (each was a round trip to PostgreSQL on every post), each its own indexed read
    # that stops at what it wants, however busy or however shaped the story: only the same words can be a
    # duplicate; the conversation is published comments only (the services clear ``in_conversation`` on the
    # rest). Written out: ``newsroom.db``.
    found = db.rows(
        'SELECT * FROM (SELECT 1 AS "part", "author_name", "mailbox", "body", "created_at", "id" '  # noqa: S608
        f'FROM {comments} WHERE "simulation_id" IS NULL AND "article_id" = %s AND "fingerprint" = %s '
        'AND "created_at" >= %s AND "created_at" <= %s '
        f'ORDER BY "created_at" DESC, "id" DESC LIMIT {RECENT_SAMPLE:d}) AS "same_words" '
        "UNION ALL "
        f'SELECT * FROM (SELECT 2 AS "part", NULL, NULL, "body", CAST(NULL AS {no_date}), "id" '
        f'FROM {comments} WHERE "simulation_id" IS NULL AND "article_id" = %s AND "in_conversation" '
        f'ORDER BY "created_at" DESC, "id" DESC LIMIT {CONVERSATION_SAMPLE:d}) AS "conversation"',
        [article.pk, fingerprint_key(body), db.when(since), db.when(at), article.pk],
    )
    # The same words oldest first, put in order here rather than trusted to the union's. The conversation is
    # neither put in order nor are its dates read: it is counted, not ordered (its words' counts are the same in
    # any order), and turning 200 dates into Python's on every post was an eighth of a post's time on PostgreSQL.
    recent = sorted((row[1:6] for row in found if row[0] == 1), key=lambda row: (row[3], row[4]))
    conversation = [(row[5], row[3]) for row in found if row[0] == 2]
    created = db.converter(Comment, "created_at")  # the rows' dates as the database gives them (naive on SQLite)
    # The author is their mailbox (``mailbox_key``): another spelling of it is not somebody else.
    mailbox = mailbox_key(author_email) if author_email.strip() else ""
    key = author_key(author_name, mailbox)
    return build_context(
        text=body,
        author=key,
        at=at.timestamp(),
        policy=policy,
        article_text=article.text_for_relevance(),
        article_known=article.has_text,
        parent_text=parent.body if parent else "",
        thread=_thread_above(parent) if parent else (),
        recent=[
            Recent(author_key(name, its_mailbox), text, created(when).timestamp())
            for name, its_mailbox, text, when, _ in reversed(recent)  # the newest first, as before
        ],
        conversation=CONVERSATIONS.counts(article.pk, conversation),
        author_published_count=(
            Comment.objects.real().published().filter(mailbox=mailbox).count() if author_known and mailbox else 0
        ),
        honeypot_filled=honeypot_filled,
        seconds_to_write=seconds_to_write,
    )


@functools.cache
def _no_date(vendor: str) -> str:
    return str(Comment._meta.get_field("created_at").db_type(connection))


def _thread_above(parent: Comment) -> list[str]:
    """The published comments above a reply's parent, nearest first: the rest of the thread it joins.

    One query whatever the thread: replies nest without limit, so the walk up from the parent is a
    recursive read, one primary-key lookup a step, that stops after THREAD_SAMPLE steps. It walks
    through a comment taken down (its words are not counted, as the conversation counts only published
    ones) to those above it. (``simulation.pipeline`` walks its stream by the same rule.)
    """
    if parent.parent_id is None:
        return []
    table = connection.ops.quote_name(Comment._meta.db_table)
    # No ORDER BY: its few rows are put in order here, and the plan sorts nothing.
    sql = f"""
        WITH RECURSIVE above (id, parent_id, status, simulation_id, body, step) AS (
            SELECT id, parent_id, status, simulation_id, body, 1 FROM {table} WHERE id = %s
            UNION ALL
            SELECT c.id, c.parent_id, c.status, c.simulation_id, c.body, above.step + 1
            FROM {table} c JOIN above ON c.id = above.parent_id
            WHERE above.step < %s
        )
        SELECT step, body FROM above WHERE status = %s AND simulation_id IS NULL
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [parent.parent_id, THREAD_SAMPLE, Comment.Status.PUBLISHED.value])
        rows = cursor.fetchall()
    return [body for _, body in sorted(rows)]


def form_sent_before(*, token: str | None, email: str, body: str) -> Comment | None:
    """The comment this same form stored already (a double click, a reload, a retried request): the same
    submission token, address and words. None without a token."""
    if not token:
        return None
    # The token is unique: at most one row, so no order to ask for, and its address and words are compared
    # here. Every post asks this first and is nearly always told "no": written out (``newsroom.db``).
    found = db.rows(
        f'SELECT "id", "author_email", "body" FROM {db.table(Comment)} WHERE "submission_token" = %s', [token]
    )  # noqa: S608,E501
    email = normalise_email(email)
    pk = next((pk for pk, its_email, its_body in found if its_email == email and its_body == body), None)
    return None if pk is None else Comment.objects.get(pk=pk)
