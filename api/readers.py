"""The readers' endpoints: the comment section of a story, one thread, posting, reporting, one's own comments.

A reader is anonymous, known by the signed ``X-Newsroom-Reader`` header (``embeds.middleware``): under
/api/ it carries their cookies, so ``request.session`` is theirs and says which comments they wrote; a
reader their site signed in (``embeds.readers``) posts under the name and address the site vouched for.
Every read goes through the selector the page uses (the same pages, sorts and query count); every write
through the service the page's form uses (the same rules, rate limits and moderation).
"""

from __future__ import annotations

import logging
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Status
from ninja.params import P, QueryEx

from api.problems import Problem
from api.schemas import (
    AppealIn,
    AppealOut,
    CommentIn,
    CommentOut,
    FeaturedOut,
    IgnoredOut,
    MyComment,
    MyCommentsOut,
    PostOut,
    ReactionOut,
    ReportIn,
    ReportOut,
    SectionOut,
    StatementOut,
    Story,
    StoryCommentIn,
    ThreadOut,
    ThreadPageOut,
)
from articles.models import Article
from commenters.mailboxes import mailbox_key
from comments import ratelimit
from comments.appeals import AppealError, Statement, appeal_file, statements_of_reasons
from comments.forms import IDENTITY_COOKIE, confirmed_email, validate_mailable
from comments.models import Comment, CommentReport, ModerationEvent
from comments.reactions import ReactionError, comment_react, comment_unreact
from comments.sanitize import clean_text
from comments.selectors import (
    Entry,
    Thread,
    author_notice,
    comment_section,
    commenter_key,
    featured_entries,
    form_sent_before,
    is_ignored,
)
from comments.services import CommentError, Submission, cache_keys_a_post_reads, comment_post, comment_report
from comments.session import (
    ignore_commenter,
    ignored_commenters,
    own_comment,
    own_comment_ids,
    reaction_reader,
    remember_own_comment,
    stop_ignoring,
)
from comments.views import REACTIONS_A_COMMENT_PER_IP, form_in_flight
from embeds.models import SiteReader
from embeds.readers import signed_in_reader
from embeds.services import EmbedError, canonical_story_url, site_for_origin
from newsroom import limits
from newsroom.http import client_ip
from policies.selectors import live_policy

logger = logging.getLogger(__name__)
router = Router(tags=["Comments"])

Sort = Literal["oldest", "newest", "replies", "reactions"]
MAX_ID = 2**63 - 1
# The service's refusals that are about one field of the request.
FIELD_FOR_ERROR = {"empty": "body", "too_long": "body", "name": "name", "email": "email", "nul": "body"}
MY_COMMENTS_LIMIT = 100


# Stories and comments as the API shows them


def story_out(article: Article) -> Story:
    return Story(id=article.pk, title=article.headline, url=article.canonical_url, page_url=article.get_absolute_url())


def reasons_of(comment: Comment) -> list[str]:
    return list(dict.fromkeys(str(r.get("message", "")) for r in comment.explanation or [] if r.get("message")))


def statement_out(statement: Statement | None) -> StatementOut | None:
    if statement is None:
        return None
    appeal = statement.appeal
    return StatementOut(
        decided=statement.decided, decided_at=statement.decision.created_at,
        by="moderator" if statement.by_person else "filter", ground=statement.ground,
        appeal_until=statement.appeal_until, can_appeal=statement.can_appeal(),
        appeal=AppealOut(status=appeal.status, created_at=appeal.created_at, note=appeal.note,
                         decided_at=appeal.decided_at) if appeal is not None else None,
    )  # fmt: skip


