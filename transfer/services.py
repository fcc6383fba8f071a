"""Import another comment system's comments: one loop over the export, writing to the database or, for a dry run,
only counting what it would write (the same loop, another sink).

Imported comments keep the state they had (``formats``: published, held, rejected, removed) and are marked with
their ``source`` and ``source_id``; importing the same file again stores nothing twice. They are not judged by
the filter unless asked (``moderate=True``), and even then nobody is emailed. They never count as moderator
decisions, and a reader's record (the new-commenter rule, the week's record) counts them only if the reader
confirmed that address here: their ``mailbox`` is left empty otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.validators import validate_email
from django.db import connection, reset_queries, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from articles.models import Article
from articles.services import article_slug_for
from commenters.mailboxes import mailbox_key
from commenters.models import Commenter, StorySettings
from commenters.services import normalise_email
from comments.models import Comment, ModerationEvent
from comments.sanitize import clean_text, has_visible_text
from comments.selectors import forget_counts, moderation_context
from comments.services import apply_verdict
from moderation import Mode, Policy, moderate
from moderation.normalize import fingerprint_key
from newsroom import limits
from newsroom.db import refresh_planner_statistics
from policies.selectors import live_policy
from transfer.formats import ID_LIMIT, ByteStream, Post, Skip, Story, read_export
from transfer.models import PendingParent
from transfer.stories import canonical_url, story_index, story_key

_T = TypeVar("_T")
BATCH = 1000
# Rows stored before the planner's statistics are first refreshed during an import, and then at each fourfold.
FIRST_ANALYZE = 20_000
ANONYMOUS = "Anonymous"
# Only what the source published or held is judged again with ``moderate``: what it turned down stays down.
# Longer than any comment form allows (another system's limits were its own), but a page can still show it.
IMPORTED_BODY_MAX = 10 * limits.BODY_MAX_LENGTH
JUDGED_AGAIN = frozenset({Comment.Status.PUBLISHED, Comment.Status.HELD})
# What judging an imported comment writes (``comments.services.apply_verdict``, and its words key).
JUDGED_FIELDS = [
    "status", "decision", "reasons", "scores", "explanation", "flagged", "in_conversation", "fingerprint",
]  # fmt: skip


@dataclass
class ImportReport:
    """What an import did (or, dry, would do)."""

    dry_run: bool = False
    stored: Counter[int] = field(default_factory=Counter)  # comments by story id (negative: a story to create)
    stories: dict[int, str] = field(default_factory=dict)  # story id -> its address, for the stories touched
    new_stories: list[int] = field(default_factory=list)
    already: int = 0  # comments imported before (the same source and id)
    skipped: int = 0
    top_level: int = 0  # replies whose parent was not found: stored as threads of their own
    judged: Counter[str] = field(default_factory=Counter)  # with moderate: the filter's statuses

    @property
    def total(self) -> int:
        return sum(self.stored.values())


class _Sink:
    """Where the loop's comments go."""

    def __init__(self, report: ImportReport, *, note: Callable[[int, str], None]) -> None:
        self.report = report
        self.note = note

    def fresh(self, posts: list[tuple[Post, int]]) -> list[tuple[Post, int]]:
        """The batch's comments not stored before, counting the others: those already here, and an id the
        file repeats (the first is kept)."""
        already = _already(posts)
        fresh: list[tuple[Post, int]] = []
        seen: set[tuple[str, str]] = set()
        for post, story in posts:
            identity = (post.source, post.source_id)
            if identity in seen:
                self.note(post.line, f"skipped: comment {post.source_id} appears twice in the file; the first is kept.")
                self.report.skipped += 1
                continue
            seen.add(identity)
            if identity in already:
                self.report.already += 1
            else:
                fresh.append((post, story))
        return fresh

    def create_story(self, *, url: str, story: Story, source: str, first: dt.datetime) -> int:
        raise NotImplementedError

    def store(self, posts: list[tuple[Post, int]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError


def _padded(values: Iterable[_T], filler: Callable[[int], _T]) -> list[_T]:
    """An ``IN (...)`` list of a fixed length (the batch's), filled up with values that name nothing asked for
    (Django drops repeated ones): every batch then sends the same SQL. SQLite's driver keeps up to 128 compiled
    statements, and a thousand-value list compiles large: one for each length held a hundred megabytes through
    a long import."""
    listed = list(dict.fromkeys(values))
    return listed + [filler(n) for n in range(1, BATCH - len(listed) + 1)] if listed else listed


def _no_id(n: int) -> int:
    return -n


def _no_text(n: int) -> str:
    return f"\t{n}"


def _already(posts: list[tuple[Post, int]]) -> set[tuple[str, str]]:
    """Which of a batch were imported before: by their source's id; and a line of this site's own export whose
    comment is still here under its own id (exported and read back into the same database)."""
    found: set[tuple[str, str]] = set()
    by_source: dict[str, list[str]] = {}
    for post, _story in posts:
        by_source.setdefault(post.source, []).append(post.source_id)
    for source, ids in by_source.items():
        stored = Comment.objects.filter(source=source, source_id__in=_padded(ids, _no_text)).values_list(
            "source_id", flat=True
        )
        found.update((source, str(source_id)) for source_id in stored)
    own = {post.exported_id: post for post, _ in posts if post.exported_id is not None and post.source == "newsroom"}
    if own:
        here = Comment.objects.filter(pk__in=_padded(own, _no_id), source="").values_list("pk", "created_at")
        found.update(("newsroom", str(pk)) for pk, created in here if created == own[pk].created_at)
    return found


class _DryRun(_Sink):
    def create_story(self, *, url: str, story: Story, source: str, first: dt.datetime) -> int:
        return next(self.next_id)

    def __init__(self, report: ImportReport, *, note: Callable[[int, str], None]) -> None:
        super().__init__(report, note=note)
        self.next_id = itertools.count(-1, -1)

    def store(self, posts: list[tuple[Post, int]]) -> None:
        for _post, story in self.fresh(posts):
            self.report.stored[story] += 1

    def finish(self) -> None:
        pass


class _Database(_Sink):
    def __init__(self, report: ImportReport, *, moderate: bool, note: Callable[[int, str], None]) -> None:
        super().__init__(report, note=note)
        self.moderate = moderate
        self.sources: set[str] = set()
        self.new_ids: array[int] = array("q")  # for ``moderate``: the comments to judge, 8 bytes each

    def create_story(self, *, url: str, story: Story, source: str, first: dt.datetime) -> int:
        headline = " ".join(clean_text(story.title, single_line=True).split())[:255]
        headline = headline if has_visible_text(headline) else url[:255]
        digest = hashlib.sha256(url.encode()).hexdigest()[:8]
        article = Article.objects.create(
            canonical_url=url, headline=headline, slug=f"{article_slug_for(headline)[:200]}-{digest}",
            source=(url.split("/")[2])[:120], published_on=(story.published or first).date(), body="",
            is_published=True, imported_from=source,
        )  # fmt: skip
        return article.pk

    def store(self, posts: list[tuple[Post, int]]) -> None:
        fresh = self.fresh(posts)
        if not fresh:
            return
        confirmed = _confirmed_mailboxes(post.author_email for post, _ in fresh)
        taken = set(
            Comment.objects.filter(
                pk__in=_padded((p.exported_id for p, _ in fresh if p.exported_id), _no_id)
            ).values_list("pk", flat=True)
        )
        parents = _parents_stored(fresh)
        rows = []
        for post, story in fresh:
            key = mailbox_key(post.author_email) if post.author_email else ""
            parent = parents.get((post.parent_source, post.parent_source_id))
            row = Comment(
                article_id=story, author_name=post.author_name, author_email=post.author_email,
                mailbox=key if key in confirmed else "", body=post.body, created_at=post.created_at,
                status=post.status, fingerprint="" if self.moderate else fingerprint_key(post.body), source=post.source,
                source_id=post.source_id,
                parent_id=parent[0] if parent is not None and parent[1] == story else None,
            )  # fmt: skip
            # This site's own export keeps its ids where they are free: links to #comment-12 still lead there.
            if post.exported_id is not None and post.exported_id not in taken:
                row.pk = post.exported_id
                taken.add(post.exported_id)  # two lines naming one id: the second gets a new one
            rows.append(row)
            self.report.stored[story] += 1
            self.sources.add(post.source)
        explicit = [row for row in rows if row.pk is not None]
        if explicit:
            Comment.objects.bulk_create(explicit)
            _reset_sequence()  # before any row takes the next id: it may be one just kept
        Comment.objects.bulk_create([row for row in rows if row.pk is None])
        if any(row.pk is None for row in rows):  # a database that does not return the new ids
            stored = Comment.objects.filter(source_id__in=[r.source_id for r in rows])
            ids = {(source, source_id): pk for source, source_id, pk in stored.values_list("source", "source_id", "pk")}
            for row in rows:
                row.pk = row.pk or ids[(row.source, row.source_id)]
        pending = []
        for row, (post, _story) in zip(rows, fresh, strict=True):
            if self.moderate:
                self.new_ids.append(row.pk)
            if post.parent_source_id and row.parent_id is None:
                parent = parents.get((post.parent_source, post.parent_source_id))
                if parent is not None:  # found, on another story
                    self.note(post.line, f"{post.source_id} answers a comment on another story: kept as a thread.")
                    self.report.top_level += 1
                    continue
                pending.append(
                    PendingParent(
                        comment_id=row.pk,
                        parent_source=post.parent_source,
                        parent_source_id=post.parent_source_id,
                        line=post.line,
                    )  # fmt: skip
                )
        _stage(pending)

    def finish(self) -> None:
        self._link_pending()
        self._place_in_threads()
        if self.moderate:
            self._judge()
        for source in self.sources:
            _count_replies(source)
        for story in self.report.stored:
            forget_counts(article_id=story)

    def _link_pending(self) -> None:
        """Replies stored before the comment they answer: linked once everything is stored, a batch at a time."""
        last = 0
        while batch := list(PendingParent.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
            last = batch[-1].pk
            stories = dict(
                Comment.objects.filter(pk__in=_padded((p.comment_id for p in batch), _no_id)).values_list(
                    "pk", "article_id"
                )
            )
            wanted: dict[str, list[str]] = {}
            for pending in batch:
                wanted.setdefault(pending.parent_source, []).append(pending.parent_source_id)
            found = _find_parents(wanted)
            links: list[tuple[int, int]] = []
            for pending in batch:
                parent = found.get((pending.parent_source, pending.parent_source_id))
                if parent is not None and parent[1] == stories[pending.comment_id]:
                    links.append((parent[0], pending.comment_id))
                    continue
                where = "is not in the file" if parent is None else "is on another story"
                self.note(
                    pending.line, f"the comment it answers ({pending.parent_source_id}) {where}: kept as a thread."
                )
                self.report.top_level += 1
            _link(links)
            PendingParent.objects.filter(pk__in=_padded((p.pk for p in batch), _no_id)).delete()

    def _place_in_threads(self) -> None:
        """Each reply's thread (``root``) and depth, as the services set them from its parent: a level of the
        threads at a time, in SQL, from the top down. Depth is kept whole: the page shows replies deeper than
        COMMENTS_MAX_DEPTH at its deepest, still saying whom they answer."""
        unplaced = Comment.objects.filter(source_id__isnull=False, root__isnull=True, parent__isnull=False)
        parent = Comment.objects.filter(pk=OuterRef("parent_id"))
        while (
            unplaced.filter(Q(parent__parent__isnull=True) | Q(parent__root__isnull=False)).update(
                root=Subquery(parent.values(top=Coalesce("root_id", "pk"))[:1]),
                depth=Subquery(parent.values(below=F("depth") + 1)[:1]),
            )
            > 0
        ):
            pass
        # What never reached a top: replies going round in a circle, which only a damaged file holds.
        circular = unplaced.count()
        if circular:
            unplaced.update(parent=None)
            self.note(0, f"{circular} replies answered each other in a circle: each kept as a thread of its own.")
            self.report.top_level += circular

    def _judge(self) -> None:
        """``moderate``: the filter judges each imported comment as the site would have when it was written (the
        live policy; its story's comments before it as the context), nobody is emailed, and the automatic
        decision is audited like a reader's. Each comment's words key (``fingerprint``) is written as it is
        judged: stored with it beforehand, the duplicate check would find the comment itself."""
        site_policy = live_policy()
        # A story's own way of moderating (pre-moderate, publish everything) overrides the site's, as on a post.
        story_policies: dict[int, Policy] = {}
        for start in range(0, len(self.new_ids), BATCH):
            batch = Comment.objects.filter(pk__in=self.new_ids[start : start + BATCH].tolist())
            for comment in batch.select_related("article", "parent").order_by("created_at", "pk"):
                fingerprint = fingerprint_key(comment.body)
                if comment.status not in JUDGED_AGAIN:
                    Comment.objects.filter(pk=comment.pk).update(fingerprint=fingerprint)
                    continue
                if (policy := story_policies.get(comment.article_id)) is None:
                    mode = StorySettings.objects.filter(article_id=comment.article_id).values_list("mode", flat=True)
                    policy = replace(site_policy, mode=Mode(own)) if (own := mode.first()) else site_policy
                    story_policies[comment.article_id] = policy
                context = moderation_context(
                    article=comment.article, parent=comment.parent, author_name=comment.author_name,
                    author_email=comment.author_email, body=comment.body, at=comment.created_at, policy=policy,
                    author_known=bool(comment.mailbox),
                )  # fmt: skip
                imported_as = comment.status
                note = apply_verdict(comment=comment, verdict=moderate(comment.body, context, policy))
                comment.fingerprint = fingerprint
                comment.save(update_fields=JUDGED_FIELDS)
                ModerationEvent.objects.create(
                    comment=comment, action=ModerationEvent.Action.AUTO, reason=",".join(comment.reasons)[:200],
                    note=f"Imported as {imported_as} ({comment.get_source_display().lower()}), judged on import: "
                    + note,
                    old_status=imported_as, new_status=comment.status,
                )  # fmt: skip
                self.report.judged[comment.status] += 1


def _stage(pending: list[PendingParent]) -> None:
    """Keep the replies whose parent is not stored yet: one small statement run for each row (bulk_create's
    statement changes with the count, and SQLite's driver would keep each)."""
    table = connection.ops.quote_name(PendingParent._meta.db_table)
    rows = [(p.comment_id, p.parent_source, p.parent_source_id, p.line) for p in pending]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (comment_id, parent_source, parent_source_id, line) VALUES (%s, %s, %s, %s)",  # noqa: S608
            rows,
        )


def _link(links: list[tuple[int, int]]) -> None:
    """Set each (parent, reply): one small statement run for each, where bulk_update's CASE of a thousand
    branches would compile anew for every length."""
    table = connection.ops.quote_name(Comment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET parent_id = %s WHERE id = %s", links)  # noqa: S608


def _reset_sequence() -> None:
    """PostgreSQL's next comment id past those given explicitly (SQLite's AUTOINCREMENT sees them itself)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Comment]):
            cursor.execute(sql)


def _count_replies(source: str) -> None:
    """Each imported thread's count of published readers' replies, as the services keep it."""
    replies = (
        Comment.objects.filter(root_id=OuterRef("pk"), status=Comment.Status.PUBLISHED, simulation__isnull=True)
        .order_by()
        .values("root_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Comment.objects.filter(source=source, source_id__isnull=False, parent__isnull=True).update(
        reply_count=Coalesce(Subquery(replies[:1]), Value(0), output_field=IntegerField())
    )


def _parents_stored(posts: list[tuple[Post, int]]) -> dict[tuple[str, str], tuple[int, int]]:
    """The parents of a batch already in the database: (id, story) by their source's id."""
    wanted: dict[str, list[str]] = {}
    for post, _ in posts:
        if post.parent_source_id:
            wanted.setdefault(post.parent_source, []).append(post.parent_source_id)
    return _find_parents(wanted)


def _find_parents(wanted: dict[str, list[str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """Stored comments named by their source's id: (id, story). A parent this site's export names as
    ``newsroom`` may be a comment still here under its own id, posted here (no source): read back into the
    database it came from, a reply finds it."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for source, ids in wanted.items():
        rows = Comment.objects.filter(source=source, source_id__in=_padded(ids, _no_text)).values_list(
            "source_id", "pk", "article_id"
        )
        found.update({(source, str(source_id)): (pk, story) for source_id, pk, story in rows})
        if source == "newsroom":
            own = [int(i) for i in ids if i.isascii() and i.isdigit() and 0 < int(i) < ID_LIMIT]
            here = Comment.objects.filter(pk__in=_padded(own, _no_id), source="").values_list("pk", "article_id")
            found.update(
                {("newsroom", str(pk)): (pk, story) for pk, story in here if ("newsroom", str(pk)) not in found}
            )
    return found


def _confirmed_mailboxes(emails: Iterable[str]) -> set[str]:
    """The mailboxes among these addresses whose owner confirmed them here: only their comments join a reader's
    record. (By the address too: a commenter recorded without its key.)"""
    addresses = {email for email in emails if email}
    if not addresses:
        return set()
    keys = {mailbox_key(email) for email in addresses}
    confirmed = Commenter.objects.filter(confirmed_at__isnull=False).filter(
        Q(mailbox__in=_padded(keys, _no_text)) | Q(email__in=_padded(addresses, _no_text))
    )
    return {mailbox_key(email) for email in confirmed.values_list("email", flat=True)} | set(
        confirmed.exclude(mailbox="").values_list("mailbox", flat=True)
    )


def _clean(post: Post) -> Post | Skip:
    """The rules an imported comment keeps: a name that shows (else "Anonymous"), a mailable address or none,
    words that show (a comment removed at the source may have none: it stays, for the replies under it)."""
    body = clean_text(post.body).strip()
    if not has_visible_text(body) and post.status != Comment.Status.REMOVED:
        return Skip(post.line, f"comment {post.source_id} has an empty message.")
    name = clean_text(post.author_name, single_line=True).strip()[: limits.NAME_MAX_LENGTH].strip()
    email = normalise_email(post.author_email)
    try:
        if email:
            validate_email(email)
    except ValidationError:
        email = ""
    if len(email) > limits.EMAIL_MAX_LENGTH:
        email = ""
    if len(post.source_id) > 200:
        return Skip(post.line, "its id is longer than 200 characters.")
    if len(body) > IMPORTED_BODY_MAX:
        return Skip(
            post.line, f"comment {post.source_id} is {len(body):,} characters long, over {IMPORTED_BODY_MAX:,}."
        )
    return Post(
        line=post.line, source=post.source, source_id=post.source_id, story=post.story,
        author_name=name if has_visible_text(name) else ANONYMOUS, author_email=email, created_at=post.created_at,
        body=body, status=post.status, parent_source=post.parent_source, parent_source_id=post.parent_source_id,
        exported_id=post.exported_id,
    )  # fmt: skip


class _Stories:
    """The export's threads, and the story each one is: mapped by hand, found by its address, or created."""

    def __init__(self, sink: _Sink, report: ImportReport, maps: dict[str, int]) -> None:
        self.sink = sink
        self.report = report
        self.maps = maps
        self._index: dict[str, int] | None = None
        self.threads: dict[str, Story] = {}
        self.resolved: dict[str, int | str] = {}  # thread -> story id, or why it has none

    @property
    def index(self) -> dict[str, int]:
        """Read at the first comment: a file refused at its first line never reads the database."""
        if self._index is None:
            self._index = {**story_index(), **self.maps}
        return self._index

    def add(self, story: Story) -> None:
        self.threads.setdefault(story.key, story)

    def story_for(self, post: Post) -> int | str:
        resolved = self.resolved.get(post.story)
        if resolved is None:
            resolved = self.resolved[post.story] = self._resolve(post)
        return resolved

    def _resolve(self, post: Post) -> int | str:
        thread = self.threads.get(post.story)
        if thread is None:
            return f"its thread {post.story[:80]!r} is not in the file."
        key = story_key(thread.url)
        url = canonical_url(thread.url)
        if key is None or url is None:
            return f"its thread {thread.key[:80]!r} has no web address ({thread.url[:80]!r}) to find its story by."
        story = self.index.get(key)
        if story is None:
            story = self.sink.create_story(url=url, story=thread, source=post.source, first=post.created_at)
            self.index[key] = story
            self.report.new_stories.append(story)
        self.report.stories.setdefault(story, url)
        return story


def comments_import(
    *,
    stream: ByteStream,
    maps: dict[str, Article] | None = None,
    dry_run: bool = False,
    moderate: bool = False,
    on_skip: Callable[[int, str], None] = lambda line, reason: None,
) -> ImportReport:
    """Import an export (``formats``) in one transaction: all of it, or nothing if it cannot be read to its end
    (``ExportError``). ``maps``: stories chosen by hand, by the thread's address (``--map URL=slug``).
    ``on_skip`` hears of each record skipped, and of each reply kept as a thread, with its line."""
    report = ImportReport(dry_run=dry_run)
    keyed = {}
    for url, article in (maps or {}).items():
        key = story_key(url)
        if key is None:
            raise ValueError(f"--map {url!r}: not a web address.")
        keyed[key] = article.pk
        report.stories[article.pk] = url

    def skip(line: int, reason: str) -> None:
        report.skipped += 1
        on_skip(line, f"skipped: {reason}")

    with transaction.atomic():
        sink: _Sink = _DryRun(report, note=on_skip) if dry_run else _Database(report, moderate=moderate, note=on_skip)
        stories = _Stories(sink, report, keyed)
        analyze_at = FIRST_ANALYZE
        for batch in _batches(_posts(read_export(stream), stories, skip)):
            sink.store(batch)
            reset_queries()  # with DEBUG on, Django keeps the last 9,000 queries' SQL: a batch's is a megabyte
            if not dry_run and report.total >= analyze_at and connection.vendor == "postgresql":
                # PostgreSQL plans each batch's look-ups by the table's statistics, which autovacuum cannot
                # refresh from rows this transaction has not committed: planned for the table as it was, the
                # look-ups slowed as it grew. ANALYZE inside the transaction sees them.
                analyze_written()
                analyze_at *= 4
        sink.finish()
    return report


def _posts(
    records: Iterator[Story | Post | Skip], stories: _Stories, skip: Callable[[int, str], None]
) -> Iterator[tuple[Post, int]]:
    for record in records:
        if isinstance(record, Story):
            stories.add(record)
            continue
        if isinstance(record, Skip):
            skip(record.line, record.reason)
            continue
        cleaned = _clean(record)
        if isinstance(cleaned, Skip):
            skip(cleaned.line, cleaned.reason)
            continue
        story = stories.story_for(cleaned)
        if isinstance(story, str):
            skip(cleaned.line, f"comment {cleaned.source_id}: {story}")
            continue
        yield cleaned, story


def _batches(posts: Iterator[tuple[Post, int]]) -> Iterator[list[tuple[Post, int]]]:
    while batch := list(itertools.islice(posts, BATCH)):
        yield batch


def analyze_written() -> None:
    """Fresh planner statistics for the tables a bulk import wrote (``refresh_planner_statistics``: PostgreSQL
    analyses them; SQLite plans our reads best on its defaults)."""
    refresh_planner_statistics(Comment, Article)