def entry_out(entry: Entry) -> CommentOut:
    comment = entry.comment
    reply_count = comment.reply_count if comment.root_id is None else 0
    if entry.is_tombstone:  # kept for its replies: nothing of it is shown
        return CommentOut(
            id=comment.pk, parent_id=comment.parent_id, author_name="", created_at=comment.created_at, body="",
            depth=entry.depth, replying_to=entry.replying_to, removed=True, status="removed", notice="", reasons=[],
            reply_count=reply_count,
        )  # fmt: skip
    if entry.is_ignored:  # by a commenter this reader ignores, kept for its replies
        return CommentOut(
            id=comment.pk, parent_id=comment.parent_id, author_name="", created_at=comment.created_at, body="",
            depth=entry.depth, replying_to=entry.replying_to, status=Comment.Status.PUBLISHED, ignored=True,
            reply_count=reply_count,
        )  # fmt: skip
    own = entry.is_own_pending
    return CommentOut(
        id=comment.pk, parent_id=comment.parent_id, author_name=comment.author_name, created_at=comment.created_at,
        body=comment.body, depth=entry.depth, replying_to=entry.replying_to, removed=False,
        status=comment.status if own else Comment.Status.PUBLISHED, notice=entry.notice,
        reasons=reasons_of(comment) if own else [], reply_count=reply_count,
        reactions=comment.reaction_count, reacted=entry.reacted, featured=comment.featured_at is not None,
        statement=statement_out(entry.statement),
    )  # fmt: skip


def own_out(comment: Comment, event: ModerationEvent | None = None, statement: Statement | None = None) -> CommentOut:
    """One of the reader's own comments, whatever its state, with what the page tells its author."""
    _kind, notice = author_notice(comment, event)
    parent = comment.parent
    return CommentOut(
        id=comment.pk, parent_id=comment.parent_id, author_name=comment.author_name, created_at=comment.created_at,
        body=comment.body, depth=min(comment.depth, settings.COMMENTS_MAX_DEPTH),
        replying_to=parent.author_name if parent is not None else "", status=comment.status, notice=notice, removed=False,
        reasons=reasons_of(comment) if comment.status != Comment.Status.PUBLISHED else [],
        reply_count=comment.reply_count if comment.root_id is None else 0,
        reactions=comment.reaction_count, featured=comment.featured_at is not None,
        statement=statement_out(statement),
    )  # fmt: skip


def thread_out(thread: Thread) -> ThreadOut:
    entries = list(thread.entries)
    if entries and entries[0].comment.pk == thread.root.pk:
        head, replies = entries[0], entries[1:]
    else:  # a later page of replies: the thread's first comment, as the page of threads shows it
        head = Entry(
            comment=thread.root, depth=0, is_tombstone=thread.root.status != Comment.Status.PUBLISHED,
            is_ignored=thread.root_ignored,
        )  # fmt: skip
        replies = entries
    return ThreadOut(
        comment=entry_out(head),
        replies=[entry_out(e) for e in replies],
        replies_page=thread.replies_page,
        has_more_replies=thread.more,
    )


# Finding what a request names


def story_or_404(story_id: int) -> Article:
    article = Article.objects.published().filter(pk=story_id).first() if 0 < story_id <= MAX_ID else None
    if article is None:
        raise Problem(404, f"There is no story {story_id}.", kind="not-found")
    return article


def story_for(story_url: str) -> Article:
    """A story by its address on its own site (as pushed or embedded), or by its slug on this one."""
    given = story_url.strip()
    if not given or len(given) > 500 or "\x00" in given:
        raise Problem(400, "Give the story's address (story_url).", kind="invalid",
                      errors=[{"field": "story_url", "message": "Give the story's address or slug."}])  # fmt: skip
    stories = Article.objects.published()
    article = stories.filter(Q(canonical_url=given) | Q(slug=given)).first()
    if article is None and "://" in given:
        try:  # as the embed keys it: on its site's origin, without its #fragment
            parts = urlsplit(given)
            site = site_for_origin(urlunsplit(parts[:2] + ("", "", "")))
            article = stories.filter(canonical_url=canonical_story_url(site=site, url=given)).first()
        except (EmbedError, ValueError):
            article = None
    if article is None:
        raise Problem(404, f"No story is known at {given[:200]}.", kind="not-found")
    return article


# Reading


@router.get("/stories/{story_id}/comments", response=SectionOut, summary="A page of a story's comment threads")
def story_comments(
    request: HttpRequest, story_id: int, sort: Sort = "oldest", page: QueryEx[int, P(ge=1, le=MAX_ID)] = 1
) -> SectionOut:
    return _section(request, story_or_404(story_id), sort, page)


@router.get("/comments", response=SectionOut, summary="A page of a story's comment threads, by its address")
def comments_by_url(
    request: HttpRequest, story_url: str, sort: Sort = "oldest", page: QueryEx[int, P(ge=1, le=MAX_ID)] = 1
) -> SectionOut:
    return _section(request, story_for(story_url), sort, page)


def _section(request: HttpRequest, article: Article, sort: str, page: int) -> SectionOut:
    section = comment_section(
        article=article, page_number=page, sort=sort, own_comment_ids=own_comment_ids(request),
        ignored=[i.key for i in ignored_commenters(request)], reader=reaction_reader(request),
    )  # fmt: skip
    return SectionOut(
        story=story_out(article),
        count=section.count,
        sort=section.sort,
        page=section.page.number,
        pages=section.page.paginator.num_pages,
        threads=[thread_out(thread) for thread in section.threads],
        own_pending=[entry_out(entry) for entry in section.own_pending],
    )


@router.get("/stories/{story_id}/featured", response=FeaturedOut, summary="The comments moderators featured")
def story_featured(request: HttpRequest, story_id: int) -> FeaturedOut:
    article = story_or_404(story_id)
    entries = featured_entries(
        article=article, own=own_comment_ids(request), ignored=[i.key for i in ignored_commenters(request)],
        reader=reaction_reader(request),
    )  # fmt: skip
    return FeaturedOut(story=story_out(article), comments=[entry_out(e) for e in entries])


@router.get("/threads/{comment_id}", response=ThreadPageOut, summary="One thread, its replies a page at a time")
def thread(request: HttpRequest, comment_id: int, page: QueryEx[int, P(ge=1, le=MAX_ID)] = 1) -> ThreadPageOut:
    found = (
        Comment.objects.real().filter(pk=comment_id, article__is_published=True).select_related("article").first()
        if 0 < comment_id <= MAX_ID
        else None
    )
    if found is None:
        raise Problem(404, f"There is no thread {comment_id}.", kind="not-found")
    root_id = found.root_id or found.pk
    own = own_comment_ids(request)
    ignored = [i.key for i in ignored_commenters(request)]
    section = comment_section(
        article=found.article, thread=root_id, replies_page=page, own_comment_ids=own, ignored=ignored,
        reader=reaction_reader(request),
    )  # fmt: skip
    if not section.thread_view:  # a thread no page lists (its first comment held, say)
        raise Problem(404, f"There is no thread {comment_id}.", kind="not-found")
    if section.threads:
        shown = thread_out(section.threads[0])
    else:  # past the thread's last page of replies
        root = Comment.objects.get(pk=root_id)
        head = Entry(
            comment=root, depth=0, is_tombstone=root.status != Comment.Status.PUBLISHED,
            is_ignored=is_ignored(root, own, ignored),
        )  # fmt: skip
        shown = ThreadOut(comment=entry_out(head), replies=[], replies_page=page, has_more_replies=False)
    return ThreadPageOut(story=story_out(found.article), thread=shown, page=page)


# Posting


@router.post(
    "/stories/{story_id}/comments",
    response={200: PostOut, 201: PostOut},
    summary="Post a comment or a reply",
    description="Moderated as on the page: published, held for a moderator, or rejected, with the reasons. "
    "200 (not 201) when the same token was posted before: that comment is returned.",
)
def post_comment(request: HttpRequest, story_id: int, data: CommentIn) -> Status[PostOut]:
    return _post(request, story_or_404(story_id), data)


@router.post("/comments", response={200: PostOut, 201: PostOut}, summary="Post a comment, naming the story by address")
def post_comment_by_url(request: HttpRequest, data: StoryCommentIn) -> Status[PostOut]:
    return _post(request, story_for(data.story_url), data)


def _post(request: HttpRequest, article: Article, data: CommentIn) -> Status[PostOut]:
    reader = signed_in_reader(request)
    name, email, body, parent = _clean(data, reader)
    token = (data.token or "").strip() or None

    def sent_before() -> Comment | None:
        return form_sent_before(token=token, email=email, body=body)

    # A copy sent while the first is in flight (a client that sent it three times at once), or soon after:
    # answered with the one comment the first copy stores, never counted as too fast. A retry later still is
    # answered the same (the token's unique index; or below, when something refuses it that changed since).
    already, wait = form_in_flight(request, token, email, sent_before, read=cache_keys_a_post_reads(article.pk))
    if already is None and wait:
        already = sent_before()  # a double send racing itself stored it meanwhile: that is not "too fast"
        if already is None:
            raise Problem(
                429,
                f"You are commenting faster than we allow. Wait {wait} seconds, then send it again.",
                kind="too-fast",
                headers={"Retry-After": str(wait)},
            )
    if already is not None:
        remember_own_comment(request, already.pk)
        return Status(200, _posted(already, duplicate=True))
    verified = reader.commenter.email if reader is not None else confirmed_email(request.COOKIES.get(IDENTITY_COOKIE))
    try:
        result = comment_post(
            article=article, author_name=name, author_email=email, body=body, parent=parent,
            submission=Submission(ip_address=client_ip(request), token=token, verified_email=verified),
            notify_replies=data.notify,
        )  # fmt: skip
    except CommentError as exc:
        message, code = exc.messages[0], exc.code or ""
        if code != "token" and (already := sent_before()) is not None:
            # A retry of a comment stored before, refused now by what changed since (the story closed, the author
            # banned, the parent taken down): it was posted, and is answered so.
            remember_own_comment(request, already.pk)
            return Status(200, _posted(already, duplicate=True))
        if code in ("suspended", "banned", "closed"):
            raise Problem(403, message, kind=code) from None
        if code == "token":
            raise Problem(
                409,
                "This token was already used for a different comment. A token is an idempotency key, unique "
                "across the whole site: send a new random token (a UUID) for each new comment, and the same "
                "token again only to retry the same comment.",
                kind="token-used",
            ) from None
        field = "parent" if code.startswith("parent") else FIELD_FOR_ERROR.get(code, "")
        errors = [{"field": field, "message": message}] if field else None
        raise Problem(400, message, kind="invalid", errors=errors) from None
    except (OperationalError, InterfaceError):
        # The connection dropped mid-post: the transaction was rolled back or committed whole, and the same
        # token sent again is stored once.
        logger.exception("Database connection lost while posting a comment through the API")
        if connection.connection is not None and not connection.in_atomic_block and not connection.is_usable():
            connection.close()
        raise Problem(
            503,
            "We lost the connection to our database while saving the comment. Send it again with the same token: "
            "it will not be posted twice.",
            kind="unavailable",
            headers={"Retry-After": "5"},
        ) from None
    remember_own_comment(request, result.comment.pk)
    posted = _posted(result.comment, duplicate=result.duplicate_submission, warnings=result.warnings)
    return Status(200 if result.duplicate_submission else 201, posted)


def _clean(data: CommentIn, reader: SiteReader | None) -> tuple[str, str, str, Comment | None]:
    """The request's shape, checked as the page's form checks it (the rules beyond shape are the service's)."""
    errors: list[dict[str, str]] = []

    def refuse(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if reader is not None:  # the site vouched for who this is: what the body says of it is ignored
        name, email = reader.display_name, reader.commenter.email
    else:
        name = clean_text(data.name.strip(), single_line=True).strip()
        email = data.email.strip()
        if not name:
            refuse("name", "Give a name to post under.")
        elif len(name) > limits.NAME_MAX_LENGTH:
            refuse("name", f"Give a name of at most {limits.NAME_MAX_LENGTH} characters (it has {len(name)}).")
        if not email:
            refuse("email", "Give your email address: it is never shown.")
        elif len(email) > limits.EMAIL_MAX_LENGTH:
            refuse("email", f"Give an email address of at most {limits.EMAIL_MAX_LENGTH} characters.")
        else:
            try:
                validate_mailable(email)
            except ValidationError as exc:
                refuse("email", exc.messages[0])
    raw = data.body.strip()
    body = clean_text(raw).strip("\n\r")
    if len(raw) > limits.BODY_MAX_LENGTH:
        refuse("body", f"Keep it under {limits.BODY_MAX_LENGTH} characters (it has {len(raw)}).")
    elif not body.strip():
        refuse("body", "Write a comment first.")
    parent = None
    if data.parent is not None:
        parent = Comment.objects.real().select_related("article").filter(pk=data.parent).first()
        if parent is None:
            refuse("parent", "The comment you are replying to does not exist (it may have been removed).")
    if errors:
        listed = " ".join(e["message"] for e in errors)
        raise Problem(400, f"The comment was not posted: {listed}", kind="invalid", errors=errors)
    return name, email, body, parent


def _posted(comment: Comment, *, duplicate: bool = False, warnings: list[str] | None = None) -> PostOut:
    reasons = reasons_of(comment)
    status = comment.status
    decision: Literal["published", "held", "rejected"]
    if status == Comment.Status.PUBLISHED:
        decision, message = "published", "Your comment is published."
    elif status == Comment.Status.HELD:
        decision, message = "held", author_notice(comment, None)[1]
    else:
        because = "; ".join(reasons) or "it breaks the comment policy"
        decision = "rejected"
        message = f"Your comment was not published because it {because}. You can edit it and try again."
    return PostOut(
        comment=own_out(comment),
        decision=decision,
        reasons=reasons if decision != "published" else [],
        message=message,
        warnings=[f"A moderator has warned you: {w}. Please keep to the comments policy." for w in warnings or []],
        duplicate=duplicate,
    )


# Reporting


@router.post(
    "/comments/{comment_id}/reports", response={201: ReportOut}, summary="Ask a moderator to look at a comment"
)
def report(request: HttpRequest, comment_id: int, data: ReportIn) -> Status[ReportOut]:
    comment = (
        Comment.objects.real().published().filter(article__is_published=True, pk=comment_id).first()
        if 0 < comment_id <= MAX_ID
        else None
    )
    if comment is None:  # only what a reader can see can be reported
        raise Problem(404, f"There is no published comment {comment_id}.", kind="not-found")
    wait = ratelimit.hit("report-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
    if wait:
        raise Problem(
            429,
            f"You are sending reports faster than we allow. Wait {wait} seconds, then send it again.",
            kind="too-fast",
            headers={"Retry-After": str(wait)},
        )
    if data.reason not in CommentReport.Reason.values:
        choices = ", ".join(CommentReport.Reason.values)
        raise Problem(400, f"Choose a reason for the report: {choices}.", kind="invalid",
                      errors=[{"field": "reason", "message": f"One of {choices}."}])  # fmt: skip
    note = clean_text(data.note).strip()
    if len(note) > limits.REPORT_NOTE_MAX_LENGTH:
        raise Problem(400, f"Keep the note under {limits.REPORT_NOTE_MAX_LENGTH} characters.", kind="invalid",
                      errors=[{"field": "note", "message": "Too long."}])  # fmt: skip
    try:
        comment_report(comment=comment, reason=data.reason, note=note, ip_address=client_ip(request))
    except CommentError as exc:
        raise Problem(400, exc.messages[0], kind="invalid") from None
    return Status(201, ReportOut(message="Thank you. A moderator will look at this comment."))


# Reacting


def _reactable(comment_id: int) -> Comment:
    comment = (
        Comment.objects.real().published().filter(article__is_published=True, pk=comment_id).first()
        if 0 < comment_id <= MAX_ID
        else None
    )
    if comment is None:  # only what a reader can see
        raise Problem(404, f"There is no published comment {comment_id}.", kind="not-found")
    return comment


def _react(request: HttpRequest, comment_id: int, *, on: bool) -> ReactionOut:
    comment = _reactable(comment_id)
    address = client_ip(request) or "unknown"
    wait = ratelimit.hit_all(
        [
            ("reaction-ip", address, settings.REACTIONS_RATE_PER_IP),
            ("reaction-ip-comment", f"{address}:{comment.pk}", REACTIONS_A_COMMENT_PER_IP),
        ]
    )
    if wait:
        raise Problem(
            429, f"You are reacting faster than we allow. Wait {wait} seconds, then send it again.",
            kind="too-fast", headers={"Retry-After": str(wait)},
        )  # fmt: skip
    reader = reaction_reader(request, create=True)
    assert reader is not None
    site_reader = signed_in_reader(request)
    mine = own_comment(request, comment) or (
        site_reader is not None and mailbox_key(site_reader.commenter.email) == comment.mailbox
    )
    try:
        if on:
            done = comment_react(comment=comment, reader=reader, own=[comment.pk] if mine else [])
        else:
            done = comment_unreact(comment=comment, reader=reader)
    except ReactionError as exc:
        raise Problem(400, str(exc), kind="invalid") from None
    return ReactionOut(reactions=done.count, reacted=done.reacted, label=settings.COMMENTS_REACTION_LABEL)


@router.post(
    "/comments/{comment_id}/reaction",
    response=ReactionOut,
    summary="React to a comment (the site's one kind, e.g. Respect)",
    description="One reaction a reader a comment: sent twice, it is still one. Never changes moderation.",
)
def react(request: HttpRequest, comment_id: int) -> ReactionOut:
    return _react(request, comment_id, on=True)


@router.delete("/comments/{comment_id}/reaction", response=ReactionOut, summary="Take one's reaction back")
def unreact(request: HttpRequest, comment_id: int) -> ReactionOut:
    return _react(request, comment_id, on=False)


# Ignoring a commenter


@router.post(
    "/comments/{comment_id}/ignore",
    response={201: IgnoredOut},
    summary="Hide a commenter's comments from this reader's view",
    description="From then on the story pages and threads this reader reads show each comment of theirs that "
    "others answered as one ignored entry (no name, no text), and leave out the rest. Kept with the reader's token.",
)
def ignore(request: HttpRequest, comment_id: int) -> Status[IgnoredOut]:
    comment = (
        Comment.objects.real().published().filter(article__is_published=True, pk=comment_id).first()
        if 0 < comment_id <= MAX_ID
        else None
    )
    if comment is None:  # only what a reader can see
        raise Problem(404, f"There is no published comment {comment_id}.", kind="not-found")
    wait = ratelimit.hit("ignore-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
    if wait:
        raise Problem(
            429, f"You are doing that faster than we allow. Wait {wait} seconds, then send it again.",
            kind="too-fast", headers={"Retry-After": str(wait)},
        )  # fmt: skip
    reader = signed_in_reader(request)
    mine = reader.commenter.email if reader is not None else confirmed_email(request.COOKIES.get(IDENTITY_COOKIE))
    if comment.pk in own_comment_ids(request) or (mine and mailbox_key(mine) == comment.mailbox):
        raise Problem(400, "That is your own comment: you cannot ignore yourself.", kind="invalid")
    ignored = ignore_commenter(request, key=commenter_key(comment), name=comment.author_name)
    return Status(201, IgnoredOut(who=ignored.who, name=ignored.name))


@router.get("/me/ignored", response=list[IgnoredOut], summary="The commenters this reader ignores")
def my_ignored(request: HttpRequest) -> list[IgnoredOut]:
    return [IgnoredOut(who=i.who, name=i.name) for i in ignored_commenters(request)]


@router.delete("/me/ignored/{who}", response={204: None}, summary="See a commenter's comments again")
def unignore(request: HttpRequest, who: str) -> Status[None]:
    if stop_ignoring(request, who) is None:
        raise Problem(404, "You were not ignoring that commenter.", kind="not-found")
    return Status(204, None)


# One's own


@router.get("/me/comments", response=MyCommentsOut, summary="The reader's own comments, held ones with why")
def my_comments(request: HttpRequest) -> MyCommentsOut:
    reader = signed_in_reader(request)
    mine = Comment.objects.real().select_related("article", "parent")
    if reader is not None:  # every comment of the address their site vouched for, on any device
        # Theirs since their site first signed them in (before, anyone could have typed the address), and
        # whatever this reader's own token carries.
        mine = mine.filter(
            Q(mailbox=mailbox_key(reader.commenter.email), created_at__gte=reader.created_at)
            | Q(pk__in=own_comment_ids(request))
        )
    else:
        mine = mine.filter(pk__in=own_comment_ids(request))
    comments = list(mine.order_by("-created_at", "-id")[:MY_COMMENTS_LIMIT])
    decided: dict[int, ModerationEvent] = {
        event.comment_id: event
        for event in ModerationEvent.objects.filter(
            comment_id__in=[c.pk for c in comments],
            action__in=[ModerationEvent.Action.APPROVE, ModerationEvent.Action.REJECT, ModerationEvent.Action.REMOVE],
            undone_by__isnull=True,
        ).order_by("created_at", "id")
    }  # the latest decision of each, as the page tells its author
    statements = statements_of_reasons(comments, policy=live_policy())
    shown: list[MyComment] = []
    for comment in comments:
        fields: dict[str, Any] = own_out(comment, decided.get(comment.pk), statements.get(comment.pk)).model_dump()
        shown.append(MyComment(**fields, story=story_out(comment.article)))
    return MyCommentsOut(signed_in_as=reader.display_name if reader is not None else None, comments=shown)


# Appealing


@router.post(
    "/comments/{comment_id}/appeal", response={201: AppealOut},
    summary="Appeal the decision that hides one's own comment (once a decision, with a note)",
)  # fmt: skip
def appeal(request: HttpRequest, comment_id: int, data: AppealIn) -> Status[AppealOut]:
    comment = Comment.objects.real().filter(pk=comment_id).first() if 0 < comment_id <= MAX_ID else None
    if comment is None:
        raise Problem(404, f"There is no comment {comment_id}.", kind="not-found")
    site_reader = signed_in_reader(request)
    mine = own_comment(request, comment) or (  # as /me/comments counts a signed-in reader's own
        site_reader is not None
        and mailbox_key(site_reader.commenter.email) == comment.mailbox
        and comment.created_at >= site_reader.created_at
    )
    if not mine:
        raise Problem(403, "Only the author of a comment can appeal a decision on it.", kind="forbidden")
    wait = ratelimit.hit("appeal-ip", client_ip(request) or "unknown", settings.REPORTS_RATE_PER_IP)
    if wait:
        raise Problem(
            429, f"You are sending appeals faster than we allow. Wait {wait} seconds, then send it again.",
            kind="too-fast", headers={"Retry-After": str(wait)},
        )  # fmt: skip
    try:
        made = appeal_file(comment=comment, note=clean_text(data.note), policy=live_policy())
    except AppealError as exc:
        field = [{"field": "note", "message": str(exc)}] if exc.code == "note" else None
        raise Problem(400, str(exc), kind="invalid", errors=field) from None
    return Status(
        201, AppealOut(status=made.status, created_at=made.created_at, note=made.note, decided_at=made.decided_at)
    )
